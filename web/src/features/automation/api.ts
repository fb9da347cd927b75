/** The automation API and what its editor picks from: webhooks, chat robots, assignment
 * rules and approval processes of the rule's object. */
import { useQuery } from "@tanstack/react-query";
import { api, query } from "../../lib/api";
import type { Label, ObjectDef } from "../../lib/meta";
import type { RecordData } from "../../lib/records";
import type { Rule, Run } from "./rules";

export const RULES_KEY = ["automation-rules"] as const;

export function useAutomationRules(enabled = true) {
  return useQuery({
    queryKey: RULES_KEY,
    enabled,
    queryFn: ({ signal }) => api.get<{ rules: Rule[] }>("/automation/rules", signal).then((r) => r.rules),
    staleTime: 30_000,
  });
}

export function useRuns(ruleId: string | null) {
  return useQuery({
    queryKey: [...RULES_KEY, ruleId, "runs"],
    enabled: !!ruleId,
    queryFn: ({ signal }) => api.get<{ runs: Run[]; next_before: number | null }>(`/automation/rules/${ruleId ?? ""}/runs?limit=50`, signal),
  });
}

/** The names of a page of runs' records (one query); a record since deleted has none. */
export function useRecordNames(object: ObjectDef | undefined, ids: string[]) {
  const wanted = [...new Set(ids)].sort();
  return useQuery({
    queryKey: ["automation-run-records", object?.name, wanted],
    enabled: !!object?.name_field && wanted.length > 0,
    staleTime: 60_000,
    queryFn: async () => {
      const page = await api.post<{ records: RecordData[] }>(`/records/${object?.name ?? ""}/query`, { filter: { field: "id", op: "in", value: wanted }, limit: wanted.length });
      return new Map(page.records.map((r) => [String(r.id), String(r[object?.name_field ?? "id"] ?? "")]));
    },
  });
}

export interface Choice {
  id: string;
  name: string;
}

/** What an action picks by id: a webhook or an assignment rule or approval process of
 * the rule's object, or a chat robot. */
export type ChoiceKind = "webhooks" | "robots" | "assignment" | "approvals";

const named = (value: Label | string, language: string) => (typeof value === "string" ? value : (value[language as keyof Label] ?? value.en ?? value["zh-CN"] ?? ""));

interface Answers {
  webhooks: { webhooks: { id: string; url: string; events: string[] }[] };
  robots: { robots: { id: string; name: string; vendor: string }[] };
  assignment: { rules: { id: string; name: Label }[] };
  approvals: { processes: { id: string; name: Label }[] };
}

function choices(kind: ChoiceKind, answer: Answers[ChoiceKind], language: string): Choice[] {
  switch (kind) {
    case "webhooks":
      return (answer as Answers["webhooks"]).webhooks.map((w) => ({ id: w.id, name: `${w.url} (${w.events.join(", ")})` }));
    case "robots":
      return (answer as Answers["robots"]).robots.map((r) => ({ id: r.id, name: `${r.name} · ${r.vendor}` }));
    case "assignment":
      return (answer as Answers["assignment"]).rules.map((r) => ({ id: r.id, name: named(r.name, language) }));
    case "approvals":
      return (answer as Answers["approvals"]).processes.map((p) => ({ id: p.id, name: named(p.name, language) }));
  }
}

const PATHS: Record<ChoiceKind, (object: string) => string> = {
  webhooks: (object) => `/webhooks${query({ object })}`,
  robots: () => "/notifications/robots",
  assignment: (object) => `/assignment-rules${query({ object })}`,
  approvals: (object) => `/approvals/processes${query({ object })}`,
};

export function useChoices(kind: ChoiceKind, object: string, language: string) {
  const path = PATHS[kind](object);
  return useQuery({
    queryKey: ["automation-choices", path, language],
    staleTime: 60_000,
    queryFn: ({ signal }) => api.get<Answers[ChoiceKind]>(path, signal).then((answer) => choices(kind, answer, language)),
  });
}
