import { describe, expect, test } from "vitest";
import { ApiError, explainProblem, problemMessage } from "./api";

describe("refusals in a feature's words", () => {
  test("a code a feature explains reads in its words; others keep the server's detail", () => {
    explainProblem("test_locked", (problem) => `locked by ${String(problem.approval_id)}`);
    const locked = new ApiError({ status: 409, code: "test_locked", detail: "the record is awaiting approval (a1)", approval_id: "a1" });
    expect(locked.message).toBe("locked by a1");
    expect(problemMessage(locked, "fallback")).toBe("locked by a1");
    const other = new ApiError({ status: 409, code: "conflict", detail: "decided already" });
    expect(other.message).toBe("decided already");
    expect(problemMessage(new Error("x"), "fallback")).toBe("fallback");
  });
});
