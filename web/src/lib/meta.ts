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
  /** Listed in the navigation (absent: yes). Child objects (a quote's lines) are reached
   * from their parent, by URL and by search instead. */
  nav?: boolean;
  fields: FieldDef[];
}

/** An installed module: the heading of its objects' navigation group, and their order. */
export interface ModuleDef {
  name: string;
  label: Label;
  /** Its own objects the user may read, in the order the module declares them. */
  objects: string[];
}

interface ObjectsAnswer {
  objects: ObjectDef[];
  modules?: ModuleDef[];
}

/** Types computed by the server: shown, never typed in. */
export const COMPUTED_TYPES: ReadonlySet<FieldType> = new Set(["auto_number", "formula", "rollup"]);

export function label(value: Label | string | null | undefined, language: string): string {
  if (!value) return "";
  if (typeof value === "string") return value;
  return (language.startsWith("zh") ? value["zh-CN"] : value.en) ?? value.en ?? value["zh-CN"] ?? "";
}

const objectsQuery = {
  queryKey: ["meta", "objects"],
  queryFn: ({ signal }: { signal: AbortSignal }) => api.get<ObjectsAnswer>("/meta/objects", signal),
  staleTime: 60_000,
};

export function useObjects() {
  return useQuery({ ...objectsQuery, select: (data: ObjectsAnswer) => data.objects });
}

/** The installed modules (one answer with the objects: no second request). */
export function useModules() {
  return useQuery({ ...objectsQuery, select: (data: ObjectsAnswer) => data.modules ?? [] });
}

export function useObject(name: string | undefined) {
  const objects = useObjects();
  const object = objects.data?.find((o) => o.name === name);
  return { ...objects, data: object };
}

export function fieldMap(object: ObjectDef): Map<string, FieldDef> {
  return new Map(object.fields.map((f) => [f.name, f]));
}
