/**
 * What a web form may ask for, and the HTML a website pastes to send its visitors'
 * enquiries to Guanxi. Everything embedded in the snippet (labels, option names, the
 * consent text, the address) is escaped: an administrator's "<script>" in a field label
 * must reach the website as text.
 */
import { COMPUTED_TYPES, label, type FieldDef, type FieldType, type ObjectDef } from "../../../lib/meta";

/** Lead fields a visitor never sets (forms.py NOT_ASKED): what the conversion, the
 * consent record, the form itself and the tracking parameters fill in. */
const NOT_ASKED: ReadonlySet<string> = new Set([
  "status",
  "web_form",
  "consent_text",
  "consent_at",
  "converted_at",
  "converted_account",
  "converted_contact",
  "converted_opportunity",
  "last_activity_at",
  "next_follow_up",
  "disqualify_reason",
  "utm_source",
  "utm_medium",
  "utm_campaign",
  "utm_term",
  "utm_content",
  "campaign",
]);

/** Types a visitor types in through a plain HTML form (forms.py ASKABLE_TYPES, without
 * `address`: its parts are one JSON object, which a plain form cannot send). */
const ASKABLE: ReadonlySet<FieldType> = new Set<FieldType>([
  "text",
  "long_text",
  "email",
  "phone",
  "url",
  "picklist",
  "multi_picklist",
  "integer",
  "decimal",
  "date",
  "boolean",
]);

/** The honeypot's name (forms.py HONEYPOT): people leave it empty, simple bots fill it. */
export const HONEYPOT = "homepage";

export function askableFields(lead: ObjectDef): FieldDef[] {
  return lead.fields
    .filter((f) => !f.archived && ASKABLE.has(f.type) && !COMPUTED_TYPES.has(f.type) && !NOT_ASKED.has(f.name) && f.name !== HONEYPOT)
    .sort((a, b) => a.position - b.position);
}

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text made safe inside an element or a quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

export interface SnippetField {
  name: string;
  type: FieldType;
  label: string;
  required: boolean;
  options?: { value: string; label: string }[];
}

export interface SnippetText {
  /** The submit button. */
  submit: string;
  /** The honeypot's label, read by no person (hidden), kept for screen readers' sake. */
  honeypot: string;
  /** The first, empty choice of a picklist. */
  choose: string;
}

/** A field of the form as the snippet draws it, in one language. */
export function snippetFields(names: readonly string[], required: readonly string[], lead: ObjectDef, language: string): SnippetField[] {
  const byName = new Map(lead.fields.map((f) => [f.name, f]));
  return names.flatMap((name) => {
    const field = byName.get(name);
    if (!field) return [];
    return [
      {
        name,
        type: field.type,
        label: label(field.label, language) || name,
        required: field.required || required.includes(name),
        options: field.options?.filter((o) => o.active).map((o) => ({ value: o.value, label: label(o.label, language) || o.value })),
      },
    ];
  });
}

const INPUT_TYPES: Partial<Record<FieldType, string>> = {
  email: "email",
  phone: "tel",
  url: "url",
  integer: "number",
  decimal: "number",
  date: "date",
};

function control(field: SnippetField, id: string, text: SnippetText): string {
  const name = escapeHtml(field.name);
  const required = field.required ? " required" : "";
  switch (field.type) {
    case "long_text":
      return `<textarea id="${id}" name="${name}" rows="4"${required}></textarea>`;
    case "picklist":
    case "multi_picklist": {
      // One choice: a plain form sends one value per name the server keeps.
      const options = (field.options ?? []).map((o) => `      <option value="${escapeHtml(o.value)}">${escapeHtml(o.label)}</option>`);
      return [`<select id="${id}" name="${name}"${required}>`, `      <option value="">${escapeHtml(text.choose)}</option>`, ...options, "    </select>"].join("\n");
    }
    case "boolean":
      return `<input id="${id}" name="${name}" type="checkbox" value="true"${required}>`;
    default: {
      const type = INPUT_TYPES[field.type] ?? "text";
      const step = field.type === "decimal" ? ' step="any"' : "";
      return `<input id="${id}" name="${name}" type="${type}"${step}${required}>`;
    }
  }
}

/** A plain `<form method="post">` posting to `action`: the fields in order, the hidden
 * honeypot and, when the form asks for consent, a required consent checkbox. */
export function formSnippet(action: string, fields: readonly SnippetField[], consentText: string | null, text: SnippetText): string {
  const lines = [`<form method="post" action="${escapeHtml(action)}" accept-charset="UTF-8">`];
  for (const field of fields) {
    const id = `gx-${escapeHtml(field.name)}`;
    const mark = field.required ? " *" : "";
    if (field.type === "boolean") {
      lines.push("  <p>", `    <label>${control(field, id, text)} ${escapeHtml(field.label)}${mark}</label>`, "  </p>");
    } else {
      lines.push("  <p>", `    <label for="${id}">${escapeHtml(field.label)}${mark}</label><br>`, `    ${control(field, id, text)}`, "  </p>");
    }
  }
  lines.push(
    `  <!-- Leave "${HONEYPOT}" empty and hidden: a submission that fills it is dropped. -->`,
    '  <div style="position:absolute;left:-10000px;top:auto;width:1px;height:1px;overflow:hidden" aria-hidden="true">',
    `    <label>${escapeHtml(text.honeypot)} <input name="${HONEYPOT}" type="text" value="" tabindex="-1" autocomplete="off"></label>`,
    "  </div>",
  );
  if (consentText?.trim()) {
    lines.push("  <p>", `    <label><input name="consent" type="checkbox" value="yes" required> ${escapeHtml(consentText.trim())}</label>`, "  </p>");
  }
  lines.push(`  <button type="submit">${escapeHtml(text.submit)}</button>`, "</form>");
  return lines.join("\n");
}
