/** Automation rules (/api/v1/automation/rules, ADR 0032): the shapes the API answers, and
 * the way between a rule and the form editing it — the request body, where a refusal's
 * errors belong, and the one-line summaries the list shows. */
import type { TFunction } from "i18next";
import { fromTree, toTree, type FilterModel } from "../records/filters";
import { fromForm, toForm } from "../records/formValues";
import type { FieldProblem } from "../../lib/api";
import { label, type FieldDef, type ObjectDef } from "../../lib/meta";
import type { FilterTree } from "../../lib/records";

export type TriggerType = "created" | "updated" | "field_changed" | "deleted" | "date" | "cron";
export const TRIGGERS: TriggerType[] = ["created", "updated", "field_changed", "deleted", "date", "cron"];
export type RunWhen = "every_time" | "starts_matching";

export type ActionType =
  | "update_fields"
  | "create_record"
  | "create_task"
  | "assign"
  | "webhook"
  | "notify"
  | "send_email"
  | "post_to_robot"
  | "submit_for_approval";
export const ACTIONS: ActionType[] = [
  "create_task",
  "notify",
  "update_fields",
  "create_record",
  "send_email",
  "post_to_robot",
  "webhook",
  "assign",
  "submit_for_approval",
];

export interface Trigger {
  type: TriggerType;
  field?: string;
  from?: unknown;
  to?: unknown;
  offset_days?: number;
  cron?: string;
}

/** An action as the API takes and shows it; its parts depend on its type. */
export type Action = { type: ActionType } & Record<string, unknown>;

export interface RunSummary {
  status: string;
  started_at: string;
}

export interface Rule {
  id: string;
  object: string;
  name: { en: string; "zh-CN": string };
  trigger: Trigger;
  condition: FilterTree | null;
  run_when: RunWhen;
  actions: Action[];
  active: boolean;
  position: number;
  version: number;
  published_version: number;
  updated_at: string;
  last_run?: RunSummary | null;
}

export interface ActionOutcome {
  action: number;
  type: ActionType;
  status: "done" | "failed" | "rolled_back" | string;
  error?: string;
  object?: string;
  record_id?: string;
  detail?: string;
  [more: string]: unknown;
}

export interface Run {
  id: number;
  version: number;
  record_id: string | null;
  trigger: string;
  slot: string | null;
  status: "succeeded" | "failed" | "skipped" | string;
  actions: ActionOutcome[];
  error: string | null;
  started_at: string;
  actor_id: string | null;
}

/** One field an update_fields or create_record action sets: a value typed in, a copy of
 * one of the record's fields, or a date some days from the run. */
export interface ValueEntry {
  field?: string;
  mode: "value" | "copy" | "today";
  value?: unknown;
  copy?: string;
  today?: number;
}

/** Who a task is for, or who is told: the record's owner, the owner's manager, a user. */
export const OWNER = "owner";
export const MANAGER = "manager";

/** An action as the form edits it: every type's parts side by side, only its own sent. */
export interface ActionValues {
  type: ActionType;
  target?: string | null;
  object?: string;
  values?: ValueEntry[];
  subject?: string;
  due_in_days?: number | null;
  assignee?: string;
  assignee_user?: string | null;
  priority?: string | null;
  description?: string;
  to?: string[];
  title?: string;
  body?: string;
  text?: string;
  html?: string;
  robot_id?: string;
  process_id?: string | null;
  comment?: string;
  rule_id?: string;
  webhook_id?: string;
}

export interface RuleValues {
  name_zh: string;
  name_en: string;
  object: string;
  trigger_type: TriggerType;
  trigger_field?: string;
  /** A field change from or to any value, or one value. */
  from_any: boolean;
  from?: unknown;
  to_any: boolean;
  to?: unknown;
  offset_days: number;
  offset_dir: "before" | "after";
  cron?: string;
  run_when: RunWhen;
  /** The builder's model of the condition; null when it is deeper than the builder draws
   * (kept as read in `condition_kept`). */
  condition: FilterModel | null;
  condition_kept?: FilterTree | null;
  actions: ActionValues[];
  active: boolean;
}

