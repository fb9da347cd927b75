/** How a step's approvers and conditions read on a canvas node and in lists. */
import type { TFunction } from "i18next";
import { label, type ObjectDef } from "../../lib/meta";
import type { FilterModel } from "../records/filters";
import type { Approver, ConditionDraft } from "./process";

/** Names the summaries need, as far as they are known. */
export interface Names {
  users: ReadonlyMap<string, string>;
  roles: ReadonlyMap<string, string>;
}

function fieldLabel(object: ObjectDef | undefined, name: string, language: string): string {
  if (name === "owner_id") return language === "zh-CN" ? "负责人" : "Owner";
  const field = object?.fields.find((f) => f.name === name);
  return field ? label(field.label, language) : name;
}

export function approverSummary(approver: Approver, names: Names, object: ObjectDef | undefined, t: TFunction, language: string): string {
  switch (approver.type) {
    case "user":
      return approver.id ? (names.users.get(approver.id) ?? "…") : t("approvals.approver.nobody");
    case "role":
      return approver.id ? t("approvals.approver.roleOf", { name: names.roles.get(approver.id) ?? "…" }) : t("approvals.approver.nobody");
    case "manager":
      return approver.levels <= 1 ? t("approvals.approver.manager1") : t("approvals.approver.managerN", { count: approver.levels });
    case "department_head":
      return t("approvals.approver.departmentHead");
    case "field":
      return approver.field ? t("approvals.approver.fieldOf", { name: fieldLabel(object, approver.field, language) }) : t("approvals.approver.nobody");
  }
}

export function approversSummary(approvers: readonly Approver[], names: Names, object: ObjectDef | undefined, t: TFunction, language: string): string {
  if (!approvers.length) return t("approvals.approver.none");
  return approvers.map((a) => approverSummary(a, names, object, t, language)).join(t("approvals.separator"));
}

const NUMERIC = new Set(["integer", "decimal", "currency", "percent"]);

/** 1000000.5 → 1,000,000.5 (grouped as amounts are shown; decimals kept exactly). */
export function grouped(text: string): string {
  const [whole = "", fraction] = text.split(".");
  const withCommas = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return fraction === undefined ? withCommas : `${withCommas}.${fraction}`;
}

function valueText(value: unknown, object: ObjectDef | undefined, field: string, language: string): string {
  const def = object?.fields.find((f) => f.name === field);
  const options = def?.options ?? [];
  const one = (v: unknown) => {
    const option = options.find((o) => o.value === v);
    if (option) return label(option.label, language);
    return def && NUMERIC.has(def.type) && /^-?\d+(\.\d+)?$/.test(String(v)) ? grouped(String(v)) : String(v);
  };
  return Array.isArray(value) ? value.map(one).join(", ") : one(value);
}

function modelSummary(model: FilterModel, object: ObjectDef | undefined, t: TFunction, language: string): string {
  const complete = model.conditions.filter((c) => c.op === "is_null" || (c.value !== null && c.value !== undefined && c.value !== "" && !(Array.isArray(c.value) && !c.value.length)));
  const parts = complete.map((c) => {
    const name = fieldLabel(object, c.field, language);
    if (c.op === "is_null") return `${name} ${t(c.value === false ? "filter.notEmpty" : "filter.empty")}`;
    return `${name} ${t(`filter.op.${c.op}`)} ${valueText(c.value, object, c.field, language)}`;
  });
  return parts.join(model.join === "and" ? t("approvals.condition.and") : t("approvals.condition.or"));
}

/** "Always", the conditions in words, or "a condition set through the API". */
export function conditionSummary(condition: ConditionDraft, object: ObjectDef | undefined, t: TFunction, language: string): string {
  if (!condition.model) return condition.kept ? t("approvals.condition.kept") : t("approvals.condition.always");
  const text = modelSummary(condition.model, object, t, language);
  return text ? t("approvals.condition.when", { text }) : t("approvals.condition.always");
}
