/** Between a pool as the API has it and the settings form that edits it. */
import type { FieldProblem } from "../../../lib/api";
import type { Pool } from "./api";

/** The form's values: reclaiming is a switch with its rules beside it. */
export interface PoolValues {
  name: string;
  member_roles: string[];
  claim_limit: number;
  cooldown_days: number;
  protection_days: number;
  reclaim: boolean;
  days_without_activity: number | null;
  days_without_won: number | null;
  warn_days: number;
  default: boolean;
}

export interface PoolBody {
  name: string;
  member_roles: string[];
  claim_limit: number;
  cooldown_days: number;
  protection_days: number;
  reclaim: { days_without_activity: number | null; days_without_won: number | null; warn_days: number } | null;
  default: boolean;
}

/** The server's defaults for a new pool (pools.py DEFAULTS). */
export function poolValues(pool?: Pool): PoolValues {
  return {
    name: pool?.name ?? "",
    member_roles: pool?.member_roles ?? [],
    claim_limit: pool?.claim_limit ?? 50,
    cooldown_days: pool?.cooldown_days ?? 30,
    protection_days: pool?.protection_days ?? 0,
    reclaim: !!pool?.reclaim,
    days_without_activity: pool?.reclaim?.days_without_activity ?? (pool ? null : 30),
    days_without_won: pool?.reclaim?.days_without_won ?? null,
    warn_days: pool?.reclaim?.warn_days ?? 3,
    default: pool?.default ?? false,
  };
}

function count(value: number | null | undefined): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

export function poolBody(values: PoolValues): PoolBody {
  return {
    name: values.name.trim(),
    member_roles: values.member_roles,
    claim_limit: values.claim_limit,
    cooldown_days: values.cooldown_days,
    protection_days: values.protection_days,
    reclaim: values.reclaim
      ? {
          days_without_activity: count(values.days_without_activity),
          days_without_won: count(values.days_without_won),
          warn_days: count(values.warn_days) ?? 0,
        }
      : null,
    default: values.default,
  };
}

const FIELDS: ReadonlySet<string> = new Set<keyof PoolValues>([
  "name",
  "member_roles",
  "claim_limit",
  "cooldown_days",
  "protection_days",
  "days_without_activity",
  "days_without_won",
  "reclaim",
  "warn_days",
  "default",
]);

/** A refusal's errors on the form's fields. The server names them as the body does,
 * by pydantic (`reclaim.warn_days`, `member_roles.0`) or by the service
 * (`member_roles[0]`); what names no field of the form is returned to be shown above it. */
export function placePoolErrors(errors: readonly FieldProblem[]): { fields: Map<keyof PoolValues, string[]>; other: string[] } {
  const fields = new Map<keyof PoolValues, string[]>();
  const other: string[] = [];
  for (const error of errors) {
    const path = error.field.replace(/\[(\d+)\]/g, ".$1").split(".");
    const name = path[0] === "reclaim" ? (path[1] ?? "reclaim") : (path[0] ?? "");
    if (FIELDS.has(name)) {
      const key = name as keyof PoolValues;
      fields.set(key, [...(fields.get(key) ?? []), error.message]);
    } else other.push(error.message);
  }
  return { fields, other };
}