/** A field of an object by name (undefined when there is none). */
function fieldOf(object: ObjectDef | undefined, name: string | undefined): FieldDef | undefined {
  return name ? object?.fields.find((f) => f.name === name) : undefined;
}

/** A new action of a type, with what a non-programmer most often wants filled in. */
export function newAction(type: ActionType): ActionValues {
  switch (type) {
    case "create_task":
      return { type, subject: "", assignee: OWNER, due_in_days: 3 };
    case "notify":
      return { type, to: [OWNER], title: "" };
    case "send_email":
      return { type, to: [OWNER], subject: "", text: "" };
    case "update_fields":
      return { type, target: null, values: [{ mode: "value" }] };
    case "create_record":
      return { type, values: [{ mode: "value" }] };
    default:
      return { type };
  }
}

function entriesOf(values: Record<string, unknown> | undefined, target: ObjectDef | undefined): ValueEntry[] {
  return Object.entries(values ?? {}).map(([field, value]) => {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      if ("copy" in value) return { field, mode: "copy", copy: String((value as { copy: unknown }).copy) };
      if ("today" in value) return { field, mode: "today", today: Number((value as { today: unknown }).today) };
    }
    const def = fieldOf(target, field);
    return { field, mode: "value", value: def ? toForm(def, value) : value };
  });
}

/** The form's values for a rule (or a new one of `defaultObject`). */
export function ruleValues(rule: Rule | undefined, objects: readonly ObjectDef[], defaultObject = "account"): RuleValues {
  const object = rule?.object ?? defaultObject;
  const def = objects.find((o) => o.name === object);
  const trigger = rule?.trigger ?? { type: "field_changed" as const };
  const triggerField = fieldOf(def, trigger.field);
  const side = (end: "from" | "to") => (triggerField && end in trigger ? toForm(triggerField, trigger[end]) : undefined);
  const targetOf = (action: Action): ObjectDef | undefined => {
    if (action.type === "create_record") return objects.find((o) => o.name === action.object);
    const lookup = fieldOf(def, action.target as string | undefined);
    return lookup ? objects.find((o) => o.name === lookup.target) : def;
  };
  return {
    name_zh: rule?.name["zh-CN"] ?? "",
    name_en: rule?.name.en ?? "",
    object,
    trigger_type: trigger.type,
    trigger_field: trigger.field,
    from_any: !("from" in trigger),
    from: side("from"),
    to_any: !("to" in trigger),
    to: side("to"),
    offset_days: Math.abs(trigger.offset_days ?? 0),
    offset_dir: (trigger.offset_days ?? 0) < 0 ? "before" : "after",
    cron: trigger.cron ?? "0 9 * * 1",
    run_when: rule?.run_when ?? "every_time",
    condition: rule ? fromTree(rule.condition) : { join: "and", conditions: [] },
    condition_kept: rule?.condition ?? null,
    actions: (rule?.actions ?? [newAction("create_task") as unknown as Action]).map((action) => {
      const values: ActionValues = { ...(action as unknown as ActionValues) };
      if (action.type === "update_fields" || action.type === "create_record") {
        values.values = entriesOf(action.values as Record<string, unknown>, targetOf(action));
      }
      if (action.type === "create_task") {
        const who = String(action.assignee ?? OWNER);
        values.assignee = who === OWNER || who === MANAGER ? who : "user";
        values.assignee_user = who === OWNER || who === MANAGER ? null : who;
      }
      return values;
    }),
    active: rule?.active ?? true,
  };
}

export interface RuleBody {
  object?: string;
  name: { en: string; "zh-CN": string };
  trigger: Trigger;
  condition: FilterTree | null;
  run_when: RunWhen;
  actions: Action[];
  active: boolean;
}

function trimmed(text: string | undefined): string | undefined {
  const t = text?.trim();
  return t ? t : undefined;
}

