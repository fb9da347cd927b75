import dayjs from "dayjs";
import { describe, expect, it } from "vitest";
import { delegationBody } from "./DelegationCard";

describe("a delegation's days", () => {
  it("runs from the first day's start to the last day's end, sent as instants", () => {
    const first = dayjs(new Date(2026, 11, 24, 15, 30));
    const last = dayjs(new Date(2026, 11, 31, 9, 0));
    const body = delegationBody("u-1", [first, last]);
    expect(body.delegate_id).toBe("u-1");
    expect(new Date(body.starts_at).getTime()).toBe(new Date(2026, 11, 24, 0, 0, 0, 0).getTime());
    expect(new Date(body.ends_at).getTime()).toBe(new Date(2026, 11, 31, 23, 59, 59, 999).getTime());
    expect(body.starts_at.endsWith("Z")).toBe(true);
  });
});
