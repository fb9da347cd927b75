/** Saved list views (/views/{object}): personal, or shared with everyone or roles. */
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../lib/api";
import type { Label } from "../../lib/meta";
import type { FilterTree } from "../../lib/records";

export interface SavedView {
  id: string;
  object: string;
  name: Label;
  filter: FilterTree | null;
  filter_hidden: boolean;
  columns: { field: string; width: number | null }[];
  sort: string[];
  page_size: number;
  kanban_field: string | null;
  visibility: "personal" | "everyone" | "roles";
  role_ids: string[];
  owner_id: string;
  editable: boolean;
  version: number;
}

export type ViewBody = Pick<SavedView, "filter" | "columns" | "sort" | "kanban_field"> &
  Partial<Pick<SavedView, "name" | "visibility" | "page_size">>;

export function viewsKey(object: string) {
  return ["views", object] as const;
}

export function viewsQuery(object: string) {
  return queryOptions({
    queryKey: viewsKey(object),
    queryFn: ({ signal }) => api.get<{ views: SavedView[] }>(`/views/${object}`, signal),
    staleTime: 5_000,
  });
}

export function useViews(object: string) {
  return useQuery({ ...viewsQuery(object), select: (data) => data.views });
}
