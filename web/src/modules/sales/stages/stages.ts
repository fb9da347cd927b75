/** The stage history of a deal (docs/api.md, "Stage history"): what the tab reads, and the
 * arithmetic of its rows kept apart from the screen so it can be tested. */
import { useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api";
import type { Label } from "../../../lib/meta";

/** One stage the deal has been in, as the server gives it. */
export interface StageSpan {
  stage: string;
  label: Label;
  entered_at: string;
  /** `null` for the stage the deal is in now. */
  left_at: string | null;
  /** Days spent there (to now for the current stage), one decimal. */
  days: number;
  /** Who moved the deal there (for the first stage, who created the deal). */
  by: string | null;
}

export interface StageHistory {
  id: string;
  stage: string | null;
  stages: StageSpan[];
}

// Under the deal's records key, with its version: a stage change (path, edit, kanban)
// gives the record a new version, so the history is read again without anyone asking.
export const stageHistoryKey = (id: string, version: number) => ["records", "opportunity", "stages", id, version] as const;

export function useStageHistory(id: string, version: number) {
  return useQuery({
    queryKey: stageHistoryKey(id, version),
    queryFn: ({ signal }) => api.get<StageHistory>(`/sales/opportunities/${encodeURIComponent(id)}/stages`, signal),
  });
}

/** Days with one decimal ("0.0", "4.5", "12.0"): the server rounds already; this only
 * keeps a whole number from losing its ".0" and guards a stray float. */
export function oneDecimal(days: number): string {
  if (!Number.isFinite(days) || days < 0) return "0.0";
  return (Math.round(days * 10) / 10).toFixed(1);
}

/** How wide each row's bar is, in percent of the longest stay (the longest is 100). A stay
 * shorter than one percent of the longest still shows a sliver, so no stage that took
 * time looks as if it took none; when every stay is zero, no bar has any width. */
export function barWidths(spans: readonly Pick<StageSpan, "days">[]): number[] {
  const days = spans.map((s) => (Number.isFinite(s.days) && s.days > 0 ? s.days : 0));
  const longest = Math.max(0, ...days);
  if (longest === 0) return days.map(() => 0);
  return days.map((d) => (d === 0 ? 0 : Math.max(1, Math.round((d / longest) * 1000) / 10)));
}

/** The stage the deal is in now: the one not left (the last, when the history is read
 * as the server gives it). */
export const isCurrent = (span: Pick<StageSpan, "left_at">): boolean => span.left_at === null;
