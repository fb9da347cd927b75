import dayjs from "dayjs";
import i18next, { type TFunction } from "i18next";
import { beforeAll, describe, expect, test } from "vitest";
import en from "../../locales/en.json";
import type { FieldDef, ObjectDef } from "../../lib/meta";
import { field } from "../../test/metadata";
import { cronText, cronValid, formPath, insertAt, mergeFields, pathParts, placeRuleErrors, ruleBody, ruleValues, triggerText, type Rule, type RuleValues } from "./rules";

/** A field labelled by its name, as the tests read it. */
function named(name: string, type: FieldDef["type"], extra: Partial<FieldDef> = {}): FieldDef {
  return field(name, type, [name[0]?.toUpperCase() + name.slice(1), name], extra);
}

const LEVEL = named("level", "picklist", {
  options: [
    { value: "key", label: { en: "Key", "zh-CN": "重点" }, color: null, active: true },
    { value: "normal", label: { en: "Normal", "zh-CN": "普通" }, color: null, active: true },
  ],
});
const account: ObjectDef = {
  name: "account",
  label: { en: "Account", "zh-CN": "客户" },
  plural_label: { en: "Accounts", "zh-CN": "客户" },
  description: null,
  name_field: "name",
  standard: true,
  module: "customers",
  fields: [named("name", "text"), LEVEL, named("renewal_date", "date"), named("revenue", "currency", { currency: "CNY" }), named("parent", "lookup", { target: "account" })],
};
const contact: ObjectDef = { ...account, name: "contact", fields: [named("name", "text"), named("account", "lookup", { target: "account" }), named("birthday", "date")] };
const objects = [account, contact];

let t: TFunction;
beforeAll(async () => {
  const instance = i18next.createInstance();
  await instance.init({ lng: "en", resources: { en: { translation: en } } });
  t = instance.t;
});

const KEY_RULE: Rule = {
  id: "r1",
  object: "account",
  name: { en: "Key accounts", "zh-CN": "重点客户" },
  trigger: { type: "field_changed", field: "level", to: "key" },
  condition: null,
  run_when: "every_time",
  actions: [
    { type: "create_task", subject: "Visit {{name}}", assignee: "owner", due_in_days: 3 },
    { type: "notify", to: ["manager"], title: "{{name}} is key now" },
    { type: "update_fields", values: { renewal_date: "2027-01-31", name: { copy: "name" } } },
  ],
  active: true,
  position: 0,
  version: 4,
  published_version: 4,
  updated_at: "2026-12-07T10:00:00+08:00",
};

describe("a rule and its form", () => {
  test("a rule read comes back unchanged as the body that publishes its next version", () => {
    const values = ruleValues(KEY_RULE, objects);
    expect(values.to_any).toBe(false);
    expect(values.from_any).toBe(true);
    expect(dayjs.isDayjs(values.actions[2]?.values?.[0]?.value)).toBe(true);
    const body = ruleBody(values, objects, KEY_RULE);
    expect(body).toEqual({
      name: KEY_RULE.name,
      trigger: KEY_RULE.trigger,
      condition: null,
      run_when: "every_time",
      actions: KEY_RULE.actions,
      active: true,
    });
    expect("object" in body).toBe(false);
  });

  test("a new rule sends its object, one value for a side chosen, and a task for a named user", () => {
    const values: RuleValues = {
      ...ruleValues(undefined, objects),
      name_zh: "重点客户",
      name_en: "",
      trigger_field: "level",
      from_any: false,
      from: "normal",
      to_any: false,
      to: "key",
      condition: { join: "and", conditions: [{ key: "a", field: "revenue", op: "gt", value: 100 }, { key: "b", field: "name", op: "contains", value: "" }] },
      actions: [{ type: "create_task", subject: "  Call {{name}} ", assignee: "user", assignee_user: "u-1", due_in_days: null, priority: null }],
    };
    expect(ruleBody(values, objects)).toEqual({
      object: "account",
      name: { en: "重点客户", "zh-CN": "重点客户" },
      trigger: { type: "field_changed", field: "level", from: "normal", to: "key" },
      condition: { field: "revenue", op: "gt", value: 100 },
      run_when: "every_time",
      actions: [{ type: "create_task", subject: "Call {{name}}", assignee: "u-1" }],
      active: true,
    });
  });

  test("a date trigger counts days before as negative, and a cron time is sent tidied", () => {
    const base = ruleValues(undefined, objects);
    expect(ruleBody({ ...base, trigger_type: "date", trigger_field: "renewal_date", offset_days: 30, offset_dir: "before" }, objects).trigger).toEqual({
      type: "date",
      field: "renewal_date",
      offset_days: -30,
    });
    expect(ruleBody({ ...base, trigger_type: "cron", cron: " 0  9 * * 1-5 " }, objects).trigger).toEqual({ type: "cron", cron: "0 9 * * 1-5" });
    expect(ruleValues({ ...KEY_RULE, trigger: { type: "date", field: "renewal_date", offset_days: -7 } }, objects)).toMatchObject({ offset_days: 7, offset_dir: "before" });
  });

  test("update_fields through a lookup types its values by the related object", () => {
    const rule: Rule = { ...KEY_RULE, object: "contact", actions: [{ type: "update_fields", target: "account", values: { level: "key", renewal_date: { today: 30 } } }] };
    const values = ruleValues(rule, objects);
    expect(values.actions[0]?.values).toEqual([
      { field: "level", mode: "value", value: "key" },
      { field: "renewal_date", mode: "today", today: 30 },
    ]);
    expect(ruleBody(values, objects, rule).actions).toEqual(rule.actions);
  });
});

