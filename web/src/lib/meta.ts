/** Object and field metadata: what every generated screen is built from. */
import { useQuery } from "@tanstack/react-query";
import { api } from "./api";

export type Label = Partial<Record<"en" | "zh-CN", string>>;

export interface PicklistOption {
  value: string;
  label: Label;
  color: string | null;
  active: boolean;
}

export type FieldType =
  | "text"
  | "long_text"
  | "rich_text"
  | "email"
  | "phone"
  | "url"
  | "integer"
  | "decimal"
  | "percent"
  | "currency"
  | "date"
  | "datetime"
  | "boolean"
  | "picklist"
  | "multi_picklist"
  | "tags"
  | "lookup"
  | "user"
  | "file"
  | "address"
  | "auto_number"
  | "formula"
  | "rollup";

export interface FieldDef {
  name: string;
  type: FieldType;
  label: Label;
  help: Label | string | null;
  required: boolean;
  unique: boolean;
  indexed: boolean;
  searchable: boolean;
  default: unknown;
  position: number;
  standard: boolean;
  archived: boolean;
  max_length?: number;
  options?: PicklistOption[];
  target?: string;
  currency?: string;
  scale?: number;
  returns?: string;
  /** Whether the signed-in user may write the field (absent: the server did not say). */
  editable?: { create: boolean; update: boolean };
}

export interface ObjectDef {
  name: string;
  label: Label;
  plural_label: Label;
  description: Label | string | null;
  name_field: string | null;
  standard: boolean;
  module: string | null;
  icon?: string | null;
  fields: FieldDef[];
}

/** Types computed by the server: shown, never typed in. */
export const COMPUTED_TYPES: ReadonlySet<FieldType> = new Set(["auto_number", "formula", "rollup"]);

export function label(value: Label | string | null | undefined, language: string): string {
  if (!value) return "";
  if (typeof value === "string") return value;
  return (language.startsWith("zh") ? value["zh-CN"] : value.en) ?? value.en ?? value["zh-CN"] ?? "";
}

export function useObjects() {
  return useQuery({
    queryKey: ["meta", "objects"],
    queryFn: ({ signal }) => api.get<{ objects: ObjectDef[] }>("/meta/objects", signal),
    select: (data) => data.objects,
    staleTime: 60_000,
  });
}

export function useObject(name: string | undefined) {
  const objects = useObjects();
  const object = objects.data?.find((o) => o.name === name);
  return { ...objects, data: object };
}

export function fieldMap(object: ObjectDef): Map<string, FieldDef> {
  return new Map(object.fields.map((f) => [f.name, f]));
}
