/** The stacked bar's segments: a picture of the proportions, drawn beside the exact
 * figures (never instead of them), so floating point is good enough here. */
import { CATEGORIES, type Amounts } from "./api";

export type Category = (typeof CATEGORIES)[number];

/** The bar's length: closed, commit, best case and pipeline together (they do not
 * overlap: docs/api.md, "Forecast"). */
export function barLength(amounts: Amounts): number {
  return CATEGORIES.reduce((sum, c) => sum + Math.max(0, Number(amounts[c]) || 0), 0);
}

/** Each category's share of `scale` in percent (the longest row's length, so rows
 * compare), leaving out empty ones. */
export function segments(amounts: Amounts, scale: number): { category: Category; percent: number }[] {
  if (!(scale > 0)) return [];
  return CATEGORIES.map((category) => ({ category, percent: (Math.max(0, Number(amounts[category]) || 0) / scale) * 100 })).filter(
    (s) => s.percent > 0,
  );
}
