import { describe, expect, test } from "vitest";
import i18n from "../../../lib/i18n";
import {
  changeKind,
  elapsed,
  parsePeriod,
  periodLabel,
  periodOf,
  periodRange,
  periodText,
  periodWithin,
  relativeTo,
  shiftPeriod,
  today,
  type Period,
} from "./period";

const q = (year: number, index: number): Period => ({ kind: "quarter", year, index });
const m = (year: number, index: number): Period => ({ kind: "month", year, index });

describe("periods as the forecast endpoints write them", () => {
  test("years, quarters and months are read in the server's forms, and nothing else", () => {
    expect(parsePeriod("2026")).toEqual({ kind: "year", year: 2026, index: 1 });
    expect(parsePeriod("2026-Q4")).toEqual(q(2026, 4));
    expect(parsePeriod("2026-q1")).toEqual(q(2026, 1));
    expect(parsePeriod("2026-11")).toEqual(m(2026, 11));
    for (const bad of ["2026-Q5", "2026-Q0", "2026-13", "2026-00", "2026-1", "26-Q4", "0000", "9999", "", null, "2026-Q4x"]) {
      expect(parsePeriod(bad)).toBeNull();
    }
    for (const text of ["2026", "2026-Q4", "2026-03", "0001-Q1"]) expect(periodText(parsePeriod(text) as Period)).toBe(text);
  });

  test("the current quarter and month hold today, by the user's own calendar", () => {
    const day = { year: 2026, month: 12, day: 7 };
    expect(periodText(periodOf("quarter", day))).toBe("2026-Q4");
    expect(periodText(periodOf("month", day))).toBe("2026-12");
    expect(periodText(periodOf("year", day))).toBe("2026");
    expect(periodText(periodOf("quarter", { year: 2027, month: 1, day: 1 }))).toBe("2027-Q1");
    expect(periodText(periodOf("quarter", { year: 2026, month: 3, day: 31 }))).toBe("2026-Q1");
    expect(periodText(periodOf("quarter", { year: 2026, month: 4, day: 1 }))).toBe("2026-Q2");
    // 31 December 17:00 UTC is already 1 January in Shanghai: the new quarter there.
    const evening = new Date("2026-12-31T17:00:00Z");
    expect(today("Asia/Shanghai", evening)).toEqual({ year: 2027, month: 1, day: 1 });
    expect(today("Europe/London", evening)).toEqual({ year: 2026, month: 12, day: 31 });
    expect(periodText(periodOf("quarter", today("Asia/Shanghai", evening)))).toBe("2027-Q1");
    // An unknown zone falls back to the browser's instead of failing.
    expect(today("Not/AZone", evening).year).toBeGreaterThanOrEqual(2026);
  });

  test("previous and next cross the year", () => {
    expect(shiftPeriod(q(2026, 4), 1)).toEqual(q(2027, 1));
    expect(shiftPeriod(q(2026, 1), -1)).toEqual(q(2025, 4));
    expect(shiftPeriod(q(2026, 2), -6)).toEqual(q(2024, 4));
    expect(shiftPeriod(m(2026, 12), 1)).toEqual(m(2027, 1));
    expect(shiftPeriod(m(2026, 1), -1)).toEqual(m(2025, 12));
    expect(shiftPeriod(m(2026, 5), 0)).toEqual(m(2026, 5));
    expect(shiftPeriod({ kind: "year", year: 2026, index: 1 }, -2)).toEqual({ kind: "year", year: 2024, index: 1 });
  });

  test("a period's first and last day, leap years included", () => {
    expect(periodRange(q(2026, 4))).toEqual({ start: "2026-10-01", end: "2026-12-31" });
    expect(periodRange(q(2026, 1))).toEqual({ start: "2026-01-01", end: "2026-03-31" });
    expect(periodRange(m(2028, 2))).toEqual({ start: "2028-02-01", end: "2028-02-29" });
    expect(periodRange(m(2026, 2))).toEqual({ start: "2026-02-01", end: "2026-02-28" });
    expect(periodRange({ kind: "year", year: 2026, index: 1 })).toEqual({ start: "2026-01-01", end: "2026-12-31" });
    expect(periodWithin(m(2026, 12), q(2026, 4))).toBe(true);
    expect(periodWithin(m(2026, 9), q(2026, 4))).toBe(false);
    expect(periodWithin(q(2026, 4), q(2026, 4))).toBe(true);
    expect(periodWithin(q(2026, 4), m(2026, 12))).toBe(false);
  });

  test("the share of the period gone by counts today as gone", () => {
    expect(elapsed(q(2026, 4), { year: 2026, month: 9, day: 30 })).toEqual({ state: "before" });
    expect(elapsed(q(2026, 4), { year: 2027, month: 1, day: 1 })).toEqual({ state: "after" });
    expect(elapsed(q(2026, 4), { year: 2026, month: 12, day: 31 })).toEqual({ state: "during", share: 1 });
    expect(elapsed(m(2026, 11), { year: 2026, month: 11, day: 15 })).toEqual({ state: "during", share: 0.5 });
    const first = elapsed(q(2026, 4), { year: 2026, month: 10, day: 1 });
    expect(first.state === "during" && first.share).toBeCloseTo(1 / 92);
  });

  test("switching between months, quarters and years keeps today when it is in view", () => {
    const day = { year: 2026, month: 12, day: 7 };
    expect(changeKind(q(2026, 4), "month", day)).toEqual(m(2026, 12));
    expect(changeKind(q(2026, 2), "month", day)).toEqual(m(2026, 4));
    expect(changeKind(m(2026, 5), "quarter", day)).toEqual(q(2026, 2));
    expect(changeKind(m(2026, 12), "year", day)).toEqual({ kind: "year", year: 2026, index: 1 });
    expect(changeKind({ kind: "year", year: 2025, index: 1 }, "quarter", day)).toEqual(q(2025, 1));
    expect(changeKind(q(2026, 3), "quarter", day)).toEqual(q(2026, 3));
  });

  test("this, last and next period are named", () => {
    const day = { year: 2026, month: 12, day: 7 };
    expect(relativeTo(q(2026, 4), day)).toBe("current");
    expect(relativeTo(q(2026, 3), day)).toBe("previous");
    expect(relativeTo(q(2027, 1), day)).toBe("next");
    expect(relativeTo(q(2026, 2), day)).toBeNull();
    expect(relativeTo(m(2027, 1), day)).toBe("next");
    expect(relativeTo({ kind: "year", year: 2025, index: 1 }, day)).toBe("previous");
  });

  test("labels in both languages", () => {
    const en = i18n.getFixedT("en");
    const zh = i18n.getFixedT("zh-CN");
    expect(periodLabel(q(2026, 4), en, "en")).toBe("Q4 2026");
    expect(periodLabel(q(2026, 4), zh, "zh-CN")).toBe("2026年第4季度");
    expect(periodLabel(m(2026, 12), en, "en")).toBe("December 2026");
    expect(periodLabel(m(2026, 12), zh, "zh-CN")).toBe("2026年12月");
    expect(periodLabel({ kind: "year", year: 2026, index: 1 }, en, "en")).toBe("2026");
    expect(periodLabel({ kind: "year", year: 2026, index: 1 }, zh, "zh-CN")).toBe("2026年");
    expect(en("forecast.period.relative.quarter.current")).toBe("This quarter");
    expect(zh("forecast.period.relative.quarter.previous")).toBe("上季度");
    expect(zh("forecast.period.relative.month.next")).toBe("下月");
  });
});
