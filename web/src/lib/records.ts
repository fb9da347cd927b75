/** Record reads and writes through the records API, cached by TanStack Query. */
import { infiniteQueryOptions, queryOptions, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { api, query } from "./api";
import { ensureUsers } from "./users";

export interface RecordAccess {
  update: boolean;
  delete: boolean;
  share: boolean;
}

export interface RecordData {
  id: string;
  version: number;
  created_at: string;
  created_by_id: string | null;
  updated_at: string;
  updated_by_id: string | null;
  owner_id: string | null;
  _access?: RecordAccess;
  _related?: Record<string, RecordData | null>;
  [field: string]: unknown;
}

export interface Page {
  records: RecordData[];
  next_cursor: string | null;
  total: number | null;
  total_relation: "eq" | "gte" | null;
  total_estimate: number | null;
}

export type FilterTree =
  | { and: FilterTree[] }
  | { or: FilterTree[] }
  | { not: FilterTree }
  | { field: string; op: string; value?: unknown };

export interface ListParams {
  filter: FilterTree | null;
  sort: string[];
  limit: number;
  include: string[];
  /** Fields holding user ids (the owner, user fields) whose people a page shows. */
  people: string[];
}

export function recordsKey(object: string, params?: ListParams) {
  return params ? (["records", object, "list", params] as const) : (["records", object] as const);
}

/** A list's pages: what `useRecordPages` reads and a route loader may fetch ahead. */
export function listQuery(object: string, params: ListParams) {
  return infiniteQueryOptions({
    queryKey: recordsKey(object, params),
    initialPageParam: null as string | null,
    queryFn: async ({ pageParam }) => {
      const page = await api.post<Page>(`/records/${object}/query`, {
        filter: params.filter,
        sort: params.sort.length ? params.sort : undefined,
        limit: params.limit,
        include: params.include.length ? params.include : undefined,
        cursor: pageParam ?? undefined,
        with_total: pageParam === null,
      });
      // The page's people are asked for at once, not waited for: their cells show the
      // names as they arrive. A directory that fails costs the names, not the page.
      void ensureUsers(page.records.flatMap((r) => params.people.map((f) => r[f]))).catch(() => undefined);
      return page;
    },
    getNextPageParam: (last) => last.next_cursor,
    staleTime: 10_000,
  });
}

export function useRecordPages(object: string, params: ListParams) {
  return useInfiniteQuery(listQuery(object, params));
}

/** One record with the records its lookups point at (`include`). */
export function recordQuery(object: string, id: string | undefined, include: string[] = []) {
  return queryOptions({
    queryKey: ["records", object, "one", id, include],
    queryFn: ({ signal }) => api.get<RecordData>(`/records/${object}/${id ?? ""}${query({ include })}`, signal),
    enabled: !!id,
    // A record opened from a list a moment ago is not asked for twice.
    staleTime: 2_000,
  });
}

export function useRecord(object: string, id: string | undefined, include: string[] = []) {
  return useQuery(recordQuery(object, id, include));
}

export function ifMatch(version: number): Record<string, string> {
  return { "If-Match": `"${String(version)}"` };
}
