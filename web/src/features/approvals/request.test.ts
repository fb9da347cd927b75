import { describe, expect, test } from "vitest";
import type { ApprovalRequest } from "./api";
import { mayDo } from "./RequestDrawer";

const person = (id: string) => ({ id, name: id });

function request(change: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    id: "r1",
    process_id: "p1",
    object: "contract",
    object_label: null,
    record_id: "c1",
    record_name: "年度框架合同",
    state: "pending",
    step: 1,
    steps: [],
    tasks: [
      { id: "t0", step: 0, approver: person("zhou"), original_approver: person("zhou"), state: "approved", comment: null, acted_at: "2026-12-07T10:00:00+08:00" },
      { id: "t1", step: 1, approver: person("qian"), original_approver: person("li"), state: "pending", comment: null, acted_at: null },
      { id: "t2", step: 1, approver: person("chen"), original_approver: person("chen"), state: "waiting", comment: null, acted_at: null },
    ],
    submitted_by: person("zhang"),
    submitted_at: "2026-12-07T09:00:00+08:00",
    decided_at: null,
    trail: [],
    ...change,
  };
}

describe("what a user may do with a request", () => {
  test("the approver holding the current step decides or hands it on; the submitter recalls", () => {
    expect(mayDo(request(), "qian")).toEqual(["approve", "reject", "reassign"]);
    expect(mayDo(request(), "zhang")).toEqual(["recall"]);
  });

  test("nobody else, nor a later approver still waiting, nor one whose step is over", () => {
    expect(mayDo(request(), "chen")).toEqual([]); // sequential: waits for qian
    expect(mayDo(request(), "zhou")).toEqual([]); // decided step 0 already
    expect(mayDo(request(), "li")).toEqual([]); // handed the decision to qian
    expect(mayDo(request(), undefined)).toEqual([]);
  });

  test("a request that ended offers nothing", () => {
    for (const state of ["approved", "rejected", "recalled"] as const) {
      expect(mayDo(request({ state }), "qian")).toEqual([]);
      expect(mayDo(request({ state }), "zhang")).toEqual([]);
    }
  });
});
