/** The web-to-lead forms API (/api/v1/sales/forms, docs/api.md "Web-to-lead forms"). */
import { useQuery } from "@tanstack/react-query";
import { api, ApiError } from "../../../lib/api";
import type { Label } from "../../../lib/meta";

export interface WebForm {
  id: string;
  form_key: string;
  name: string;
  fields: string[];
  required: string[];
  defaults: Record<string, unknown>;
  consent_text: string | null;
  assignment_rule_id: string | null;
  owner_id: string;
  active: boolean;
  version: number;
  /** Relative to the server: "/api/v1/public/forms/<key>". */
  submit_url: string;
  created_at: string;
  updated_at: string;
}

export interface WebFormBody {
  name: string;
  fields: string[];
  required: string[];
  consent_text: string | null;
  assignment_rule_id: string | null;
  active: boolean;
}

export interface AssignmentRule {
  id: string;
  object: string;
  name: Label;
  strategy: string;
  active: boolean;
}

export const FORMS_KEY = ["sales", "forms"] as const;

export function useWebForms() {
  return useQuery({
    queryKey: FORMS_KEY,
    queryFn: ({ signal }) => api.get<{ forms: WebForm[] }>("/sales/forms", signal).then((r) => r.forms),
  });
}

/** The assignment rules for leads; `null` when the user may not list rules (they take
 * the manage_automation right), so the editor says so instead of failing. */
export function useLeadRules() {
  return useQuery({
    queryKey: ["assignment-rules", "lead"],
    queryFn: async ({ signal }) => {
      try {
        return await api.get<{ rules: AssignmentRule[] }>("/assignment-rules?object=lead", signal).then((r) => r.rules);
      } catch (error) {
        if (error instanceof ApiError && error.status === 403) return null;
        throw error;
      }
    },
    retry: false,
    staleTime: 60_000,
  });
}
