/** The customer pools API (/api/v1/sales/pools, docs/api.md "Customer pools (公海)"). */
import { infiniteQueryOptions, useQuery } from "@tanstack/react-query";
import { api, query } from "../../../lib/api";
import type { Page, RecordData } from "../../../lib/records";
import { ensureUsers } from "../../../lib/users";

export interface ReclaimRules {
  days_without_activity: number | null;
  days_without_won: number | null;
  warn_days: number;
}

export interface Pool {
  id: string;
  name: string;
  member_roles: string[];
  claim_limit: number;
  cooldown_days: number;
  protection_days: number;
  reclaim: ReclaimRules | null;
  default: boolean;
  version: number;
  created_at: string;
  updated_at: string;
}

export type PoolAction = "claim" | "release" | "reclaim" | "warn";

export interface PoolEvent {
  action: PoolAction;
  pool_id: string;
  /** The owner concerned (who claimed, whose account went back, who was warned). */
  user_id: string | null;
  /** Who did it; null: the system (the nightly reclaim). */
  actor_id: string | null;
  at: string;
  /** A warning's reclaim date. */
  due_at: string | null;
  reason: string | null;
}

export const POOLS_KEY = ["sales", "pools"] as const;

export function usePools(enabled = true) {
  return useQuery({
    queryKey: POOLS_KEY,
    enabled,
    queryFn: ({ signal }) => api.get<{ pools: Pool[] }>("/sales/pools", signal).then((r) => r.pools),
    staleTime: 30_000,
  });
}

/** The account fields the pool list shows (the API lists them like the records list). */
export const POOL_COLUMNS = ["name", "industry", "address", "released_at", "previous_owner"] as const;

export function poolAccountsKey(pool: string) {
  return [...POOLS_KEY, pool, "accounts"] as const;
}

/** The pool's accounts, most recently returned first, by name when searched. */
export function poolAccountsQuery(pool: string, search: string) {
  return infiniteQueryOptions({
    queryKey: [...poolAccountsKey(pool), search],
    initialPageParam: null as string | null,
    queryFn: async ({ pageParam, signal }) => {
      const text = search.trim();
      const page = await api.get<Page>(
        `/sales/pools/${pool}/accounts${query({
          fields: [...POOL_COLUMNS],
          sort: ["-released_at", "name"],
          limit: 50,
          cursor: pageParam,
          with_total: pageParam === null,
          filter: text ? JSON.stringify({ field: "name", op: "contains", value: text }) : null,
        })}`,
        signal,
      );
      void ensureUsers(page.records.map((r) => r.previous_owner)).catch(() => undefined);
      return page;
    },
    getNextPageParam: (last) => last.next_cursor,
    staleTime: 10_000,
  });
}

/** How many accounts the signed-in user owns: what a pool's claim limit counts (every
 * live account they own; an account in a pool has no owner). */
export function useOwnedCount(me: string | undefined) {
  return useQuery({
    queryKey: ["records", "account", "owned-count", me],
    enabled: !!me,
    queryFn: () =>
      api
        .post<Page>("/records/account/query", { filter: { field: "owner_id", op: "eq", value: me }, limit: 1, with_total: true, fields: ["name"], access: false })
        .then((page) => ({ total: page.total ?? 0, atLeast: page.total_relation === "gte" })),
    staleTime: 10_000,
  });
}

export function claim(pool: string, account: string): Promise<RecordData> {
  return api.post<RecordData>(`/sales/pools/${pool}/claim`, { account_id: account });
}

export function release(account: string, pool: string | null, reason: string): Promise<RecordData> {
  const body: { pool_id?: string; reason?: string } = {};
  if (pool) body.pool_id = pool;
  if (reason.trim()) body.reason = reason.trim();
  return api.post<RecordData>(`/sales/accounts/${account}/release`, body);
}

export function poolEventsKey(account: string) {
  return ["sales", "accounts", account, "pool-events"] as const;
}

export function usePoolEvents(account: string) {
  return useQuery({
    queryKey: poolEventsKey(account),
    queryFn: ({ signal }) => api.get<{ events: PoolEvent[] }>(`/sales/accounts/${account}/pool-events`, signal).then((r) => r.events),
  });
}
