/** Assignment rules (/api/v1/assignment-rules, docs/api.md "Assignment rules"): the
 * shapes the API answers, and the way between a rule and the settings form editing it. */
import { fromTree, toTree, type FilterModel } from "../../../features/records/filters";
import type { FieldProblem } from "../../../lib/api";
import type { FilterTree } from "../../../lib/records";

export type Strategy = "round_robin" | "load_balanced" | "criteria";
export type PoolStrategy = Exclude<Strategy, "criteria">;

export type Members =
  | { type: "users"; ids: string[] }
  | { type: "department"; id: string; include_subdepartments?: boolean }
  | { type: "role"; id: string }
  | { type: "team"; id: string };
export type MemberType = Members["type"];

/** A filter tree as the records engine takes it; the screen passes it through untouched. */
export type Condition = Record<string, unknown>;

export interface Criterion {
  condition: Condition;
  strategy: PoolStrategy;
  members: Members;
  open_condition?: Condition | null;
}

export interface Rule {
  id: string;
  object: string;
  name: { en: string; "zh-CN": string };
  strategy: Strategy;
  members: Members | null;
  open_condition: Condition | null;
  criteria: Criterion[] | null;
  fallback: { strategy: PoolStrategy; members: Members; open_condition?: Condition | null } | null;
  active: boolean;
  version: number;
  created_at: string;
  updated_at: string;
}

/** The form's values: one member type chosen, with the picker that type needs. */
export interface RuleValues {
  name_zh: string;
  name_en: string;
  object: string;
  strategy: Strategy;
  member_type: MemberType;
  user_ids: string[];
  group_id: string | null;
  include_subdepartments: boolean;
  /** Fewest open: the records that count as open, as the filter builder edits them; null
   * when the rule's condition is deeper than the builder draws (it is kept as it is). */
  open_filter: FilterModel | null;
  active: boolean;
}

/** A new lead rule counts leads not yet converted or disqualified as open (the lead's
 * path ends there); other objects start with every live record counting. */
export function defaultOpenFilter(object: string): FilterModel {
  return object === "lead"
    ? { join: "and", conditions: [{ key: "open", field: "status", op: "not_in", value: ["converted", "disqualified"] }] }
    : { join: "and", conditions: [] };
}

export function ruleValues(rule?: Rule, defaultObject = "lead"): RuleValues {
  const members = rule?.members ?? null;
  return {
    name_zh: rule?.name["zh-CN"] ?? "",
    name_en: rule?.name.en ?? "",
    object: rule?.object ?? defaultObject,
    strategy: rule?.strategy ?? "round_robin",
    member_type: members?.type ?? "users",
    user_ids: members?.type === "users" ? members.ids : [],
    group_id: members && members.type !== "users" ? members.id : null,
    include_subdepartments: members?.type === "department" ? !!members.include_subdepartments : false,
    // A round-robin rule turned fewest-open starts from the object's usual open records.
    open_filter:
      rule && (rule.open_condition || rule.strategy === "load_balanced")
        ? fromTree(rule.open_condition as FilterTree | null)
        : defaultOpenFilter(rule?.object ?? defaultObject),
    active: rule?.active ?? true,
  };
}

/** The members the form names; null when it names none yet (the form says so first). */
export function membersOf(values: RuleValues): Members | null {
  switch (values.member_type) {
    case "users":
      return values.user_ids.length ? { type: "users", ids: values.user_ids } : null;
    case "department":
      return values.group_id ? { type: "department", id: values.group_id, include_subdepartments: values.include_subdepartments } : null;
    case "role":
    case "team":
      return values.group_id ? { type: values.member_type, id: values.group_id } : null;
  }
}

export interface RuleBody {
  object?: string;
  name: { en: string; "zh-CN": string };
  strategy?: Strategy;
  members?: Members | null;
  open_condition?: Condition | null;
  active: boolean;
}

/** The body to create a rule, or to change one. A change sends only what the form edits:
 * a criteria rule's criteria, fallback and a rule's open condition stay as they are, and
 * the object is fixed after creation. */
export function ruleBody(values: RuleValues, existing?: Rule): RuleBody {
  const name = { en: values.name_en.trim() || values.name_zh.trim(), "zh-CN": values.name_zh.trim() || values.name_en.trim() };
  if (existing?.strategy === "criteria") return { name, active: values.active };
  // Only a fewest-open rule counts open records; any other strategy must not hold a condition.
  const open =
    values.strategy !== "load_balanced" ? null : values.open_filter ? (toTree(values.open_filter) as Condition | null) : (existing?.open_condition ?? null);
  const body: RuleBody = { name, strategy: values.strategy, members: membersOf(values), open_condition: open, active: values.active };
  if (!existing) body.object = values.object;
  return body;
}

const FIELDS: ReadonlyMap<string, keyof RuleValues> = new Map([
  ["object", "object"],
  ["strategy", "strategy"],
  ["active", "active"],
  ["open_condition", "open_filter"],
]);

/** A refusal's errors on the form's fields: `name.en` by the English name, `members…`
 * (`members.ids[1]`, `members.id`) by the member picker in use; anything else is returned
 * to be shown above the form. */
export function placeRuleErrors(
  errors: readonly FieldProblem[],
  memberType: MemberType,
): { fields: Map<keyof RuleValues, string[]>; other: string[] } {
  const fields = new Map<keyof RuleValues, string[]>();
  const other: string[] = [];
  const memberField: keyof RuleValues = memberType === "users" ? "user_ids" : "group_id";
  for (const error of errors) {
    const path = error.field.replace(/\[(\d+)\]/g, ".$1").split(".");
    const head = path[0] ?? "";
    let key: keyof RuleValues | undefined = FIELDS.get(head);
    if (head === "name") key = path[1] === "en" ? "name_en" : "name_zh";
    else if (head === "members") key = path[1] === "type" ? "member_type" : memberField;
    if (key) fields.set(key, [...(fields.get(key) ?? []), error.message]);
    else other.push(error.message);
  }
  return { fields, other };
}
