import { describe, expect, test } from "vitest";
import { formatCount, formatDateTime, formatMoney, formatPhone, groupDecimal } from "./format";

describe("formatting", () => {
  test("amounts keep every digit and get thousands separators", () => {
    expect(formatMoney("1250000", "CNY")).toBe("¥1,250,000.00");
    expect(formatMoney("-98765432109876543.21", "USD")).toBe("-$98,765,432,109,876,543.21");
    expect(groupDecimal("1234.5", 3)).toBe("1,234.500");
    expect(groupDecimal("999")).toBe("999");
  });

  test("times show the wall clock the server rendered in the user's zone", () => {
    expect(formatDateTime("2026-12-07T11:32:28.29+08:00")).toBe("2026-12-07 11:32");
  });

  test("Chinese mobile numbers are grouped 3-4-4", () => {
    expect(formatPhone("+8613800138000")).toBe("+86 138 0013 8000");
    expect(formatPhone("+14155550100")).toBe("+14155550100");
  });

  test("a capped count says it is at least that", () => {
    expect(formatCount(1000, true)).toBe("1,000+");
    expect(formatCount(12, false)).toBe("12");
  });
});