function setValues(entries: ValueEntry[] | undefined, target: ObjectDef | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const entry of entries ?? []) {
    if (!entry.field) continue;
    if (entry.mode === "copy") out[entry.field] = { copy: entry.copy };
    else if (entry.mode === "today") out[entry.field] = { today: entry.today ?? 0 };
    else {
      const def = fieldOf(target, entry.field);
      out[entry.field] = def ? fromForm(def, entry.value) : (entry.value ?? null);
    }
  }
  return out;
}

/** The object an update_fields action writes: the record's, or its lookup `target`'s. */
export function updatedObject(object: ObjectDef | undefined, target: string | null | undefined, objects: readonly ObjectDef[]): ObjectDef | undefined {
  if (!target) return object;
  const lookup = fieldOf(object, target);
  return lookup ? objects.find((o) => o.name === lookup.target) : undefined;
}

/** One action as the API takes it: its type's parts, empty ones left out. */
export function actionBody(values: ActionValues, object: ObjectDef | undefined, objects: readonly ObjectDef[]): Action {
  const { type } = values;
  const drop = (parts: Record<string, unknown>): Action => {
    const out: Action = { type };
    for (const [key, value] of Object.entries(parts)) if (value !== undefined && value !== null && value !== "") out[key] = value;
    return out;
  };
  switch (type) {
    case "update_fields":
      return drop({ target: values.target, values: setValues(values.values, updatedObject(object, values.target, objects)) });
    case "create_record":
      return { type, object: values.object, values: setValues(values.values, objects.find((o) => o.name === values.object)) };
    case "create_task":
      return drop({
        subject: trimmed(values.subject),
        due_in_days: values.due_in_days,
        assignee: values.assignee === "user" ? values.assignee_user : values.assignee,
        priority: values.priority,
        description: trimmed(values.description),
      });
    case "notify":
      return drop({ to: values.to, title: trimmed(values.title), body: trimmed(values.body) });
    case "send_email":
      return drop({ to: values.to, subject: trimmed(values.subject), text: trimmed(values.text), html: trimmed(values.html) });
    case "post_to_robot":
      return drop({ robot_id: values.robot_id, text: trimmed(values.text) });
    case "submit_for_approval":
      return drop({ process_id: values.process_id, comment: trimmed(values.comment) });
    case "assign":
      return drop({ rule_id: values.rule_id });
    case "webhook":
      return drop({ webhook_id: values.webhook_id });
  }
}

/** The trigger as the API takes it: `from` / `to` only when one value is chosen. */
export function triggerBody(values: RuleValues, object: ObjectDef | undefined): Trigger {
  const type = values.trigger_type;
  if (type === "cron") return { type, cron: (values.cron ?? "").trim().replace(/\s+/g, " ") };
  if (type === "date") {
    const days = Math.abs(values.offset_days || 0);
    return { type, field: values.trigger_field, offset_days: values.offset_dir === "before" && days ? -days : days };
  }
  if (type !== "field_changed") return { type };
  const trigger: Trigger = { type, field: values.trigger_field };
  const def = fieldOf(object, values.trigger_field);
  const value = (v: unknown) => (def ? fromForm(def, v) : (v ?? null));
  if (!values.from_any) trigger.from = value(values.from);
  if (!values.to_any) trigger.to = value(values.to);
  return trigger;
}

/** The body to create a rule, or to publish its next version (the object is fixed). */
export function ruleBody(values: RuleValues, objects: readonly ObjectDef[], existing?: Rule): RuleBody {
  const object = objects.find((o) => o.name === values.object);
  const body: RuleBody = {
    name: { en: values.name_en.trim() || values.name_zh.trim(), "zh-CN": values.name_zh.trim() || values.name_en.trim() },
    trigger: triggerBody(values, object),
    condition: values.condition ? toTree(values.condition) : (values.condition_kept ?? null),
    run_when: values.run_when,
    actions: values.actions.map((a) => actionBody(a, object, objects)),
    active: values.active,
  };
  if (!existing) body.object = values.object;
  return body;
}

export type FieldPath = (string | number)[];

