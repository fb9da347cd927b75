/** How a target stands, and the totals of the people's targets (the server gives none). */
import type { Target, TargetMeasure } from "./api";
import { addDecimals, compareDecimals, percentOf } from "./decimal";
import { elapsed, parsePeriod, periodWithin, type Day } from "./period";

/**
 * - `met`: 100 % or more.
 * - `onTrack` / `behind`: the period is running, and the attainment is at least / below the
 *   share of its days gone by (65 % with 60 % of the quarter gone is on track), the
 *   "time progress" (时间进度) Chinese CRMs compare against.
 * - `missed`: the period is over below 100 %. `notStarted`: it lies ahead.
 * - `unknown`: no attainment (a zero target, or deals the user may not read).
 */
export type TargetState = "met" | "onTrack" | "behind" | "missed" | "notStarted" | "unknown";

export const TARGET_STATES: readonly TargetState[] = ["met", "onTrack", "behind", "missed", "notStarted", "unknown"];

export function targetState(target: { period: string | null; attainment: string | null }, day: Day): TargetState {
  if (target.attainment === null) return "unknown";
  if (compareDecimals(target.attainment, "100") >= 0) return "met";
  const period = parsePeriod(target.period);
  if (!period) return "unknown";
  const where = elapsed(period, day);
  if (where.state === "before") return "notStarted";
  if (where.state === "after") return "missed";
  // A state, not an amount: comparing in floating point is exact enough here.
  return Number(target.attainment) >= where.share * 100 ? "onTrack" : "behind";
}

export interface TargetTotal {
  measure: TargetMeasure;
  currency: string;
  /** How many targets were added up. */
  count: number;
  /** Their period when they all share one (the total is judged as a target of it; of
   * the period shown otherwise). */
  period: string | null;
  target: string;
  /** null when any of them has no actual (the user may not read what it counts). */
  actual: string | null;
  attainment: string | null;
}

const MEASURE_ORDER: TargetMeasure[] = ["won_amount", "collected"];

/**
 * The sum of the individual salespeople's targets, per measure and currency: the team's
 * figure. Department and company targets are not added (they count the same people
 * again), nor is a person's target that lies inside another of theirs shown with it (a
 * December target inside their Q4 one).
 */
export function individualTotals(targets: readonly Target[]): TargetTotal[] {
  const people = targets.filter((t) => t.assignee !== null && t.target !== null);
  const counted = people.filter((t) => {
    const period = parsePeriod(t.period);
    if (!period) return false;
    return !people.some((other) => {
      if (other === t || other.assignee?.id !== t.assignee?.id || other.measure !== t.measure || other.currency !== t.currency) {
        return false;
      }
      const outer = parsePeriod(other.period);
      return !!outer && other.period !== t.period && periodWithin(period, outer);
    });
  });
  const groups = new Map<string, Target[]>();
  for (const t of counted) {
    const key = `${t.measure}\u0000${t.currency}`;
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  const totals = [...groups.values()].map((list): TargetTotal => {
    const first = list[0] as Target;
    const target = addDecimals(list.map((t) => t.target ?? "0"));
    const actuals = list.map((t) => t.actual);
    const actual = actuals.every((a): a is string => a !== null) ? addDecimals(actuals) : null;
    return {
      measure: first.measure,
      currency: first.currency,
      count: list.length,
      period: list.every((t) => t.period === first.period) ? first.period : null,
      target,
      actual,
      attainment: actual === null ? null : percentOf(actual, target),
    };
  });
  return totals.sort(
    (a, b) => MEASURE_ORDER.indexOf(a.measure) - MEASURE_ORDER.indexOf(b.measure) || a.currency.localeCompare(b.currency),
  );
}
