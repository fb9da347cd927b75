import { describe, expect, test } from "vitest";
import i18n from "../../lib/i18n";
import { approvalRequest as request, person } from "../../test/approvals";
import { mayDo, trailText } from "./RequestDrawer";
import { chosenFiles, fileProblems } from "./request";

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

describe("the trail in words", () => {
  const t = i18n.getFixedT("en");
  const at = "2026-12-07T10:00:00+08:00";
  const step = { index: 1, name: { en: "Finance", "zh-CN": "财务审批" } };

  test("says whom an approver acted for, and where a rejection sent the request", () => {
    const acted = { action: "approved", approval_id: "r1", comment: null, at, actor: person("钱财务"), step, original_approver: person("李总监") };
    expect(trailText(acted, t, "en")).toBe("钱财务 approved “Finance” for 李总监");
    const own = { ...acted, original_approver: person("钱财务") };
    expect(trailText(own, t, "en")).toBe("钱财务 approved “Finance”");
    const back = { ...own, action: "rejected", to_step: 0 };
    expect(trailText(back, t, "en")).toBe("钱财务 rejected “Finance” (back to step 1)");
  });

  test("a reassignment and a delegation name both people once; an unknown action still shows", () => {
    const moved = { action: "reassigned", approval_id: "r1", comment: null, at, actor: person("李总监"), step, original_approver: person("李总监"), to_user: person("陈总") };
    expect(trailText(moved, t, "en")).toBe("李总监 handed “Finance” to 陈总");
    const away = { ...moved, action: "delegated", actor: person("张伟"), to_user: person("钱财务") };
    expect(trailText(away, t, "en")).toBe("李总监 is away: “Finance” went to their delegate 钱财务");
    expect(trailText({ ...moved, action: "escalated" }, t, "en")).toBe("escalated");
    expect(trailText({ action: "request_approved", approval_id: "r1", comment: null, at, actor: null }, i18n.getFixedT("zh-CN"), "zh-CN")).toBe("审批通过");
  });
});

describe("files on a decision", () => {
  const stored = (id: string, name: string) => ({ id, name, content_type: "application/pdf", size: 10 });
  const files = [
    { uid: "u1", name: "付款条件.pdf", status: "done" as const, response: stored("f1", "付款条件.pdf") },
    { uid: "u2", name: "removed.pdf", status: "removed" as const, response: stored("f2", "removed.pdf") },
    { uid: "u3", name: "报价单.xlsx", status: "done" as const, response: stored("f3", "报价单.xlsx") },
  ];

  test("sends the uploaded files' ids in the order chosen; waits for one on its way; refuses to drop a failed one", () => {
    const chosen = chosenFiles(files);
    expect(chosen.ids).toEqual(["f1", "f3"]);
    expect(chosen.sent.map((f) => f.uid)).toEqual(["u1", "u3"]);
    expect([chosen.uploading, chosen.failed]).toEqual([false, false]);
    expect(chosenFiles([...files, { uid: "u4", name: "big.zip", status: "uploading" as const }]).uploading).toBe(true);
    expect(chosenFiles([...files, { uid: "u5", name: "bad.exe", status: "error" as const }]).failed).toBe(true);
    expect(chosenFiles([])).toEqual({ sent: [], ids: [], uploading: false, failed: false });
  });

  test("a refusal of attachment_ids[i] lands on the i-th file sent, by name; other problems stay apart", () => {
    const { sent } = chosenFiles(files);
    const { byFile, rest } = fileProblems(
      [
        { field: "attachment_ids[1]", code: "unknown", message: "no file or attachment of this record you may use" },
        { field: "comment", code: "required", message: "is required" },
        { field: "attachment_ids[7]", code: "unknown", message: "out of range" },
      ],
      sent,
    );
    expect([...byFile]).toEqual([["u3", "报价单.xlsx: no file or attachment of this record you may use"]]);
    expect(rest.map((p) => p.field)).toEqual(["comment", "attachment_ids[7]"]);
  });
});
