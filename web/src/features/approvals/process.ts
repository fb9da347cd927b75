/** Approval processes (/api/v1/approvals/processes, docs/api.md "Approval processes"): the
 * shapes the API answers, and the draft the designer edits — an ordered list of steps,
 * which the canvas only draws (see flow.ts and ADR 0034). */
import { fromTree, toTree, type FilterModel } from "../records/filters";
import type { Label } from "../../lib/meta";
import type { FilterTree } from "../../lib/records";

export type Mode = "sequential" | "all" | "any";
export const MODES: Mode[] = ["sequential", "all", "any"];

export type Approver =
  | { type: "user"; id: string }
  | { type: "role"; id: string }
  | { type: "manager"; levels: number }
  | { type: "department_head" }
  | { type: "field"; field: string };
export type ApproverType = Approver["type"];
export const APPROVER_TYPES: ApproverType[] = ["manager", "user", "role", "department_head", "field"];

/** An automation action as the API stores it; the designer edits `update_fields` only
 * and passes any other through untouched. */
export type Action = { type: "update_fields"; values: Record<string, unknown> } | { type: string; [key: string]: unknown };

export interface StepIn {
  name: Label;
  condition?: FilterTree | null;
  approvers: Approver[];
  mode: Mode;
}

export interface Process {
  id: string;
  object: string;
  name: Label;
  entry_condition: FilterTree | null;
  steps: StepIn[];
  on_submit?: Action[];
  on_approve?: Action[];
  on_reject?: Action[];
  on_recall?: Action[];
  active: boolean;
  position: number;
  version: number;
  updated_at: string;
}

/** A condition as the filter builder edits it; `model` null when the stored tree is deeper
 * than the builder draws (set through the API): then `kept` is sent back as it was. */
export interface ConditionDraft {
  model: FilterModel | null;
  kept: FilterTree | null;
}

export interface StepDraft {
  /** Stable while the designer is open (the canvas node's id); not sent. */
  key: string;
  name_zh: string;
  name_en: string;
  condition: ConditionDraft;
  approvers: Approver[];
  mode: Mode;
}

/** "Set these fields when the request ends": one `update_fields` action as rows, or
 * (`kept`) lists the designer does not draw, sent back as they were. */
export interface OutcomeDraft {
  updates: { field: string; value: unknown }[];
  kept: Action[] | null;
}

export interface ProcessDraft {
  object: string;
  name_zh: string;
  name_en: string;
  entry: ConditionDraft;
  steps: StepDraft[];
  on_approve: OutcomeDraft;
  on_reject: OutcomeDraft;
  active: boolean;
}

let made = 0;
/** A key for a new step, unique within the page's life. */
export function stepKey(): string {
  made += 1;
  return `s${String(made)}`;
}

function conditionDraft(tree: FilterTree | null | undefined): ConditionDraft {
  return { model: fromTree(tree ?? null), kept: tree ?? null };
}

function conditionTree(draft: ConditionDraft): FilterTree | null {
  return draft.model ? toTree(draft.model) : draft.kept;
}

function outcomeDraft(actions: Action[] | undefined): OutcomeDraft {
  const list = actions ?? [];
  if (list.length === 0) return { updates: [], kept: null };
  const only = list[0];
  if (list.length === 1 && only?.type === "update_fields" && only.values && typeof only.values === "object") {
    return { updates: Object.entries(only.values as Record<string, unknown>).map(([field, value]) => ({ field, value })), kept: null };
  }
  return { updates: [], kept: list };
}

function outcomeActions(draft: OutcomeDraft): Action[] {
  if (draft.kept) return draft.kept;
  const values = Object.fromEntries(draft.updates.filter((u) => u.field).map((u) => [u.field, u.value ?? null]));
  return Object.keys(values).length ? [{ type: "update_fields", values }] : [];
}

export function newStep(index: number): StepDraft {
  return {
    key: stepKey(),
    name_zh: "",
    name_en: "",
    condition: { model: { join: "and", conditions: [] }, kept: null },
    approvers: index === 0 ? [{ type: "manager", levels: 1 }] : [],
    mode: "sequential",
  };
}

export function processDraft(process: Process | null, object = ""): ProcessDraft {
  return {
    object: process?.object ?? object,
    name_zh: process?.name["zh-CN"] ?? "",
    name_en: process?.name.en ?? "",
    entry: conditionDraft(process?.entry_condition),
    steps: (process?.steps ?? []).map((s) => ({
      key: stepKey(),
      name_zh: s.name["zh-CN"] ?? "",
      name_en: s.name.en ?? "",
      condition: conditionDraft(s.condition),
      approvers: s.approvers,
      mode: s.mode,
    })),
    on_approve: outcomeDraft(process?.on_approve),
    on_reject: outcomeDraft(process?.on_reject),
    active: process?.active ?? true,
  };
}

function labelOf(zh: string, en: string): Label {
  const out: Label = {};
  if (zh.trim()) out["zh-CN"] = zh.trim();
  if (en.trim()) out.en = en.trim();
  return out;
}

