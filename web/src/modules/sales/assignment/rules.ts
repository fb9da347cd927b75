/** Assignment rules (/api/v1/assignment-rules, docs/api.md "Assignment rules"): the
 * shapes the API answers, and the way between a rule and the settings form editing it. */
import { fromTree, toTree, type FilterModel } from "../../../features/records/filters";
import type { FieldProblem } from "../../../lib/api";
import type { ObjectDef } from "../../../lib/meta";
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

/** Who takes turns, and how: a criterion's pool, or a criteria rule's fallback. */
export interface Pool {
  strategy: PoolStrategy;
  members: Members;
  open_condition?: Condition | null;
}

export interface Criterion extends Pool {
  condition: Condition;
}

export interface Rule {
  id: string;
  object: string;
  name: { en: string; "zh-CN": string };
  strategy: Strategy;
  members: Members | null;
  open_condition: Condition | null;
  criteria: Criterion[] | null;
  fallback: Pool | null;
  active: boolean;
  version: number;
  created_at: string;
  updated_at: string;
}

/** One member type chosen, with the picker that type needs. */
export interface MemberValues {
  member_type: MemberType;
  user_ids: string[];
  group_id: string | null;
  include_subdepartments: boolean;
}

/** A pool as the form edits it. `open_filter` is the builder's model of the open
 * condition, null when the condition read is deeper than the builder draws: then
 * `open_kept` holds it, sent back as it was. */
export interface PoolValues extends MemberValues {
  strategy: PoolStrategy;
  open_filter: FilterModel | null;
  open_kept?: Condition | null;
}

/** A criterion as the form edits it; `condition` null keeps `condition_kept` as read. */
export interface CriterionValues extends PoolValues {
  condition: FilterModel | null;
  condition_kept?: Condition | null;
}

/** The form's values: the rule's own pool for round robin and fewest open; criteria tried
 * in order and an optional fallback for a rule by criteria. */
export interface RuleValues extends MemberValues {
  name_zh: string;
  name_en: string;
  object: string;
  strategy: Strategy;
  /** Fewest open: the records that count as open, as the filter builder edits them; null
   * when the rule's condition is deeper than the builder draws (it is kept as it is). */
  open_filter: FilterModel | null;
  criteria: CriterionValues[];
  fallback_on: boolean;
  fallback: PoolValues;
  active: boolean;
}

/** A new lead rule counts leads not yet converted or disqualified as open (the lead's
 * path ends there); other objects start with every live record counting. */
export function defaultOpenFilter(object: string): FilterModel {
  return object === "lead"
    ? { join: "and", conditions: [{ key: "open", field: "status", op: "not_in", value: ["converted", "disqualified"] }] }
    : { join: "and", conditions: [] };
}

function memberValues(members: Members | null | undefined): MemberValues {
  return {
    member_type: members?.type ?? "users",
    user_ids: members?.type === "users" ? members.ids : [],
    group_id: members && members.type !== "users" ? members.id : null,
    include_subdepartments: members?.type === "department" ? !!members.include_subdepartments : false,
  };
}

function poolValues(pool: Pool | null | undefined, object: string): PoolValues {
  const open = pool?.open_condition ?? null;
  return {
    ...memberValues(pool?.members),
    strategy: pool?.strategy ?? "round_robin",
    // A round-robin pool turned fewest-open starts from the object's usual open records.
    open_filter: open || pool?.strategy === "load_balanced" ? fromTree(open as FilterTree | null) : defaultOpenFilter(object),
    open_kept: open,
  };
}

/** The fields a new criterion first offers, in this order: how leads are usually routed. */
const ROUTING_FIELDS = ["region", "industry", "source"];

/** A new criterion: a round robin whose condition starts on the object's region (or
 * industry, or source) picklist, values still to choose. */
export function newCriterion(object: ObjectDef | undefined, objectName: string): CriterionValues {
  const field = ROUTING_FIELDS.map((name) => object?.fields.find((f) => f.name === name && !f.archived && f.type === "picklist")).find(Boolean);
  return {
    ...poolValues(null, objectName),
    condition: { join: "and", conditions: field ? [{ key: `new-${field.name}`, field: field.name, op: "in", value: [] }] : [] },
    condition_kept: null,
  };
}

export function ruleValues(rule?: Rule, defaultObject = "lead"): RuleValues {
  const object = rule?.object ?? defaultObject;
  return {
    name_zh: rule?.name["zh-CN"] ?? "",
    name_en: rule?.name.en ?? "",
    object,
    strategy: rule?.strategy ?? "round_robin",
    ...memberValues(rule?.members),
    open_filter:
      rule && (rule.open_condition || rule.strategy === "load_balanced")
        ? fromTree(rule.open_condition as FilterTree | null)
        : defaultOpenFilter(object),
    criteria: (rule?.criteria ?? []).map((c) => ({
      ...poolValues(c, object),
      condition: fromTree(c.condition as FilterTree),
      condition_kept: c.condition,
    })),
    fallback_on: !!rule?.fallback,
    fallback: poolValues(rule?.fallback, object),
    active: rule?.active ?? true,
  };
}

