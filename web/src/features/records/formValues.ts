/** Between record values (as the API speaks them) and form values (as widgets hold them). */
import dayjs, { type Dayjs } from "dayjs";
import { COMPUTED_TYPES, type FieldDef } from "../../lib/meta";
import type { RecordData } from "../../lib/records";

export type FormValues = Record<string, unknown>;

export function toForm(field: FieldDef, value: unknown): unknown {
  if (value === null || value === undefined) return field.type === "boolean" ? false : undefined;
  switch (field.type) {
    case "date":
    case "datetime":
      return dayjs(String(value));
    case "currency":
      return (value as { amount: string }).amount;
    default:
      return value;
  }
}

export function fromForm(field: FieldDef, value: unknown): unknown {
  if (value === undefined || value === "" || value === null) return null;
  switch (field.type) {
    case "date":
      return (value as Dayjs).format("YYYY-MM-DD");
    case "datetime":
      return (value as Dayjs).format(); // ISO with the browser's offset
    case "currency":
      return { amount: String(value), currency: field.currency ?? "CNY" };
    case "integer":
      return typeof value === "string" ? Number(value) : value;
    case "decimal":
    case "percent":
      return String(value);
    default:
      return value;
  }
}

/** Fields a form offers for a write: not computed, not archived, writable if the server said. */
export function editableFields(fields: FieldDef[], operation: "create" | "update"): FieldDef[] {
  return fields.filter(
    (f) => !f.archived && !COMPUTED_TYPES.has(f.type) && (f.editable ? f.editable[operation] : true),
  );
}

/** A record's values as the form holds them; a new record starts from each field's
 * default, or from ``prefill`` where it gives a value. */
export function recordToForm(fields: FieldDef[], record: RecordData | null, prefill: Record<string, unknown> = {}): FormValues {
  const out: FormValues = {};
  for (const f of fields) out[f.name] = toForm(f, record ? record[f.name] : (prefill[f.name] ?? f.default ?? null));
  return out;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** The API values the user changed compared with ``base`` (all set values when creating). */
export function changedValues(fields: FieldDef[], values: FormValues, base: RecordData | null): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    if (!(f.name in values)) continue;
    const next = fromForm(f, values[f.name]);
    if (base === null) {
      if (next !== null && !(f.type === "boolean" && next === false && f.default == null)) out[f.name] = next;
    } else if (!same(next, base[f.name])) {
      out[f.name] = next;
    }
  }
  return out;
}

/** Fields whose value differs between two versions of a record. */
export function differences(fields: FieldDef[], before: RecordData, after: RecordData): FieldDef[] {
  return fields.filter((f) => !same(before[f.name], after[f.name]));
}
