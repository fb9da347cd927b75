import { describe, expect, test } from "vitest";
import { dropIndex, END, flowEdges, flowNodes, ROW, START, stepKeyOf, stepNodeId } from "./flow";
import { grouped } from "./summary";
import {
  checkDraft,
  insertStep,
  moveStep,
  newStep,
  placeServerErrors,
  processBody,
  processDraft,
  removeStep,
  stepProblems,
  type Process,
  type StepDraft,
} from "./process";

const PROCESS: Process = {
  id: "p1",
  object: "contract",
  name: { en: "Contract approval", "zh-CN": "合同审批" },
  entry_condition: { field: "status", op: "eq", value: "draft" },
  steps: [
    { name: { en: "Manager", "zh-CN": "直属经理" }, approvers: [{ type: "manager", levels: 1 }], mode: "sequential" },
    {
      name: { "zh-CN": "财务" },
      condition: { and: [{ field: "amount", op: "gt", value: "1000000" }, { not: { field: "status", op: "eq", value: "x" } }] },
      approvers: [{ type: "user", id: "u-qian" }],
      mode: "any",
    },
  ],
  on_approve: [{ type: "update_fields", values: { status: "active" } }],
  on_reject: [{ type: "webhook", webhook_id: "w1" }],
  active: true,
  position: 0,
  version: 3,
  updated_at: "2026-12-07T10:00:00+08:00",
};

function named(zh: string, en = ""): StepDraft {
  return { ...newStep(1), name_zh: zh, name_en: en, approvers: [{ type: "department_head" }] };
}

describe("a process as the designer edits it", () => {
  test("goes back to the same body it was read from, deeper conditions and other actions kept", () => {
    const draft = processDraft(PROCESS);
    expect(draft.steps.map((s) => s.name_zh)).toEqual(["直属经理", "财务"]);
    expect(draft.steps[1]?.condition.model).toBeNull(); // a "not" the builder does not draw
    expect(draft.on_approve.updates).toEqual([{ field: "status", value: "active" }]);
    expect(draft.on_reject.kept).toEqual(PROCESS.on_reject);
    expect(processBody(draft, false)).toEqual({
      name: PROCESS.name,
      entry_condition: PROCESS.entry_condition,
      steps: PROCESS.steps,
      on_approve: PROCESS.on_approve,
      on_reject: PROCESS.on_reject,
      active: true,
    });
    expect(processBody(draft, true)).toMatchObject({ object: "contract" });
  });

  test("a step without a condition sends none, and an emptied outcome sends an empty list", () => {
    const draft = processDraft(null, "contract");
    draft.name_zh = " 合同审批 ";
    draft.steps = [{ ...newStep(0), name_en: "Manager" }];
    const body = processBody(draft, true);
    expect(body).toMatchObject({ name: { "zh-CN": "合同审批" }, entry_condition: null, on_approve: [], on_reject: [] });
    expect(body.steps).toEqual([{ name: { en: "Manager" }, approvers: [{ type: "manager", levels: 1 }], mode: "sequential" }]);
  });
});