/** A server path (`actions[1].values.level`, or pydantic's `actions.1.create_task.subject`)
 * as its parts: ["actions", 1, "values", "level"]. */
export function pathParts(path: string): (string | number)[] {
  const parts = path
    .replace(/\[(\d+)\]/g, ".$1")
    .split(".")
    .filter(Boolean)
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  // Pydantic names the member of a union it tried after the index: drop it.
  const out: (string | number)[] = [];
  parts.forEach((part, index) => {
    if (typeof parts[index - 1] === "number" && out[0] === "actions" && ACTIONS.includes(part as ActionType)) return;
    out.push(part);
  });
  return out;
}

const TRIGGER_FIELDS: Record<string, keyof RuleValues> = {
  type: "trigger_type",
  field: "trigger_field",
  from: "from",
  from_: "from",
  to: "to",
  offset_days: "offset_days",
  cron: "cron",
};

const ACTION_FIELDS: ReadonlySet<string> = new Set([
  "type",
  "target",
  "object",
  "subject",
  "due_in_days",
  "priority",
  "description",
  "to",
  "title",
  "body",
  "text",
  "html",
  "robot_id",
  "process_id",
  "comment",
  "rule_id",
  "webhook_id",
]);

/** The form item an error's path names, or null when none shows it. */
export function formPath(path: string, values: Pick<RuleValues, "actions">): FieldPath | null {
  const [head, ...rest] = pathParts(path);
  switch (head) {
    case "name":
      return [rest[0] === "en" ? "name_en" : "name_zh"];
    case "object":
    case "run_when":
    case "active":
      return [head];
    case "condition":
      return ["condition"];
    case "trigger":
      return [TRIGGER_FIELDS[String(rest[0] ?? "type")] ?? "trigger_type"];
    case "actions": {
      const [index, part, name] = rest;
      if (typeof index !== "number") return null;
      const action = values.actions[index];
      if (!action || part === undefined) return ["actions", index, "type"];
      if (part === "values") {
        const at = (action.values ?? []).findIndex((e) => e.field === name);
        return at < 0 ? ["actions", index, "values"] : ["actions", index, "values", at, "field"];
      }
      if (part === "assignee") return ["actions", index, action.assignee === "user" ? "assignee_user" : "assignee"];
      return ACTION_FIELDS.has(String(part)) ? ["actions", index, String(part)] : ["actions", index, "type"];
    }
    default:
      return null;
  }
}

/** A refusal's errors on the form's fields; what names no field is returned to be shown
 * above the form. */
export function placeRuleErrors(errors: readonly FieldProblem[], values: Pick<RuleValues, "actions">): { fields: { name: FieldPath; errors: string[] }[]; other: string[] } {
  const placed = new Map<string, { name: FieldPath; errors: string[] }>();
  const other: string[] = [];
  for (const error of errors) {
    const name = formPath(error.field, values);
    if (!name) {
      other.push(error.field && error.field !== "body" ? `${error.field}: ${error.message}` : error.message);
      continue;
    }
    const key = JSON.stringify(name);
    const entry = placed.get(key) ?? { name, errors: [] };
    entry.errors.push(error.message);
    placed.set(key, entry);
  }
  return { fields: [...placed.values()], other };
}

const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

function twoDigits(n: string): string {
  return n.padStart(2, "0");
}

/** Whether a text is five cron fields of numbers, ranges, lists, steps and stars. */
export function cronValid(cron: string | undefined): boolean {
  const fields = (cron ?? "").trim().split(/\s+/);
  return fields.length === 5 && fields.every((f) => /^(\*|\d+(-\d+)?)(\/\d+)?(,(\*|\d+(-\d+)?)(\/\d+)?)*$/.test(f));
}

/** A cron time in words ("Every Monday at 09:00"), for the common shapes; others are
 * said field by field. Null when it is not five fields. */
