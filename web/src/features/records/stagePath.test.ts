import { describe, expect, test } from "vitest";
import type { FieldDef, ObjectDef } from "../../lib/meta";
import { askableFields, stageField, stageSteps } from "./stagePath";

function picklist(name: string, values: string[], extra: Partial<FieldDef> = {}): FieldDef {
  return {
    name,
    type: "picklist",
    label: { en: name },
    help: null,
    required: false,
    unique: false,
    indexed: true,
    searchable: false,
    default: null,
    position: 0,
    standard: true,
    archived: false,
    options: values.map((value) => ({ value, label: { en: value }, color: null, active: true })),
    ...extra,
  };
}

function object(fields: FieldDef[]): ObjectDef {
  return { name: "x", label: { en: "X" }, plural_label: { en: "Xs" }, description: null, name_field: "name", standard: true, module: null, fields };
}

const STAGES = ["prospecting", "proposal", "won", "lost"];

describe("the stage path", () => {
  test("is drawn for an indexed picklist named stage, preferred to status", () => {
    const o = object([picklist("status", ["a", "b", "c"]), picklist("stage", STAGES)]);
    expect(stageField(o)?.name).toBe("stage");
    expect(stageField(object([picklist("status", ["new", "working", "converted"])]))?.name).toBe("status");
  });

  test("is not drawn for other picklists, unindexed ones or those with under three options", () => {
    expect(stageField(object([picklist("kind", STAGES)]))).toBeUndefined();
    expect(stageField(object([picklist("stage", STAGES, { indexed: false })]))).toBeUndefined();
    expect(stageField(object([picklist("stage", ["open", "closed"])]))).toBeUndefined();
    expect(stageField(object([picklist("stage", STAGES, { type: "multi_picklist" })]))).toBeUndefined();
  });

  test("marks the steps before the current one done", () => {
    expect(stageSteps(picklist("stage", STAGES), "won").map((s) => s.state)).toEqual(["done", "done", "current", "todo"]);
    expect(stageSteps(picklist("stage", STAGES), null).map((s) => s.state)).toEqual(["todo", "todo", "todo", "todo"]);
  });

  test("does not count the other outcome as passed", () => {
    const ends = ["won", "lost"];
    expect(stageSteps(picklist("stage", STAGES), "lost", ends).map((s) => s.state)).toEqual(["done", "done", "todo", "current"]);
    expect(stageSteps(picklist("stage", STAGES), "proposal", ends).map((s) => s.state)).toEqual(["done", "current", "todo", "todo"]);
  });

  test("leaves retired options out unless the record is at one", () => {
    const field = picklist("stage", STAGES);
    field.options = field.options?.map((o) => (o.value === "proposal" ? { ...o, active: false } : o));
    expect(stageSteps(field, "won").map((s) => s.value)).toEqual(["prospecting", "won", "lost"]);
    expect(stageSteps(field, "proposal").map((s) => s.value)).toEqual(STAGES);
  });

  test("asks only for writable fields a refusal names, never the stage itself", () => {
    const o = object([
      picklist("stage", STAGES),
      picklist("lost_reason", ["price", "other", "timing"], { editable: { create: true, update: true } }),
      picklist("forecast", ["a", "b", "c"], { editable: { create: false, update: false } }),
    ]);
    expect(askableFields(o, "stage", ["stage", "lost_reason", "forecast", "nope"]).map((f) => f.name)).toEqual(["lost_reason"]);
  });
});
