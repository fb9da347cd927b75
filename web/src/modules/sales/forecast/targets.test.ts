import { describe, expect, test } from "vitest";
import type { Amounts, Target } from "./api";
import { barLength, segments } from "./bars";
import { addDecimals, compareDecimals, percentOf } from "./decimal";
import { individualTotals, targetState } from "./targets";

const DAY = { year: 2026, month: 12, day: 7 }; // 68 of Q4's 92 days gone

function target(values: Partial<Target>): Target {
  return {
    id: values.id ?? "t",
    name: "目标",
    measure: "won_amount",
    period: "2026-Q4",
    assignee: null,
    department: null,
    currency: "CNY",
    target: "100.00",
    actual: "0.00",
    attainment: "0.00",
    ...values,
  };
}

describe("exact decimals", () => {
  test("sums keep every cent, however many amounts", () => {
    expect(addDecimals(["0.10", "0.20"])).toBe("0.30");
    expect(addDecimals(Array.from({ length: 10 }, () => "0.10"))).toBe("1.00");
    expect(addDecimals(["98765432109876543.21", "0.79"])).toBe("98765432109876544.00");
    expect(addDecimals(["-5.5", "2.25"])).toBe("-3.25");
    expect(addDecimals(["100", "0.5"])).toBe("100.5");
    expect(addDecimals([])).toBe("0.00");
  });

  test("percentages round half up to two decimals, as the server's attainment", () => {
    expect(percentOf("664640.00", "600000.00")).toBe("110.77");
    expect(percentOf("1", "3")).toBe("33.33");
    expect(percentOf("2", "3")).toBe("66.67");
    expect(percentOf("0.00125", "1")).toBe("0.13"); // 0.125 % → up
    expect(percentOf("-0.00125", "1")).toBe("-0.13");
    expect(percentOf("0", "5")).toBe("0.00");
    expect(percentOf("5", "0.00")).toBeNull();
  });

  test("comparison is exact", () => {
    expect(compareDecimals("100.00", "100")).toBe(0);
    expect(compareDecimals("99.999", "100")).toBe(-1);
    expect(compareDecimals("10000000000000000.01", "10000000000000000.00")).toBe(1);
  });
});

describe("a target's state", () => {
  test("against the share of its period gone by", () => {
    expect(targetState({ period: "2026-Q4", attainment: "100.00" }, DAY)).toBe("met");
    expect(targetState({ period: "2026-Q4", attainment: "204.88" }, DAY)).toBe("met");
    expect(targetState({ period: "2026-Q4", attainment: "74.00" }, DAY)).toBe("onTrack");
    expect(targetState({ period: "2026-Q4", attainment: "73.00" }, DAY)).toBe("behind");
    expect(targetState({ period: "2026-Q3", attainment: "99.99" }, DAY)).toBe("missed");
    expect(targetState({ period: "2027-01", attainment: "0.00" }, DAY)).toBe("notStarted");
    expect(targetState({ period: "2026-Q4", attainment: null }, DAY)).toBe("unknown");
    expect(targetState({ period: "whenever", attainment: "50.00" }, DAY)).toBe("unknown");
  });
});

describe("the totals of the salespeople's targets", () => {
  const zhang = { id: "u1", name: "张伟 Zhang Wei" };
  const wang = { id: "u2", name: "王芳 Wang Fang" };

  test("add the people's targets per measure, not the department's again", () => {
    const totals = individualTotals([
      target({ id: "d", department: { id: "d1", name: "华东" }, target: "3000000.00", actual: "638342.00", measure: "collected" }),
      target({ id: "a", assignee: zhang, target: "600000.00", actual: "664640.00", attainment: "110.77" }),
      target({ id: "b", assignee: wang, target: "1000000.00", actual: "196600.10", attainment: "19.66" }),
      target({ id: "c", assignee: wang, target: "50000.00", actual: "20000.00", measure: "collected" }),
    ]);
    expect(totals).toEqual([
      { measure: "won_amount", currency: "CNY", count: 2, period: "2026-Q4", target: "1600000.00", actual: "861240.10", attainment: "53.83" },
      { measure: "collected", currency: "CNY", count: 1, period: "2026-Q4", target: "50000.00", actual: "20000.00", attainment: "40.00" },
    ]);
  });

  test("a person's month inside their quarter is not added twice; quarters of a year are", () => {
    const totals = individualTotals([
      target({ id: "q3", assignee: zhang, period: "2026-Q3", target: "600000.00", actual: "870400.00" }),
      target({ id: "q4", assignee: zhang, period: "2026-Q4", target: "600000.00", actual: "664640.00" }),
      target({ id: "dec", assignee: zhang, period: "2026-12", target: "200000.00", actual: "100000.00" }),
      target({ id: "dec-wang", assignee: wang, period: "2026-12", target: "100000.00", actual: "0.00" }),
    ]);
    expect(totals).toEqual([
      { measure: "won_amount", currency: "CNY", count: 3, period: null, target: "1300000.00", actual: "1535040.00", attainment: "118.08" },
    ]);
  });

  test("currencies stay apart, and an actual the user may not see leaves the total's open", () => {
    const totals = individualTotals([
      target({ id: "a", assignee: zhang, currency: "USD", target: "1000.00", actual: "500.00" }),
      target({ id: "b", assignee: wang, target: "1000.00", actual: null, attainment: null }),
      target({ id: "c", assignee: zhang, target: "0.00", actual: "10.00", attainment: null }),
    ]);
    expect(totals).toEqual([
      { measure: "won_amount", currency: "CNY", count: 2, period: "2026-Q4", target: "1000.00", actual: null, attainment: null },
      { measure: "won_amount", currency: "USD", count: 1, period: "2026-Q4", target: "1000.00", actual: "500.00", attainment: "50.00" },
    ]);
    expect(individualTotals([target({ department: { id: "d", name: "华东" } }), target({})])).toEqual([]);
  });
});

describe("the forecast bar", () => {
  const amounts = (closed: string, commit: string, best_case: string, pipeline: string): Amounts => ({
    closed,
    commit,
    best_case,
    pipeline,
    weighted: "999999.00",
  });

  test("its segments are the categories' shares of the longest row, weighted left out", () => {
    const row = amounts("50.00", "25.00", "0.00", "25.00");
    expect(barLength(row)).toBe(100);
    expect(segments(row, 200)).toEqual([
      { category: "closed", percent: 25 },
      { category: "commit", percent: 12.5 },
      { category: "pipeline", percent: 12.5 },
    ]);
    expect(segments(amounts("0.00", "0.00", "0.00", "0.00"), 0)).toEqual([]);
  });
});
