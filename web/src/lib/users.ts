/** Names of users for owners and authors, from the directory every signed-in user may read. */
import { useQuery } from "@tanstack/react-query";
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

/** The users with these ids, fetched once per distinct set and cached. */
export function useUsers(ids: (string | null | undefined)[]) {
  const wanted = [...new Set(ids.filter((id): id is string => !!id))].sort();
  return useQuery({
    queryKey: ["directory", "ids", wanted],
    queryFn: ({ signal }) =>
      api.get<DirectoryPage>(`/directory/users${query({ ids: wanted, limit: 100 })}`, signal),
    enabled: wanted.length > 0,
    staleTime: 5 * 60_000,
    select: (page) => new Map(page.users.map((u) => [u.id, u])),
  });
}

export function searchUsers(text: string, signal?: AbortSignal): Promise<DirectoryUser[]> {
  return api
    .get<DirectoryPage>(`/directory/users${query({ q: text, limit: 20 })}`, signal)
    .then((page) => page.users);
}
