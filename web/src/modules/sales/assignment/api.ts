/** The assignment rules API (docs/api.md "Assignment rules"). */
import { useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api";
import type { Rule } from "./rules";

export const RULES_KEY = ["assignment-rules"] as const;

export function useRules(enabled = true) {
  return useQuery({
    queryKey: RULES_KEY,
    enabled,
    queryFn: ({ signal }) => api.get<{ rules: Rule[] }>("/assignment-rules", signal).then((r) => r.rules),
    staleTime: 30_000,
  });
}