/** The members the form names; null when it names none yet (the form says so first). */
export function membersOf(values: MemberValues): Members | null {
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

/** A pool's open condition: only fewest open counts open records. */
function openOf(strategy: Strategy, filter: FilterModel | null, kept: Condition | null | undefined): Condition | null {
  if (strategy !== "load_balanced") return null;
  return filter ? (toTree(filter) as Condition | null) : (kept ?? null);
}

function poolOf(values: PoolValues): Pool {
  const pool = { strategy: values.strategy, members: membersOf(values) as Members };
  const open = openOf(values.strategy, values.open_filter, values.open_kept);
  return open ? { ...pool, open_condition: open } : pool;
}

/** A criterion's condition as the engine takes it; null while it names no value. */
export function conditionOf(values: Pick<CriterionValues, "condition" | "condition_kept">): Condition | null {
  return values.condition ? (toTree(values.condition) as Condition | null) : (values.condition_kept ?? null);
}

export interface RuleBody {
  object?: string;
  name: { en: string; "zh-CN": string };
  strategy?: Strategy;
  members?: Members | null;
  open_condition?: Condition | null;
  criteria?: Criterion[];
  fallback?: Pool | null;
  active: boolean;
}

/** The body to create a rule, or to change one (the object is fixed after creation).
 * A rule by criteria sends its criteria and fallback; the others their members and open
 * condition. The server drops the parts the new strategy does not read. */
export function ruleBody(values: RuleValues, existing?: Rule): RuleBody {
  const name = { en: values.name_en.trim() || values.name_zh.trim(), "zh-CN": values.name_zh.trim() || values.name_en.trim() };
  const body: RuleBody =
    values.strategy === "criteria"
      ? {
          name,
          strategy: "criteria",
          criteria: values.criteria.map((c) => ({ condition: conditionOf(c) as Condition, ...poolOf(c) })),
          fallback: values.fallback_on ? poolOf(values.fallback) : null,
          active: values.active,
        }
      : {
          name,
          strategy: values.strategy,
          members: membersOf(values),
          open_condition: openOf(values.strategy, values.open_filter, existing?.open_condition),
          active: values.active,
        };
  if (!existing) body.object = values.object;
  return body;
}

export type FieldPath = (string | number)[];

const FIELDS: ReadonlyMap<string, keyof RuleValues> = new Map([
  ["object", "object"],
  ["strategy", "strategy"],
  ["active", "active"],
  ["open_condition", "open_filter"],
  ["criteria", "criteria"],
  ["fallback", "fallback_on"],
]);

function memberField(type: MemberType | undefined): keyof MemberValues {
  return type === "users" || type === undefined ? "user_ids" : "group_id";
}

/** Where in a pool (the rule's own, a criterion's or the fallback's) an error's rest of
 * path belongs: `members…` on the member picker in use, `open_condition`, `condition`. */
function inPool(rest: string[], pool: MemberValues | undefined): string | undefined {
  switch (rest[0]) {
    case "members":
      return rest[1] === "type" ? "member_type" : memberField(pool?.member_type);
    case "open_condition":
      return "open_filter";
    case "condition":
    case "strategy":
      return rest[0];
    default:
      return undefined;
  }
}

/** A refusal's errors on the form's fields: `name.en` by the English name, `members…`
 * (`members.ids[1]`, `members.id`) by the member picker in use, `criteria[1].members.id`
 * by that criterion's picker, `fallback.open_condition` by the fallback's open records;
 * anything else is returned to be shown above the form. */
export function placeRuleErrors(errors: readonly FieldProblem[], values: Pick<RuleValues, "member_type" | "criteria" | "fallback">): { fields: { name: FieldPath; errors: string[] }[]; other: string[] } {
  const placed = new Map<string, { name: FieldPath; errors: string[] }>();
  const other: string[] = [];
  const put = (name: FieldPath, message: string) => {
    const key = JSON.stringify(name);
    const entry = placed.get(key) ?? { name, errors: [] };
    entry.errors.push(message);
    placed.set(key, entry);
  };
  for (const error of errors) {
    const path = error.field.replace(/\[(\d+)\]/g, ".$1").split(".");
    const head = path[0] ?? "";
    let name: FieldPath | undefined;
    if (head === "name") name = [path[1] === "en" ? "name_en" : "name_zh"];
    else if (head === "members") name = [path[1] === "type" ? "member_type" : memberField(values.member_type)];
    else if (head === "criteria" && path.length > 2) {
      const index = Number(path[1]);
      const field = inPool(path.slice(2), values.criteria[index]);
      if (field) name = ["criteria", index, field];
    } else if (head === "fallback" && path.length > 1) {
      const field = inPool(path.slice(1), values.fallback);
      if (field) name = ["fallback", field];
    } else {
      const key = FIELDS.get(head);
      if (key && path.length === 1) name = [key];
      else if (key === "open_filter") name = [key];
    }
    if (name) put(name, error.message);
    else other.push(error.message);
  }
  return { fields: [...placed.values()], other };
}
