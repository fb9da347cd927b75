/** The sales forecast and target attainment endpoints (docs/api.md, "Opportunities,
 * forecast and targets"): amounts are decimal strings in cents. */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, query } from "../../../lib/api";

export const MEASURES = ["closed", "commit", "best_case", "pipeline", "weighted"] as const;
export type Measure = (typeof MEASURES)[number];
/** The forecast categories the stacked bar shows, from the surest to the least sure. */
export const CATEGORIES = ["closed", "commit", "best_case", "pipeline"] as const;

export type Amounts = Record<Measure, string>;

export interface ForecastGroup extends Amounts {
  /** A user's or department's id; null for owners without a department. */
  key: string | null;
  label: string | null;
}

export type GroupBy = "owner" | "department";

export interface Forecast {
  period: string;
  start: string;
  end: string;
  group_by: GroupBy;
  currency: string;
  groups: ForecastGroup[];
  totals: Amounts;
  other_currencies: { currency: string; deals: number }[];
}

export type TargetMeasure = "won_amount" | "collected";

export interface Target {
  id: string;
  name: string | null;
  measure: TargetMeasure;
  period: string;
  assignee: { id: string; name: string | null } | null;
  department: { id: string; name: string } | null;
  /** A team's target (its members now); absent from servers before team targets. */
  team?: { id: string; name: string } | null;
  currency: string;
  target: string | null;
  /** null when the caller may not read the deals (or payments) it counts. */
  actual: string | null;
  /** A percentage with two decimals ("65.00"); null for a zero target or no actual. */
  attainment: string | null;
}

export interface Attainment {
  period: string;
  targets: Target[];
}

export function useForecast(period: string, groupBy: GroupBy, currency: string | null) {
  return useQuery({
    queryKey: ["sales", "forecast", period, groupBy, currency],
    queryFn: ({ signal }) =>
      api.get<Forecast>(`/sales/forecast${query({ period, group_by: groupBy, currency })}`, signal),
    // The table stays while the next period loads (dimmed), instead of a blank page.
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  });
}

export function useAttainment(period: string) {
  return useQuery({
    queryKey: ["sales", "attainment", period],
    queryFn: ({ signal }) => api.get<Attainment>(`/sales/targets/attainment${query({ period })}`, signal),
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  });
}
