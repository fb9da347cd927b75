import { describe, expect, test } from "vitest";
import type { ObjectDef } from "../../../lib/meta";
import { field } from "../../../test/metadata";
import { askableFields, escapeHtml, formSnippet, HONEYPOT, snippetFields } from "./snippet";

const LEAD: ObjectDef = {
  name: "lead",
  label: { en: "Lead", "zh-CN": "线索" },
  plural_label: { en: "Leads", "zh-CN": "线索" },
  description: null,
  name_field: "name",
  standard: true,
  module: "sales",
  fields: [
    field("name", "text", ["Name", "姓名"], { required: true, position: 1 }),
    field("company", "text", ['Company <b>"Ltd"</b>', "公司名称"], { position: 2 }),
    field("email", "email", ["E-mail", "邮箱"], { position: 3 }),
    field("industry", "picklist", ["Industry", "行业"], {
      position: 4,
      options: [
        { value: "it", label: { en: "IT & <software>", "zh-CN": "IT/软件" }, color: null, active: true },
        { value: "old", label: { en: "Retired", "zh-CN": "停用" }, color: null, active: false },
      ],
    }),
    field("employees", "integer", ["Employees", "员工人数"], { position: 5 }),
    field("note", "long_text", ["Note", "备注"], { position: 6 }),
    field("newsletter", "boolean", ["Newsletter", "订阅资讯"], { position: 7 }),
    field("status", "picklist", ["Status", "线索状态"], { position: 8, options: [] }),
    field("utm_source", "text", ["UTM source", "UTM 来源"], { position: 9 }),
    field("address", "address", ["Address", "地址"], { position: 10 }),
    field("score", "formula", ["Score", "评分"], { position: 11 }),
    field("owner_ref", "user", ["Rep", "销售"], { position: 12 }),
    field("fax", "text", ["Fax", "传真"], { position: 13, archived: true }),
  ],
};

const TEXT = { submit: "Submit", honeypot: "Leave this empty", choose: "Please choose" };

describe("the fields a web form may ask for", () => {
  test("are the lead's typed-in fields, not what the system, the conversion or tracking fills", () => {
    expect(askableFields(LEAD).map((f) => f.name)).toEqual(["name", "company", "email", "industry", "employees", "note", "newsletter"]);
  });
});

describe("the HTML snippet", () => {
  test("escapes what HTML would read as markup", () => {
    expect(escapeHtml(`<script>alert("x") & 'y'</script>`)).toBe("&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;");
  });

  test("posts the form's fields in order to its public address, with the honeypot and consent", () => {
    const fields = snippetFields(["company", "name", "industry"], ["company"], LEAD, "zh-CN");
    const html = formSnippet("https://crm.example.com/api/v1/public/forms/G4Qu3gnpRzw2bh1I", fields, "我同意按隐私政策处理我的信息。", TEXT);
    expect(html.startsWith('<form method="post" action="https://crm.example.com/api/v1/public/forms/G4Qu3gnpRzw2bh1I" accept-charset="UTF-8">')).toBe(true);
    expect(html.indexOf('name="company"')).toBeLessThan(html.indexOf('name="name"'));
    expect(html.indexOf('name="name"')).toBeLessThan(html.indexOf('name="industry"'));
    // Required: asked by the form (company) or by the lead itself (name).
    expect(html).toContain('<label for="gx-company">公司名称 *</label>');
    expect(html).toContain('<input id="gx-company" name="company" type="text" required>');
    expect(html).toContain('<input id="gx-name" name="name" type="text" required>');
    expect(html).toContain('<select id="gx-industry" name="industry">');
    expect(html).toContain('<option value="it">IT/软件</option>');
    expect(html).not.toContain("停用"); // an inactive option is not offered
    expect(html).toContain(`<input name="${HONEYPOT}" type="text" value="" tabindex="-1" autocomplete="off">`);
    expect(html).toContain('aria-hidden="true"');
    expect(html).toContain('<input name="consent" type="checkbox" value="yes" required> 我同意按隐私政策处理我的信息。');
    expect(html.trimEnd().endsWith('<button type="submit">Submit</button>\n</form>')).toBe(true);
  });

  test("escapes labels, option names, the consent text and the address it embeds", () => {
    const fields = snippetFields(["company", "industry"], [], LEAD, "en");
    const html = formSnippet('https://x.example/"><script>', fields, `I agree <img src=x onerror="alert(1)">`, { ...TEXT, submit: "Send <now>" });
    expect(html).toContain('action="https://x.example/&quot;&gt;&lt;script&gt;"');
    expect(html).toContain("Company &lt;b&gt;&quot;Ltd&quot;&lt;/b&gt;");
    expect(html).toContain("IT &amp; &lt;software&gt;");
    expect(html).toContain("I agree &lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
    expect(html).toContain("Send &lt;now&gt;");
    expect(html).not.toMatch(/<(script|img|b)\b/);
  });

  test("draws each type with its input, and no consent box without consent text", () => {
    const fields = snippetFields(["email", "employees", "note", "newsletter"], [], LEAD, "en");
    const html = formSnippet("/f", fields, "  ", TEXT);
    expect(html).toContain('<input id="gx-email" name="email" type="email">');
    expect(html).toContain('<input id="gx-employees" name="employees" type="number">');
    expect(html).toContain('<textarea id="gx-note" name="note" rows="4"></textarea>');
    expect(html).toContain('<label><input id="gx-newsletter" name="newsletter" type="checkbox" value="true"> Newsletter</label>');
    expect(html).not.toContain('name="consent"');
  });

  test("is a form a browser parses as written: every field named, the honeypot hidden", () => {
    const fields = snippetFields(["name", "company", "industry", "newsletter"], ["company"], LEAD, "en");
    const doc = new DOMParser().parseFromString(formSnippet("https://crm.example.com/f", fields, "Consent <ok>", TEXT), "text/html");
    const form = doc.querySelector("form");
    expect(form?.getAttribute("method")).toBe("post");
    expect([...(form?.elements ?? [])].map((e) => e.getAttribute("name"))).toEqual(["name", "company", "industry", "newsletter", HONEYPOT, "consent", null]);
    expect(doc.querySelector(`[name=${HONEYPOT}]`)?.closest("[aria-hidden=true]")).not.toBeNull();
    expect(doc.querySelector("[name=consent]")?.parentElement?.textContent?.trim()).toBe("Consent <ok>");
    expect(doc.querySelectorAll("script, img")).toHaveLength(0);
  });
});
