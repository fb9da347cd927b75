/** The signed-in user (GET /auth/me), kept by TanStack Query like any server state. */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, setCsrfToken } from "./api";

export interface Me {
  id: string;
  email: string;
  name: string;
  locale: "zh-CN" | "en";
  time_zone: string;
  list_density: "comfortable" | "compact";
  is_admin: boolean;
  department_id: string | null;
  rights: string[];
  objects: Record<string, { operations: string[]; scope: string }>;
  two_factor: boolean;
  csrf_token?: string;
}

export const ME_KEY = ["auth", "me"] as const;

export function useMe() {
  return useQuery({
    queryKey: ME_KEY,
    queryFn: async ({ signal }) => {
      const me = await api.get<Me>("/auth/me", signal);
      setCsrfToken(me.csrf_token ?? null);
      return me;
    },
    retry: false,
    staleTime: 5 * 60_000,
  });
}

export function useSignOut() {
  const client = useQueryClient();
  return async () => {
    try {
      await api.post("/auth/logout");
    } finally {
      setCsrfToken(null);
      client.clear();
      window.location.assign("/login");
    }
  };
}

export function hasRight(me: Me | undefined, right: string): boolean {
  return !!me && (me.rights.includes("*") || me.rights.includes(right));
}

/** Whether the user may take an operation on an object (administrators may take any). */
export function can(me: Me | undefined, operation: string, objectName: string): boolean {
  if (!me) return false;
  if (me.rights.includes("*")) return true;
  return me.objects[objectName]?.operations.includes(operation) ?? false;
}
