import { describe, expect, test } from "vitest";
import { centsText, microPercentText, percentOf, shareOf, toCents, toMicroPercent } from "./decimal";
import { checkPlan, evenSplit, placeServerErrors } from "./plan";

describe("exact amounts", () => {
  test("amounts become cents and back without floating point", () => {
    expect(toCents("1,250,000.5")).toBe(125_000_050n);
    expect(toCents("0.07")).toBe(7n);
    expect(toCents("-3")).toBe(-300n);
    expect(toCents("12345678901234567.89")).toBe(1_234_567_890_123_456_789n);
    expect(centsText(1_234_567_890_123_456_789n)).toBe("12345678901234567.89");
    expect(centsText(-5n)).toBe("-0.05");
    for (const bad of ["", "1.234", "abc", "1e5", "--1", null, undefined]) expect(toCents(bad)).toBeNull();
  });

  test("a percentage of an amount is rounded half-up to the cent", () => {
    // 0.1 + 0.2 style traps: 33.33% of 5,796.87 is 1,932.1007… → 1,932.10
    expect(centsText(percentOf(579_687n, toMicroPercent("33.33") ?? 0n))).toBe("1932.10");
    expect(centsText(percentOf(1n, toMicroPercent("50") ?? 0n))).toBe("0.01"); // 0.005 → 0.01
    expect(centsText(percentOf(1n, toMicroPercent("49.9999") ?? 0n))).toBe("0.00");
    expect(toMicroPercent("12.34567")).toBeNull();
    expect(microPercentText(33_330_000n)).toBe("33.33");
    expect(microPercentText(100_000_000n)).toBe("100");
  });

  test("a share for a progress bar is whole percent, capped, and 0 when nothing is due", () => {
    expect(shareOf("4796.87", "5796.87")).toBe(82);
    expect(shareOf("5796.87", "5796.87")).toBe(100);
    expect(shareOf("10", "0.00")).toBe(0);
  });
});

describe("a payment plan", () => {
  test("by amount: the body the endpoint takes, the total and what stays unscheduled", () => {
    const plan = checkPlan(
      [
        { due_date: "2026-11-30", value: "3,000" },
        { due_date: "2027-03-31", value: "2000.5" },
      ],
      "amount",
      "5796.87",
      "5796.87",
    );
    expect(plan.problems).toEqual([]);
    expect(plan.instalments).toEqual([
      { due_date: "2026-11-30", amount: "3000.00" },
      { due_date: "2027-03-31", amount: "2000.50" },
    ]);
    expect(plan.total).toBe("5000.50");
    expect(plan.left).toBe("796.37");
  });

  test("by percentage of 100%: the last instalment takes the rounding, the plan adds up to the cent", () => {
    const plan = checkPlan(
      [
        { due_date: "2026-12-01", value: "33.33" },
        { due_date: "2027-01-01", value: "33.33" },
        { due_date: "2027-02-01", value: "33.34" },
      ],
      "percent",
      "5796.87",
      "5796.87",
    );
    expect(plan.problems).toEqual([]);
    expect(plan.amounts).toEqual(["1932.10", "1932.10", "1932.67"]);
    expect(plan.total).toBe("5796.87");
    expect(plan.left).toBe("0.00");
  });

  test("each row says what is wrong with it, and the row that goes past what is open is named", () => {
    const plan = checkPlan(
      [
        { due_date: null, value: "600" },
        { due_date: "2027-01-01", value: "" },
        { due_date: "2027-02-01", value: "1.234" },
        { due_date: "2027-03-01", value: "0" },
        { due_date: "2027-04-01", value: "500" },
      ],
      "amount",
      "1000.00",
      "1000.00",
    );
    expect(plan.problems).toEqual([
      { index: 0, field: "due_date", key: "dueRequired" },
      { index: 1, field: "value", key: "valueRequired" },
      { index: 2, field: "value", key: "notAmount" },
      { index: 3, field: "value", key: "notPositive" },
      { index: 4, field: "value", key: "overPlanned", values: { total: "1100.00", open: "1000.00" } },
    ]);
  });

  test("percentages over 100 are refused, and are shares of the contract, not of what is open", () => {
    const plan = checkPlan(
      [
        { due_date: "2027-01-01", value: "60" },
        { due_date: "2027-02-01", value: "50" },
      ],
      "percent",
      "1000.00",
      "1000.00",
    );
    expect(plan.problems.map((p) => [p.index, p.key])).toEqual([
      [1, "overPlanned"],
      [1, "overHundred"],
    ]);
    // 400 already scheduled: 60% of the contract is 600 = what is open, no rounding shift
    const rest = checkPlan([{ due_date: "2027-01-01", value: "60" }], "percent", "1000.00", "600.00");
    expect(rest.problems).toEqual([]);
    expect(rest.instalments).toEqual([{ due_date: "2027-01-01", amount: "600.00" }]);
  });

  test("an even split covers exactly what is open, a month apart", () => {
    expect(evenSplit(3, "amount", "1000.00", "1000.00", "2026-01-31")).toEqual([
      { due_date: "2026-01-31", value: "333.33" },
      { due_date: "2026-02-28", value: "333.33" },
      { due_date: "2026-03-31", value: "333.34" },
    ]);
    const percent = evenSplit(3, "percent", "5796.87", "5796.87", "2026-12-01");
    expect(percent.map((r) => r.value)).toEqual(["33.33", "33.33", "33.34"]);
    expect(checkPlan(percent, "percent", "5796.87", "5796.87").left).toBe("0.00");
    // half already scheduled: the split shares the other half
    expect(evenSplit(2, "percent", "1000.00", "500.00", "2026-12-01").map((r) => r.value)).toEqual(["25", "25"]);
  });

  test("the server's refusals land on their rows, the rest above them", () => {
    expect(
      placeServerErrors([
        { index: 1, field: "amount", message: "回款计划合计 1100.00 CNY,超过合同金额 1000.00" },
        { index: 0, field: "due_date", message: "required" },
        { field: "instalments", message: "give at least one instalment" },
      ]),
    ).toEqual({
      rows: [
        { index: 1, field: "value", message: "回款计划合计 1100.00 CNY,超过合同金额 1000.00" },
        { index: 0, field: "due_date", message: "required" },
      ],
      other: ["give at least one instalment"],
    });
  });
});
