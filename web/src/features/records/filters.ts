/** The filter builder's model: flat conditions joined by AND or OR, as the engine's tree. */
import { type FieldDef, type FieldType, type ObjectDef } from "../../lib/meta";
import type { FilterTree } from "../../lib/records";

export type Operator =
  | "eq"
  | "ne"
  | "lt"
  | "lte"
  | "gt"
  | "gte"
  | "in"
  | "not_in"
  | "contains"
  | "starts_with"
  | "ends_with"
  | "is_null"
  | "between";

export interface Condition {
  key: string;
  field: string; // a path: "industry" or "account.industry"
  op: Operator;
  value: unknown;
}

export interface FilterModel {
  join: "and" | "or";
  conditions: Condition[];
}

const TEXT: Operator[] = ["contains", "eq", "ne", "starts_with", "ends_with", "is_null"];
const ORDERED: Operator[] = ["eq", "ne", "gt", "gte", "lt", "lte", "between", "is_null"];
const CHOICE: Operator[] = ["in", "not_in", "is_null"];
const SET: Operator[] = ["contains", "in", "not_in", "is_null"];

/** The operators the engine accepts for a field type (mirrors the server's field types). */
export function operatorsFor(type: FieldType | "system_datetime" | "system_user"): Operator[] {
  switch (type) {
    case "text":
    case "long_text":
    case "rich_text":
    case "email":
    case "phone":
    case "url":
    case "auto_number":
      return TEXT;
    case "integer":
    case "decimal":
    case "percent":
    case "currency":
    case "rollup":
    case "formula":
    case "date":
    case "datetime":
    case "system_datetime":
      return ORDERED;
    case "picklist":
      return CHOICE;
    case "multi_picklist":
    case "tags":
      return SET;
    case "boolean":
      return ["eq", "is_null"];
    case "lookup":
    case "user":
    case "system_user":
      return ["eq", "ne", "in", "is_null"];
    case "address":
    case "file":
      return ["is_null"];
  }
}

/** Relative date tokens the engine understands, in the order a picker lists them. */
export const RELATIVE_DATES = [
  "today",
  "yesterday",
  "tomorrow",
  "this_week",
  "last_week",
  "next_week",
  "this_month",
  "last_month",
  "next_month",
  "this_quarter",
  "last_quarter",
  "next_quarter",
  "this_year",
  "last_year",
  "next_year",
] as const;

export function isDateType(type: FieldType): boolean {
  return type === "date" || type === "datetime";
}

/** Fields offered for filtering: the object's own, and one level through each lookup. */
export interface FilterField {
  path: string;
  field: FieldDef;
  via: FieldDef | null;
}

export function filterFields(object: ObjectDef, objects: ObjectDef[]): FilterField[] {
  const own = object.fields.filter((f) => !f.archived && f.type !== "file");
  const out: FilterField[] = own.map((field) => ({ path: field.name, field, via: null }));
  for (const lookup of own.filter((f) => f.type === "lookup" && f.target)) {
    const target = objects.find((o) => o.name === lookup.target);
    for (const field of target?.fields ?? []) {
      if (field.archived || field.type === "file" || field.type === "lookup") continue;
      out.push({ path: `${lookup.name}.${field.name}`, field, via: lookup });
    }
  }
  return out;
}

function complete(condition: Condition): boolean {
  if (condition.op === "is_null") return true;
  const v = condition.value;
  if (v === undefined || v === null || v === "") return false;
  if (Array.isArray(v)) return v.length > 0 && (condition.op !== "between" || v.length === 2);
  return true;
}

/** The engine's filter tree for the complete conditions (null when there are none). */
export function toTree(model: FilterModel): FilterTree | null {
  const parts: FilterTree[] = model.conditions.filter(complete).map((c) => ({
    field: c.field,
    op: c.op,
    ...(c.op === "is_null" ? { value: c.value === false ? false : true } : { value: c.value }),
  }));
  if (parts.length === 0) return null;
  if (parts.length === 1) return parts[0] ?? null;
  return model.join === "and" ? { and: parts } : { or: parts };
}

/** Back from a tree the builder made (saved views); anything deeper is kept as it is. */
export function fromTree(tree: FilterTree | null): FilterModel | null {
  if (!tree) return { join: "and", conditions: [] };
  const leaf = (node: FilterTree, index: number): Condition | null =>
    "field" in node ? { key: `c${String(index)}`, field: node.field, op: node.op as Operator, value: node.value } : null;
  if ("field" in tree) {
    const c = leaf(tree, 0);
    return c ? { join: "and", conditions: [c] } : null;
  }
  const join = "and" in tree ? "and" : "or" in tree ? "or" : null;
  if (!join) return null;
  const children = "and" in tree ? tree.and : "or" in tree ? tree.or : [];
  const conditions = children.map(leaf);
  if (conditions.some((c) => c === null)) return null;
  return { join, conditions: conditions as Condition[] };
}

export function searchable(object: ObjectDef): boolean {
  return object.fields.some((f) => f.name === object.name_field && !f.archived);
}
