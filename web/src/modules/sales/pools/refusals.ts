/** What to tell a member whose claim the server refused, in words rather than a code. */
import { ApiError } from "../../../lib/api";
import { formatDateTime } from "../../../lib/format";

/** An i18n key and its values; `null`: no words of our own, show the server's message. */
export interface Refusal {
  key: string;
  values: Record<string, string | number>;
}

function whole(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

export function claimRefusal(error: unknown): Refusal | null {
  if (!(error instanceof ApiError)) return null;
  const problem = error.problem;
  switch (problem.code) {
    case "claim_limit_reached": {
      const owned = whole(problem.owned);
      const limit = whole(problem.claim_limit);
      return owned !== null && limit !== null ? { key: "pools.refused.limit", values: { owned, limit } } : { key: "pools.refused.limitUnknown", values: {} };
    }
    case "claim_cooldown": {
      const at = typeof problem.available_at === "string" ? problem.available_at : null;
      const days = whole(problem.cooldown_days);
      // The server writes the time in the user's own zone: shown as it is, not converted.
      return at ? { key: "pools.refused.cooldown", values: { at: formatDateTime(at), days: days ?? "" } } : { key: "pools.refused.cooldownUnknown", values: {} };
    }
    case "already_claimed":
      return { key: "pools.refused.taken", values: {} };
    default:
      if (error.status === 404) return { key: "pools.refused.gone", values: {} };
      if (error.status === 403) return { key: "pools.refused.notMember", values: {} };
      return null;
  }
}

/** Every key `claimRefusal` may answer (the catalogue test reads them). */
export const REFUSAL_KEYS = [
  "pools.refused.limit",
  "pools.refused.limitUnknown",
  "pools.refused.cooldown",
  "pools.refused.cooldownUnknown",
  "pools.refused.taken",
  "pools.refused.gone",
  "pools.refused.notMember",
] as const;
