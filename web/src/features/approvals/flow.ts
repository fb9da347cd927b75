/** The canvas as a view of the ordered steps (ADR 0034): Start, the steps top to bottom,
 * End, joined by edges that each offer "+" (a step inserted there). Nothing on the canvas
 * is stored: positions come from the order, and a node dropped elsewhere changes the order. */
import type { Edge, Node } from "@xyflow/react";
import type { StepDraft } from "./process";

export const START = "start";
export const END = "end";
/** Vertical distance between node tops, and the step node's size, in canvas pixels. */
export const ROW = 150;
export const STEP_WIDTH = 280;
export const STEP_HEIGHT = 104;
const TERMINAL = 44;

export type StepNodeData = { step: StepDraft; index: number; count: number; problems: number; selected: boolean };
export type TerminalData = { kind: "start" | "end" };
export type StepNode = Node<StepNodeData, "step">;
export type TerminalNode = Node<TerminalData, "terminal">;
export type FlowNode = StepNode | TerminalNode;
/** `insertAt`: the index a step added on this edge gets. */
export type InsertEdge = Edge<{ insertAt: number }, "insert">;

export function stepNodeId(key: string): string {
  return `step:${key}`;
}

/** Which step a node id names (null for Start and End). */
export function stepKeyOf(nodeId: string): string | null {
  return nodeId.startsWith("step:") ? nodeId.slice(5) : null;
}

function rowY(row: number): number {
  return row * ROW;
}

/** Start, the steps in order and End, one column, each centred on x = 0. */
export function flowNodes(steps: readonly StepDraft[], problems: ReadonlyMap<string, number>, selected: string | null): FlowNode[] {
  const terminal = (kind: "start" | "end", row: number): TerminalNode => ({
    id: kind === "start" ? START : END,
    type: "terminal",
    position: { x: -TERMINAL, y: rowY(row) + (STEP_HEIGHT - TERMINAL) / 2 },
    data: { kind },
    draggable: false,
    selectable: false,
    deletable: false,
  });
  return [
    terminal("start", 0),
    ...steps.map(
      (step, index): StepNode => ({
        id: stepNodeId(step.key),
        type: "step",
        position: { x: -STEP_WIDTH / 2, y: rowY(index + 1) },
        data: { step, index, count: steps.length, problems: problems.get(step.key) ?? 0, selected: selected === step.key },
        selected: selected === step.key,
        deletable: false,
      }),
    ),
    terminal("end", steps.length + 1),
  ];
}

/** An edge between each node and the next; a step added on edge i becomes step i. */
export function flowEdges(steps: readonly StepDraft[]): InsertEdge[] {
  const ids = [START, ...steps.map((s) => stepNodeId(s.key)), END];
  return ids.slice(1).map((target, index) => ({
    id: `edge:${String(index)}`,
    source: ids[index] ?? START,
    target,
    type: "insert",
    data: { insertAt: index },
    deletable: false,
    selectable: false,
  }));
}

/** The index a step dropped with its top at `y` takes among the others: the rows are the
 * order, so the nearest row wins (above the first: first; below the last: last). */
export function dropIndex(count: number, y: number): number {
  const row = Math.round(y / ROW) - 1;
  return Math.max(0, Math.min(count - 1, row));
}
