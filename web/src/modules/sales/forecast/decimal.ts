/**
 * Exact arithmetic on the API's decimal strings ("1250000.50"), for the few figures the
 * server does not total itself (the targets' totals). Integers of the smallest unit in
 * BigInt: never floating point, so ¥0.10 + ¥0.20 is ¥0.30.
 */

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

function scaleOf(value: string): number {
  return DECIMAL.exec(value)?.[3]?.length ?? 0;
}

function units(value: string, scale: number): bigint {
  const match = DECIMAL.exec(value.trim());
  if (!match) throw new Error(`not a decimal: ${value}`);
  const [, sign = "", whole = "0", fraction = ""] = match;
  const digits = BigInt(whole + fraction.padEnd(scale, "0"));
  return sign === "-" ? -digits : digits;
}

function text(value: bigint, scale: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, "0");
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale);
  return `${negative ? "-" : ""}${whole}${scale ? `.${fraction}` : ""}`;
}

/** The exact sum, with as many decimals as the longest of them ("0.00" for none). */
export function addDecimals(values: readonly string[]): string {
  if (values.length === 0) return "0.00";
  const scale = Math.max(...values.map(scaleOf));
  return text(values.reduce((sum, v) => sum + units(v, scale), 0n), scale);
}

/** `part` as a percentage of `whole` with two decimals, rounded half up (away from zero)
 * as the server rounds attainment; null when `whole` is zero. */
export function percentOf(part: string, whole: string): string | null {
  const scale = Math.max(scaleOf(part), scaleOf(whole));
  const p = units(part, scale);
  const w = units(whole, scale);
  if (w === 0n) return null;
  // part / whole × 100, in hundredths of a percent: part × 10,000 / whole.
  const negative = p < 0n !== w < 0n && p !== 0n;
  const numerator = (p < 0n ? -p : p) * 10_000n;
  const denominator = w < 0n ? -w : w;
  let hundredths = numerator / denominator;
  if ((numerator % denominator) * 2n >= denominator) hundredths += 1n;
  return text(negative ? -hundredths : hundredths, 2);
}

/** Compare two decimal strings exactly: -1, 0 or 1. */
export function compareDecimals(a: string, b: string): number {
  const scale = Math.max(scaleOf(a), scaleOf(b));
  const x = units(a, scale);
  const y = units(b, scale);
  return x < y ? -1 : x > y ? 1 : 0;
}
