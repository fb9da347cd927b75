/** What the layout designer shows for a field: its label, type and a made-up sample value. */
import type { TFunction } from "i18next";
import { COMPUTED_TYPES, label, type FieldDef, type FieldType, type Label, type ObjectDef } from "../../lib/meta";
import { SYSTEM_FIELDS, type LayoutKind } from "../../lib/layouts";

export interface FieldInfo {
  name: string;
  label: string;
  type: FieldType;
  system: boolean;
  field?: FieldDef;
}

const SYSTEM_TYPES: Record<(typeof SYSTEM_FIELDS)[number], FieldType> = {
  owner_id: "user",
  created_by_id: "user",
  created_at: "datetime",
  updated_by_id: "user",
  updated_at: "datetime",
};

/** Every field a layout of `object` may name, by name (system fields included). */
export function fieldCatalogue(object: ObjectDef, t: TFunction, language: string): Map<string, FieldInfo> {
  const out = new Map<string, FieldInfo>();
  for (const f of object.fields) {
    if (f.archived) continue;
    out.set(f.name, { name: f.name, label: label(f.label, language) || f.name, type: f.type, system: false, field: f });
  }
  for (const name of SYSTEM_FIELDS) {
    out.set(name, { name, label: t(`designer.system.${name}`), type: SYSTEM_TYPES[name], system: true });
  }
  return out;
}

/** May `kind` place the field? Forms leave out what no one types, and most system fields. */
export function placeable(info: FieldInfo, kind: LayoutKind): boolean {
  if (kind === "detail") return true;
  if (info.system) return info.name === "owner_id";
  return !COMPUTED_TYPES.has(info.type);
}

/** Long values take a whole row, as on the record page. */
export function isWide(type: FieldType): boolean {
  return type === "long_text" || type === "rich_text" || type === "address";
}

/** A placeholder value in the field's shape, so the canvas reads like a record page. */
export function sampleValue(info: FieldInfo, t: TFunction, language: string): string {
  const option = info.field?.options?.find((o) => o.active) ?? info.field?.options?.[0];
  switch (info.type) {
    case "text":
      return t("designer.sample.text");
    case "long_text":
    case "rich_text":
      return t("designer.sample.longText");
    case "email":
      return "name@example.com";
    case "phone":
      return "138 0013 8000";
    case "url":
      return "www.example.com";
    case "integer":
      return "128";
    case "decimal":
      return "1,280.50";
    case "percent":
      return "35%";
    case "currency":
      return "¥128,000.00";
    case "date":
      return "2026-12-07";
    case "datetime":
      return "2026-12-07 09:30";
    case "boolean":
      return t("designer.sample.yes");
    case "picklist":
    case "multi_picklist":
      return option ? label(option.label, language) : t("designer.sample.option");
    case "tags":
      return t("designer.sample.tags");
    case "lookup":
      return t("designer.sample.record");
    case "user":
      return t("designer.sample.user");
    case "file":
      return "document.pdf";
    case "address":
      return t("designer.sample.address");
    case "auto_number":
      return "NO-000128";
    case "formula":
    case "rollup":
      return t("designer.sample.computed");
    default:
      return "—";
  }
}

export interface RelatedCandidate {
  object: ObjectDef;
  field: FieldDef;
  /** The list's default title: the lookup's related label, else the object's plural. */
  title: Label;
}

/** The lookups of other objects pointing at `object`: what may become a related list. */
export function relatedCandidates(object: ObjectDef, objects: readonly ObjectDef[]): RelatedCandidate[] {
  return objects.flatMap((o) =>
    o.fields
      .filter((f) => f.type === "lookup" && f.target === object.name && !f.archived)
      .map((f) => {
        const related = (f as FieldDef & { related_label?: Label | null }).related_label;
        return { object: o, field: f, title: related ?? o.plural_label };
      }),
  );
}

/** A new related list's first columns: the title field, then the next short fields. */
export function defaultColumns(candidate: RelatedCandidate): string[] {
  const { object, field } = candidate;
  const short = object.fields.filter((f) => !f.archived && f.name !== field.name && !isWide(f.type) && f.type !== "file");
  const ordered = [...short.filter((f) => f.name === object.name_field), ...short.filter((f) => f.name !== object.name_field)];
  return ordered.slice(0, 4).map((f) => f.name);
}