describe("a refusal's errors on the form", () => {
  const values = ruleValues(KEY_RULE, objects);

  test("paths from the service and from pydantic read alike", () => {
    expect(pathParts("actions[1].values.level")).toEqual(["actions", 1, "values", "level"]);
    expect(pathParts("actions.0.create_task.subject")).toEqual(["actions", 0, "subject"]);
  });

  test("each error lands on the item that shows what it names", () => {
    expect(formPath("actions[2].values.name", values)).toEqual(["actions", 2, "values", 1, "field"]);
    expect(formPath("actions[2].values.nope", values)).toEqual(["actions", 2, "values"]);
    expect(formPath("actions[0].subject", values)).toEqual(["actions", 0, "subject"]);
    expect(formPath("actions.0.create_task.assignee", values)).toEqual(["actions", 0, "assignee"]);
    expect(formPath("actions[1]", values)).toEqual(["actions", 1, "type"]);
    expect(formPath("trigger.to", values)).toEqual(["to"]);
    expect(formPath("trigger.field", values)).toEqual(["trigger_field"]);
    expect(formPath("trigger", values)).toEqual(["trigger_type"]);
    expect(formPath("condition.revenue", values)).toEqual(["condition"]);
    expect(formPath("name.en", values)).toEqual(["name_en"]);
    expect(formPath("version", values)).toBeNull();
  });

  test("two errors on one item are kept together; the rest go above the form", () => {
    const placed = placeRuleErrors(
      [
        { field: "actions[0].subject", code: "unknown", message: "{{a}}: no field" },
        { field: "actions[0].subject", code: "unknown", message: "{{b}}: no field" },
        { field: "position", code: "invalid", message: "too far" },
      ],
      values,
    );
    expect(placed.fields).toEqual([{ name: ["actions", 0, "subject"], errors: ["{{a}}: no field", "{{b}}: no field"] }]);
    expect(placed.other).toEqual(["position: too far"]);
  });
});

describe("what the list and the editor say", () => {
  test("a trigger in one line, with the option's label", () => {
    expect(triggerText({ type: "field_changed", field: "level", to: "key" }, account, t, "en")).toBe("Level becomes Key");
    expect(triggerText({ type: "field_changed", field: "level", from: "normal", to: "key" }, account, t, "zh-CN")).toBe("level changes from 普通 to 重点");
    expect(triggerText({ type: "date", field: "renewal_date", offset_days: -30 }, account, t, "en")).toBe("30 days before Renewal_date");
    expect(triggerText({ type: "created" }, account, t, "en")).toBe("A record is created");
  });

  test("cron times in words for the usual shapes, field by field otherwise", () => {
    expect(cronText("0 9 * * 1", t)).toBe("Every Monday at 09:00");
    expect(cronText("30 8 * * 1-5", t)).toBe("Monday to Friday at 08:30");
    expect(cronText("0 18 1 * *", t)).toBe("On day 1 of every month at 18:00");
    expect(cronText("*/15 * * * *", t)).toBe("Every 15 minutes");
    expect(cronText("0 9 * 1 *", t)).toBe("minute 0, hour 9, day *, month 1, weekday *");
    expect(cronText("0 9 * *", t)).toBeNull();
    expect(cronValid("0 9 * * mon")).toBe(false);
  });

  test("merge fields are the record's fields, a currency with its currency too, put where the caret was", () => {
    expect(mergeFields(account, "en").map((f) => f.value)).toEqual(["{{name}}", "{{level}}", "{{renewal_date}}", "{{revenue}}", "{{revenue.currency}}", "{{parent}}"]);
    expect(insertAt("Visit  today", "{{name}}", 6, 6)).toEqual({ text: "Visit {{name}} today", caret: 14 });
    expect(insertAt("Visit X", "{{name}}", 6, 7).text).toBe("Visit {{name}}");
    expect(insertAt(undefined, "{{name}}")).toEqual({ text: "{{name}}", caret: 8 });
  });
});