describe("the order of steps", () => {
  const a = named("甲"),
    b = named("乙"),
    c = named("丙");

  test("a step is inserted where its edge is, removed, and moved", () => {
    const added = named("新");
    expect(insertStep([a, b], 1, added).map((s) => s.name_zh)).toEqual(["甲", "新", "乙"]);
    expect(insertStep([a, b], 9, added).map((s) => s.name_zh)).toEqual(["甲", "乙", "新"]);
    expect(removeStep([a, b, c], b.key).map((s) => s.name_zh)).toEqual(["甲", "丙"]);
    expect(moveStep([a, b, c], c.key, 0).map((s) => s.name_zh)).toEqual(["丙", "甲", "乙"]);
    expect(moveStep([a, b, c], a.key, 2).map((s) => s.name_zh)).toEqual(["乙", "丙", "甲"]);
    expect(moveStep([a, b], "nobody", 0)).toEqual([a, b]);
  });

  test("the canvas draws start, the steps in order and end, one edge each offering its insert place", () => {
    const nodes = flowNodes([a, b], new Map([[b.key, 2]]), a.key);
    expect(nodes.map((n) => n.id)).toEqual([START, stepNodeId(a.key), stepNodeId(b.key), END]);
    const ys = nodes.map((n) => n.position.y);
    expect([...ys].sort((x, y) => x - y)).toEqual(ys);
    const second = nodes[2];
    expect(second?.type === "step" && second.data).toMatchObject({ index: 1, count: 2, problems: 2, selected: false });
    expect(nodes[1]?.selected).toBe(true);
    const edges = flowEdges([a, b]);
    expect(edges.map((e) => [e.source, e.target, e.data?.insertAt])).toEqual([
      [START, stepNodeId(a.key), 0],
      [stepNodeId(a.key), stepNodeId(b.key), 1],
      [stepNodeId(b.key), END, 2],
    ]);
    expect(flowEdges([]).map((e) => [e.source, e.target])).toEqual([[START, END]]);
    expect(stepKeyOf(stepNodeId(b.key))).toBe(b.key);
    expect(stepKeyOf(START)).toBeNull();
  });

  test("a node dropped is placed at the nearest row, within the list", () => {
    expect(dropIndex(3, ROW * 1)).toBe(0);
    expect(dropIndex(3, ROW * 3 + 20)).toBe(2);
    expect(dropIndex(3, ROW * 2.4)).toBe(1);
    expect(dropIndex(3, -500)).toBe(0);
    expect(dropIndex(3, ROW * 40)).toBe(2);
  });
});

describe("checks before publishing", () => {
  test("names, unique step names and an approver per step are asked for, each on its step", () => {
    const draft = processDraft(null, "contract");
    expect(checkDraft(draft).map((p) => p.code)).toEqual(["nameRequired", "stepsRequired"]);
    const first = named("经理", "Manager");
    const twin = named("", "manager");
    const empty = { ...newStep(2), approvers: [] };
    const half = { ...named("财务"), approvers: [{ type: "user" as const, id: "" }] };
    draft.name_en = "Contracts";
    draft.steps = [first, twin, empty, half];
    expect(checkDraft(draft)).toEqual([
      { step: twin.key, field: "name", code: "stepNameTaken" },
      { step: empty.key, field: "name", code: "stepNameRequired" },
      { step: empty.key, field: "approvers", code: "approversRequired" },
      { step: half.key, field: "approvers", code: "approverIncomplete" },
    ]);
    draft.steps = [first];
    expect(checkDraft(draft)).toEqual([]);
  });

  test("the server's refusal lands on the step and field it names", () => {
    const a = named("甲"),
      b = named("乙");
    const placed = placeServerErrors(
      [
        { field: "steps[1].approvers[0].id", message: "no active user with this id" },
        { field: "steps[0].condition.amount", message: "no field amount" },
        { field: "steps[7].approvers", message: "beyond the steps drawn" },
        { field: "entry_condition.region", message: "no field region" },
      ],
      [a, b],
    );
    expect(placed).toEqual([
      { step: b.key, field: "approvers", code: null, message: "no active user with this id" },
      { step: a.key, field: "condition", code: null, message: "no field amount" },
      { step: null, field: "steps", code: null, message: "beyond the steps drawn" },
      { step: null, field: "entry_condition", code: null, message: "no field region" },
    ]);
    expect([...stepProblems(placed, b.key).keys()]).toEqual(["approvers"]);
    expect(stepProblems(placed, "other").size).toBe(0);
  });
});

describe("amounts on a node", () => {
  test("are grouped by thousands, decimals kept as typed", () => {
    expect(grouped("1000000")).toBe("1,000,000");
    expect(grouped("-1234567.505")).toBe("-1,234,567.505");
    expect(grouped("999")).toBe("999");
  });
});
