import { describe, expect, test } from "vitest";
import { barWidths, isCurrent, oneDecimal } from "./stages";

describe("stage history rows", () => {
  test("days read with one decimal, whole days included", () => {
    expect(oneDecimal(3)).toBe("3.0");
    expect(oneDecimal(4.5)).toBe("4.5");
    expect(oneDecimal(0)).toBe("0.0");
    expect(oneDecimal(12.04)).toBe("12.0");
    expect(oneDecimal(0.06)).toBe("0.1");
    expect(oneDecimal(Number.NaN)).toBe("0.0");
    expect(oneDecimal(-2)).toBe("0.0");
  });

  test("bars are proportional to the longest stay", () => {
    expect(barWidths([{ days: 3 }, { days: 4.5 }, { days: 1.5 }])).toEqual([66.7, 100, 33.3]);
    expect(barWidths([{ days: 10 }])).toEqual([100]);
  });

  test("a short stay keeps a sliver, a stay of nothing none", () => {
    expect(barWidths([{ days: 0.1 }, { days: 200 }, { days: 0 }])).toEqual([1, 100, 0]);
  });

  test("when nothing took time, no bar has width", () => {
    expect(barWidths([{ days: 0 }, { days: 0 }])).toEqual([0, 0]);
    expect(barWidths([])).toEqual([]);
  });

  test("the current stage is the one not left", () => {
    expect(isCurrent({ left_at: null })).toBe(true);
    expect(isCurrent({ left_at: "2026-12-07T18:06:03+08:00" })).toBe(false);
  });
});