export function cronText(cron: string | undefined, t: TFunction): string | null {
  if (!cron || !cronValid(cron)) return null;
  const [minute = "", hour = "", day = "", month = "", weekday = ""] = cron.trim().split(/\s+/);
  const plain = (f: string) => /^\d+$/.test(f);
  const step = /^\*\/(\d+)$/;
  if (minute === "*" && hour === "*" && day === "*" && month === "*" && weekday === "*") return t("automation.cron.everyMinute");
  const everyN = step.exec(minute);
  if (everyN && hour === "*" && day === "*" && month === "*" && weekday === "*") return t("automation.cron.everyMinutes", { n: Number(everyN[1]) });
  if (plain(minute) && hour === "*" && day === "*" && month === "*" && weekday === "*") return t("automation.cron.everyHour", { minute: Number(minute) });
  if (plain(minute) && plain(hour) && month === "*") {
    const time = `${twoDigits(hour)}:${twoDigits(minute)}`;
    if (day === "*" && weekday === "*") return t("automation.cron.daily", { time });
    if (day === "*" && (weekday === "1-5" || weekday === "1,2,3,4,5")) return t("automation.cron.weekdays", { time });
    if (day === "*" && plain(weekday)) return t("automation.cron.weekly", { time, day: t(`automation.cron.days.${WEEKDAYS[Number(weekday) % 7] ?? "sun"}`) });
    if (plain(day) && weekday === "*") return t("automation.cron.monthly", { time, day: Number(day) });
  }
  return t("automation.cron.custom", { minute, hour, day, month, weekday });
}

/** What sets a rule off, in one line ("Level changes to Key"). */
export function triggerText(trigger: Trigger, object: ObjectDef | undefined, t: TFunction, language: string): string {
  const field = fieldOf(object, trigger.field);
  const fieldName = field ? label(field.label, language) : (trigger.field ?? "");
  const shown = (value: unknown): string => {
    if (value === null || value === undefined || value === "") return t("automation.empty");
    const option = field?.options?.find((o) => o.value === value);
    if (option) return label(option.label, language) || option.value;
    if (typeof value === "boolean") return t(value ? "common.yes" : "common.no");
    if (typeof value === "object" && "amount" in value) return String((value as { amount: unknown }).amount);
    return String(value as string | number);
  };
  switch (trigger.type) {
    case "field_changed": {
      const from = "from" in trigger;
      const to = "to" in trigger;
      if (from && to) return t("automation.summary.changedFromTo", { field: fieldName, from: shown(trigger.from), to: shown(trigger.to) });
      if (to) return t("automation.summary.changedTo", { field: fieldName, to: shown(trigger.to) });
      if (from) return t("automation.summary.changedFrom", { field: fieldName, from: shown(trigger.from) });
      return t("automation.summary.changed", { field: fieldName });
    }
    case "date": {
      const days = trigger.offset_days ?? 0;
      if (days === 0) return t("automation.summary.onDate", { field: fieldName });
      return t(days < 0 ? "automation.summary.beforeDate" : "automation.summary.afterDate", { field: fieldName, count: Math.abs(days) });
    }
    case "cron":
      return cronText(trigger.cron, t) ?? trigger.cron ?? "";
    default:
      return t(`automation.triggers.${trigger.type}`);
  }
}

/** Merge fields offered for insertion: the record's own fields, and a currency's parts. */
export function mergeFields(object: ObjectDef | undefined, language: string): { value: string; label: string }[] {
  const out: { value: string; label: string }[] = [];
  for (const field of object?.fields ?? []) {
    if (field.archived || field.type === "file") continue;
    const name = label(field.label, language) || field.name;
    out.push({ value: `{{${field.name}}}`, label: `${name} · {{${field.name}}}` });
    if (field.type === "currency") out.push({ value: `{{${field.name}.currency}}`, label: `${name} (¤) · {{${field.name}.currency}}` });
  }
  return out;
}

/** Text with `token` put in place of the selection [start, end) (or at the end). */
export function insertAt(text: string | undefined, token: string, start?: number | null, end?: number | null): { text: string; caret: number } {
  const current = text ?? "";
  const from = start ?? current.length;
  const to = end ?? from;
  return { text: current.slice(0, from) + token + current.slice(to), caret: from + token.length };
}
