/** Layouts of an object's record page (detail) and form, as the signed-in user is shown them. */
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "./api";
import type { Label } from "./meta";

export type LayoutKind = "detail" | "form";

export interface LayoutSection {
  key: string;
  title: Label;
  columns: 1 | 2 | 3;
  fields: string[];
}

export interface RelatedList {
  object: string;
  field: string;
  columns: string[];
  title?: Label | null;
}

export interface Layout {
  object: string;
  kind: LayoutKind;
  sections: LayoutSection[];
  related_lists: RelatedList[];
  highlights: string[];
  is_default: boolean;
  version: number;
  updated_at: string | null;
  updated_by_id: string | null;
}

export function layoutKey(object: string, kind: LayoutKind) {
  return ["meta", "layout", object, kind] as const;
}

export function layoutQuery(object: string, kind: LayoutKind) {
  return queryOptions({
    queryKey: layoutKey(object, kind),
    queryFn: ({ signal }) => api.get<Layout>(`/meta/objects/${object}/layouts/${kind}`, signal),
    staleTime: 60_000,
  });
}

export function useLayout(object: string, kind: LayoutKind) {
  return useQuery(layoutQuery(object, kind));
}

/** The system fields a detail layout may place besides the object's own. */
export const SYSTEM_FIELDS = ["owner_id", "created_by_id", "created_at", "updated_by_id", "updated_at"] as const;
