/** Names of users for owners and authors, from the directory every signed-in user may read.
 *
 * Names are kept for a few minutes in one cache shared by every screen, so a list's next
 * page, a record opened from the list or a kanban column asks only for people it has not
 * seen, and a screen whose people are all known shows them on its first render.
 */
import { useQuery } from "@tanstack/react-query";
import { useSyncExternalStore } from "react";
import { api, query } from "./api";

export interface DirectoryUser {
  id: string;
  name: string;
  initials: string;
  department: { id: string; name: string } | null;
  active: boolean;
}

interface DirectoryPage {
  users: DirectoryUser[];
  next_cursor: string | null;
}

const FRESH_MS = 5 * 60_000;
const PER_CALL = 100; // the directory resolves at most 100 ids a call
const known = new Map<string, { user: DirectoryUser | null; at: number }>();
const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function fresh(id: string): boolean {
  const entry = known.get(id);
  return !!entry && Date.now() - entry.at < FRESH_MS;
}

function distinct(ids: readonly unknown[]): string[] {
  return [...new Set(ids.filter((id): id is string => typeof id === "string" && id !== ""))].sort();
}

function fromCache(ids: string[]): Map<string, DirectoryUser> {
  const users = new Map<string, DirectoryUser>();
  for (const id of ids) {
    const user = known.get(id)?.user;
    if (user) users.set(id, user);
  }
  return users;
}

/** The users with these ids, asking the directory only for those not seen lately. */
export async function ensureUsers(ids: readonly unknown[], signal?: AbortSignal): Promise<Map<string, DirectoryUser>> {
  const wanted = distinct(ids);
  const missing = wanted.filter((id) => !fresh(id));
  for (let start = 0; start < missing.length; start += PER_CALL) {
    const chunk = missing.slice(start, start + PER_CALL);
    const page = await api.get<DirectoryPage>(`/directory/users${query({ ids: chunk, limit: PER_CALL })}`, signal);
    const at = Date.now();
    // An id the directory does not return (a removed user) is remembered as unknown.
    for (const id of chunk) known.set(id, { user: null, at });
    for (const user of page.users) known.set(user.id, { user, at });
    for (const listener of listeners) listener();
  }
  return fromCache(wanted);
}

/** Forget what is known, after an administrator renamed or deactivated someone. */
export function forgetUsers(): void {
  known.clear();
  for (const listener of listeners) listener();
}

/** One user as far as the cache knows, drawn again when the name arrives: a list's cell
 * waits for its own person, not the row or the list for all of them. */
export function useKnownUser(id: string): DirectoryUser | undefined {
  return useSyncExternalStore(subscribe, () => known.get(id)?.user ?? undefined);
}

/** The users with these ids; immediately when all of them are known. */
export function useUsers(ids: readonly unknown[]) {
  const wanted = distinct(ids);
  const allKnown = wanted.every(fresh);
  return useQuery({
    queryKey: ["directory", "ids", wanted],
    queryFn: ({ signal }) => ensureUsers(wanted, signal),
    enabled: wanted.length > 0,
    staleTime: FRESH_MS,
    initialData: allKnown ? () => fromCache(wanted) : undefined,
  });
}

export function searchUsers(text: string, signal?: AbortSignal): Promise<DirectoryUser[]> {
  return api
    .get<DirectoryPage>(`/directory/users${query({ q: text, limit: 20 })}`, signal)
    .then((page) => page.users);
}
