/**
 * Exact money arithmetic for the payment-plan form: amounts as whole cents in BigInt,
 * never floating point. Totals shown elsewhere come from the server; this is only for
 * what the user is typing (instalments by percentage, what is left to schedule).
 */

const MONEY = /^\s*(-?)(\d+)(?:\.(\d*))?\s*$/;

/** "1,250.5" / "1250.50" → 125050n; null for anything that is not an amount with at most
 * two decimals (thousands separators are allowed, as the amount input shows them). */
export function toCents(text: string | null | undefined): bigint | null {
  if (text === null || text === undefined) return null;
  const match = MONEY.exec(text.replace(/,/g, ""));
  if (!match) return null;
  const [, sign = "", whole = "0", fraction = ""] = match;
  if (fraction.length > 2) return null;
  const cents = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, "0") || "0");
  return sign === "-" ? -cents : cents;
}

/** 125050n → "1250.50" (what the API takes and answers). */
export function centsText(cents: bigint): string {
  const negative = cents < 0n;
  const absolute = negative ? -cents : cents;
  const whole = absolute / 100n;
  const fraction = (absolute % 100n).toString().padStart(2, "0");
  return `${negative ? "-" : ""}${whole.toString()}.${fraction}`;
}

const PERCENT = /^\s*(\d+)(?:\.(\d{0,4}))?\s*$/;

/** A percentage with at most four decimals as a fraction of 10^6 ("33.3333" → 333333n:
 * 100% = 100_000_000n / 10^6), or null when it is not one. */
export function toMicroPercent(text: string | null | undefined): bigint | null {
  if (text === null || text === undefined) return null;
  const match = PERCENT.exec(text);
  if (!match) return null;
  const [, whole = "0", fraction = ""] = match;
  return BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(4, "0")) * 100n;
}

export const HUNDRED_PERCENT = 100_000_000n;

/** `percent` (as from toMicroPercent) of `cents`, rounded half-up to a cent. */
export function percentOf(cents: bigint, percent: bigint): bigint {
  const scaled = cents * percent;
  const quotient = scaled / HUNDRED_PERCENT;
  const remainder = scaled % HUNDRED_PERCENT;
  return remainder * 2n >= HUNDRED_PERCENT ? quotient + 1n : quotient;
}

/** A percentage of 10^6 as text with up to four decimals, trailing zeros dropped. */
export function microPercentText(percent: bigint): string {
  const whole = percent / 1_000_000n;
  const fraction = (percent % 1_000_000n).toString().padStart(6, "0").slice(0, 4).replace(/0+$/, "");
  return fraction ? `${whole.toString()}.${fraction}` : whole.toString();
}

/** How much of `total` is `part`, in whole percent rounded down (a progress bar, never
 * a figure anyone books): 0 when nothing is due. */
export function shareOf(part: string, total: string): number {
  const p = toCents(part);
  const t = toCents(total);
  if (p === null || t === null || t <= 0n) return 0;
  const share = (p * 100n) / t;
  return Number(share > 100n ? 100n : share < 0n ? 0n : share);
}