/** What POST (a new process) or PATCH (the next version) takes. */
export function processBody(draft: ProcessDraft, creating: boolean): Record<string, unknown> {
  return {
    ...(creating ? { object: draft.object } : {}),
    name: labelOf(draft.name_zh, draft.name_en),
    entry_condition: conditionTree(draft.entry),
    steps: draft.steps.map((s) => {
      const condition = conditionTree(s.condition);
      return { name: labelOf(s.name_zh, s.name_en), ...(condition ? { condition } : {}), approvers: s.approvers, mode: s.mode };
    }),
    on_approve: outcomeActions(draft.on_approve),
    on_reject: outcomeActions(draft.on_reject),
    active: draft.active,
  };
}

// -- the order of steps ----------------------------------------------------------------------

/** A new step at `index` (0: before the first; steps.length: after the last). */
export function insertStep(steps: StepDraft[], index: number, step: StepDraft = newStep(index)): StepDraft[] {
  const at = Math.max(0, Math.min(index, steps.length));
  return [...steps.slice(0, at), step, ...steps.slice(at)];
}

export function removeStep(steps: StepDraft[], key: string): StepDraft[] {
  return steps.filter((s) => s.key !== key);
}

/** The step `key` moved to `index` (the others keep their order). */
export function moveStep(steps: StepDraft[], key: string, index: number): StepDraft[] {
  const from = steps.findIndex((s) => s.key === key);
  const step = steps[from];
  if (!step) return steps;
  const rest = steps.filter((s) => s.key !== key);
  const at = Math.max(0, Math.min(index, rest.length));
  return [...rest.slice(0, at), step, ...rest.slice(at)];
}

export function replaceStep(steps: StepDraft[], key: string, change: Partial<StepDraft>): StepDraft[] {
  return steps.map((s) => (s.key === key ? { ...s, ...change } : s));
}

// -- checks before publishing ----------------------------------------------------------------

/** One problem, placed: on a step (its key) and one of its fields, or on the process. */
export interface Problem {
  step: string | null;
  /** "name", "approvers", "condition", "mode" on a step; "name", "object", "entry_condition",
   * "steps", "on_approve", "on_reject" on the process. */
  field: string;
  /** An i18n key under approvals.problems (client checks), or null with `message`. */
  code: string | null;
  message?: string;
}

function approverComplete(approver: Approver): boolean {
  switch (approver.type) {
    case "user":
    case "role":
      return !!approver.id;
    case "field":
      return !!approver.field;
    case "manager":
      return approver.levels >= 1;
    case "department_head":
      return true;
  }
}

/** What the server would refuse, said before publishing: a name for the process and each
 * step, step names unique (in either language), at least one complete approver a step. */
export function checkDraft(draft: ProcessDraft): Problem[] {
  const problems: Problem[] = [];
  if (!draft.object) problems.push({ step: null, field: "object", code: "objectRequired" });
  if (!draft.name_zh.trim() && !draft.name_en.trim()) problems.push({ step: null, field: "name", code: "nameRequired" });
  if (draft.steps.length === 0) problems.push({ step: null, field: "steps", code: "stepsRequired" });
  const seen = new Set<string>();
  for (const step of draft.steps) {
    const names = [step.name_zh.trim(), step.name_en.trim()].filter(Boolean);
    if (names.length === 0) problems.push({ step: step.key, field: "name", code: "stepNameRequired" });
    else if (names.some((n) => seen.has(n.toLowerCase()))) problems.push({ step: step.key, field: "name", code: "stepNameTaken" });
    for (const n of names) seen.add(n.toLowerCase());
    if (step.approvers.length === 0) problems.push({ step: step.key, field: "approvers", code: "approversRequired" });
    else if (!step.approvers.every(approverComplete)) problems.push({ step: step.key, field: "approvers", code: "approverIncomplete" });
  }
  return problems;
}

const STEP_PATH = /^steps\[(\d+)\](?:\.([a-z_]+))?/;

/** The server's refusal (422) placed where it points: `steps[1].approvers[0].id` on the
 * second step's approvers, `entry_condition.amount` on the process's entry condition. */
export function placeServerErrors(errors: readonly { field: string; message: string }[], steps: readonly StepDraft[]): Problem[] {
  return errors.map((error) => {
    const match = STEP_PATH.exec(error.field);
    if (match) {
      const step = steps[Number(match[1])];
      if (step) return { step: step.key, field: match[2] ?? "name", code: null, message: error.message };
    }
    const head = error.field.split(/[.[]/)[0] ?? error.field;
    return { step: null, field: head || "name", code: null, message: error.message };
  });
}

/** The problems of one step, by field. */
export function stepProblems(problems: readonly Problem[], key: string): Map<string, Problem[]> {
  const out = new Map<string, Problem[]>();
  for (const p of problems.filter((x) => x.step === key)) out.set(p.field, [...(out.get(p.field) ?? []), p]);
  return out;
}
