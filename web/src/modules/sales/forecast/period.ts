/**
 * Calendar periods as the forecast and target endpoints take them: a year (`2026`), a
 * quarter (`2026-Q4`) or a month (`2026-11`). "Today" is the signed-in user's day in their
 * own time zone, so a user in Shanghai sees the new quarter at midnight Shanghai time, as
 * the server counts close dates.
 */
import type { TFunction } from "i18next";

export type PeriodKind = "month" | "quarter" | "year";

export interface Period {
  kind: PeriodKind;
  year: number;
  /** The month (1–12) or quarter (1–4); 1 for a year. */
  index: number;
}

/** A calendar day, without a time or a zone. */
export interface Day {
  year: number;
  month: number;
  day: number;
}

// The years the server accepts (forecast.parse_period).
const FIRST_YEAR = 1;
const LAST_YEAR = 9998;

/** `2026`, `2026-Q4` (or `2026-q4`), `2026-11`; null for anything else. */
export function parsePeriod(text: string | null | undefined): Period | null {
  const raw = (text ?? "").trim().toUpperCase();
  const year = /^(\d{4})$/.exec(raw);
  const quarter = /^(\d{4})-Q([1-4])$/.exec(raw);
  const month = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(raw);
  const period: Period | null = year
    ? { kind: "year", year: Number(year[1]), index: 1 }
    : quarter
      ? { kind: "quarter", year: Number(quarter[1]), index: Number(quarter[2]) }
      : month
        ? { kind: "month", year: Number(month[1]), index: Number(month[2]) }
        : null;
  if (!period || period.year < FIRST_YEAR || period.year > LAST_YEAR) return null;
  return period;
}

/** The period as the API writes it: `2026`, `2026-Q4`, `2026-11`. */
export function periodText(period: Period): string {
  const year = String(period.year).padStart(4, "0");
  if (period.kind === "year") return year;
  if (period.kind === "quarter") return `${year}-Q${String(period.index)}`;
  return `${year}-${String(period.index).padStart(2, "0")}`;
}

/** The day it is now in `timeZone` (the browser's when not given or not known). */
export function today(timeZone?: string, now: Date = new Date()): Day {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric", month: "numeric", day: "numeric" }).formatToParts(now);
  } catch {
    parts = new Intl.DateTimeFormat("en-US", { year: "numeric", month: "numeric", day: "numeric" }).formatToParts(now);
  }
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? "0");
  return { year: part("year"), month: part("month"), day: part("day") };
}

/** The period of `kind` that holds `day`. */
export function periodOf(kind: PeriodKind, day: Day): Period {
  if (kind === "year") return { kind, year: day.year, index: 1 };
  if (kind === "quarter") return { kind, year: day.year, index: Math.floor((day.month - 1) / 3) + 1 };
  return { kind, year: day.year, index: day.month };
}

function count(kind: PeriodKind): number {
  return kind === "year" ? 1 : kind === "quarter" ? 4 : 12;
}

/** `steps` periods later (earlier when negative), across years. */
export function shiftPeriod(period: Period, steps: number): Period {
  if (period.kind === "year") return { ...period, year: period.year + steps };
  const per = count(period.kind);
  const serial = period.year * per + (period.index - 1) + steps;
  return { kind: period.kind, year: Math.floor(serial / per), index: (serial % per) + 1 };
}

/** The first and last month of the period (1–12). */
function months(period: Period): [number, number] {
  if (period.kind === "year") return [1, 12];
  if (period.kind === "quarter") return [period.index * 3 - 2, period.index * 3];
  return [period.index, period.index];
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function iso(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** The period's first and last day, as YYYY-MM-DD. */
export function periodRange(period: Period): { start: string; end: string } {
  const [first, last] = months(period);
  return { start: iso(period.year, first, 1), end: iso(period.year, last, daysIn(period.year, last)) };
}

/** Whether `inner` lies within `outer` (a period holds itself). */
export function periodWithin(inner: Period, outer: Period): boolean {
  const a = periodRange(inner);
  const b = periodRange(outer);
  return a.start >= b.start && a.end <= b.end;
}

/** The day as YYYY-MM-DD. */
export function dayText(day: Day): string {
  return iso(day.year, day.month, day.day);
}

export type Elapsed = { state: "before" } | { state: "after" } | { state: "during"; share: number };

/** Where `day` stands in the period: before it, after it, or the share of its days gone
 * by at the end of `day` (1 on its last day). */
export function elapsed(period: Period, day: Day): Elapsed {
  const { start, end } = periodRange(period);
  const text = dayText(day);
  if (text < start) return { state: "before" };
  if (text > end) return { state: "after" };
  const startMs = Date.parse(`${start}T00:00:00Z`);
  const total = (Date.parse(`${end}T00:00:00Z`) - startMs) / 86_400_000 + 1;
  const gone = (Date.parse(`${text}T00:00:00Z`) - startMs) / 86_400_000 + 1;
  return { state: "during", share: gone / total };
}

/** When the user switches between months, quarters and years: the new kind's period that
 * holds today if today is in the one shown, otherwise the one holding its first day. */
export function changeKind(period: Period, kind: PeriodKind, day: Day): Period {
  if (period.kind === kind) return period;
  const { start } = periodRange(period);
  const [year, month] = start.split("-").map(Number) as [number, number];
  const inside = elapsed(period, day).state === "during";
  return periodOf(kind, inside ? day : { year, month, day: 1 });
}

/** "Q4 2026" / "2026年第4季度", "December 2026" / "2026年12月", "2026" / "2026年". */
export function periodLabel(period: Period, t: TFunction, language: string): string {
  const year = String(period.year);
  if (period.kind === "year") return t("forecast.period.yearLabel", { year });
  if (period.kind === "quarter") return t("forecast.period.quarterLabel", { year, quarter: period.index });
  // Month names as the language writes them ("December 2026", "2026年12月").
  const locale = language === "zh-CN" ? "zh-CN" : "en-US";
  return new Intl.DateTimeFormat(locale, { year: "numeric", month: "long", timeZone: "UTC" }).format(
    Date.UTC(period.year, period.index - 1, 1),
  );
}

/** "current", "previous" or "next" when the period is this, last or next one of its kind. */
export function relativeTo(period: Period, day: Day): "current" | "previous" | "next" | null {
  const now = periodOf(period.kind, day);
  for (const [steps, name] of [[0, "current"], [-1, "previous"], [1, "next"]] as const) {
    const other = shiftPeriod(now, steps);
    if (other.year === period.year && other.index === period.index) return name;
  }
  return null;
}
