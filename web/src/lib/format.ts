/**
 * How values look on screen: amounts with thousands separators and their currency
 * (exact: decimals arrive as strings and are never turned into floats), dates as
 * YYYY-MM-DD, times on a 24-hour clock, Chinese mobile numbers grouped 3-4-4.
 */

const SYMBOLS: Record<string, string> = { CNY: "¥", USD: "$", EUR: "€", HKD: "HK$", JPY: "¥", GBP: "£" };

/** "1250000.5" → "1,250,000.50" with `scale` decimals, without floating point. */
export function groupDecimal(value: string, scale?: number): string {
  const negative = value.startsWith("-");
  const [whole = "0", fraction = ""] = (negative ? value.slice(1) : value).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  let decimals = fraction;
  if (scale !== undefined) decimals = fraction.padEnd(scale, "0").slice(0, Math.max(scale, 0));
  return `${negative ? "-" : ""}${grouped}${decimals ? `.${decimals}` : ""}`;
}

export function formatMoney(amount: string, currency: string | null | undefined, scale = 2): string {
  const code = currency ?? "CNY";
  const symbol = SYMBOLS[code] ?? `${code} `;
  const text = groupDecimal(amount, scale);
  return text.startsWith("-") ? `-${symbol}${text.slice(1)}` : `${symbol}${text}`;
}

/** An ISO date or date-time as the user reads it: the date part, plus HH:mm for times. */
export function formatDate(value: string): string {
  return value.slice(0, 10);
}

export function formatDateTime(value: string): string {
  // The server renders times in the user's own zone ("2026-12-07T11:32:28+08:00").
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(value);
  return match ? `${match[1] ?? ""} ${match[2] ?? ""}` : value;
}

export function formatPhone(value: string): string {
  const china = /^\+86(1\d{2})(\d{4})(\d{4})$/.exec(value);
  if (china) return `+86 ${china[1] ?? ""} ${china[2] ?? ""} ${china[3] ?? ""}`;
  const landline = /^\+86(\d{2,3})(\d{7,8})$/.exec(value);
  if (landline) return `+86 ${landline[1] ?? ""} ${landline[2] ?? ""}`;
  return value;
}

export function formatInteger(value: number | string): string {
  return groupDecimal(String(value));
}

/** A count as the list header shows it ("1,234", "1,000+"). */
export function formatCount(total: number, atLeast: boolean): string {
  return `${formatInteger(total)}${atLeast ? "+" : ""}`;
}

/** 532 B, 12.4 KB, 3.1 MB: binary units, one decimal from KB on. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${String(bytes)} B`;
  const units = ["KB", "MB", "GB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit] ?? "GB"}`;
}
