/** An approval request for unit tests: pending at step 1, which 钱 holds for 李 while 陈 waits
 * his turn; submitted by 张. */
import type { ApprovalRequest } from "../features/approvals/api";

export const person = (id: string) => ({ id, name: id });

export function approvalRequest(change: Partial<ApprovalRequest> = {}): ApprovalRequest {
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
