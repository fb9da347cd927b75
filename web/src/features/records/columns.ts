/** Which columns a list shows: the user's choice per object, else the first useful fields. */
import type { FieldDef, ObjectDef } from "../../lib/meta";
import type { FilterTree, ListParams } from "../../lib/records";

export const OWNER: FieldDef = {
  name: "owner_id",
  type: "user",
  label: { en: "Owner", "zh-CN": "负责人" },
  help: null,
  required: false,
  unique: false,
  indexed: true,
  searchable: false,
  default: null,
  position: 10_000,
  standard: true,
  archived: false,
};

export const UPDATED_AT: FieldDef = {
  ...OWNER,
  name: "updated_at",
  type: "datetime",
  label: { en: "Last modified", "zh-CN": "最后修改时间" },
  position: 10_001,
};

export const CREATED_AT: FieldDef = {
  ...UPDATED_AT,
  name: "created_at",
  label: { en: "Created", "zh-CN": "创建时间" },
  position: 10_002,
};

export const CREATED_BY: FieldDef = { ...OWNER, name: "created_by_id", label: { en: "Created by", "zh-CN": "创建人" } };
export const UPDATED_BY: FieldDef = { ...OWNER, name: "updated_by_id", label: { en: "Last modified by", "zh-CN": "最后修改人" } };

/** Every field a layout may place: the object's own and the record's system fields. */
export function layoutFields(object: ObjectDef): Map<string, FieldDef> {
  return new Map([...object.fields, OWNER, CREATED_BY, CREATED_AT, UPDATED_BY, UPDATED_AT].map((f) => [f.name, f]));
}

/** The object's fields a list may show, then owner and the record's times. */
export function listableFields(object: ObjectDef): FieldDef[] {
  return [
    ...object.fields.filter((f) => !f.archived && !["long_text", "rich_text", "file"].includes(f.type)),
    OWNER,
    UPDATED_AT,
    CREATED_AT,
  ];
}

const DEFAULT_COUNT = 6;

function key(object: string): string {
  return `guanxi.columns.${object}`;
}

export function chosenColumns(object: ObjectDef): string[] {
  const available = new Set(listableFields(object).map((f) => f.name));
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(key(object.name)) ?? "null");
    if (Array.isArray(stored)) {
      const kept = stored.filter((n): n is string => typeof n === "string" && available.has(n));
      if (kept.length) return kept;
    }
  } catch {
    // a damaged entry falls back to the default
  }
  const own = object.fields.filter((f) => !f.archived && !["long_text", "rich_text", "file", "address"].includes(f.type));
  const first = own.filter((f) => f.name === object.name_field);
  const rest = own.filter((f) => f.name !== object.name_field).slice(0, DEFAULT_COUNT - 1);
  return [...first, ...rest, OWNER].map((f) => f.name);
}

export function saveColumns(object: string, columns: string[]): void {
  localStorage.setItem(key(object), JSON.stringify(columns));
}

/** What a list asks the server for, given its columns: their lookups' targets and the
 * people its user columns (and the owner) name. One place, so a route loader's prefetch
 * and the list itself ask the same question. */
export function listParams(
  fields: Map<string, FieldDef>,
  columns: string[],
  query: { filter: FilterTree | null; sort: string[]; limit: number },
): ListParams {
  return {
    ...query,
    include: columns.filter((c) => fields.get(c)?.type === "lookup"),
    people: peopleFields(fields, columns),
  };
}

/** The owner and the user columns: the fields whose people a list names. */
function peopleFields(fields: Map<string, FieldDef>, columns: string[]): string[] {
  return ["owner_id", ...columns.filter((c) => c !== "owner_id" && fields.get(c)?.type === "user")];
}
