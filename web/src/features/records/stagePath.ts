/** Which field a record page draws as a stage path, and its steps. */
import type { FieldDef, ObjectDef } from "../../lib/meta";

/** Field names drawn as a stage path, in order of preference. */
export const STAGE_FIELD_NAMES = ["stage", "status"] as const;

/** The object's stage field: an indexed, single-choice picklist named `stage` (else
 * `status`) with at least three active options. Administrators opt an object in or out
 * by naming and indexing the field; nothing is decided per object name. */
export function stageField(object: ObjectDef): FieldDef | undefined {
  for (const name of STAGE_FIELD_NAMES) {
    const field = object.fields.find((f) => f.name === name && !f.archived);
    if (field?.type === "picklist" && field.indexed && (field.options ?? []).filter((o) => o.active).length >= 3) return field;
  }
  return undefined;
}

export type StepState = "done" | "current" | "todo";

export interface Step {
  value: string;
  state: StepState;
}

/** The active options as steps: those before the current value done, the current one
 * marked. An inactive current value (retired since) still shows where the record is.
 * `ends` are alternative outcomes (won / lost): a record at one did not pass the others. */
export function stageSteps(field: FieldDef, current: unknown, ends: readonly string[] = []): Step[] {
  const options = (field.options ?? []).filter((o) => o.active || o.value === current);
  const at = options.findIndex((o) => o.value === current);
  return options.map((o, index) => ({
    value: o.value,
    state: index === at ? "current" : at >= 0 && index < at && !ends.includes(o.value) ? "done" : "todo",
  }));
}

/** The fields a refused move names that the user can fill in: known, not the stage
 * itself, and writable. Empty when the refusal is about something else. */
export function askableFields(object: ObjectDef, stage: string, named: string[]): FieldDef[] {
  const out: FieldDef[] = [];
  for (const name of named) {
    const field = object.fields.find((f) => f.name === name && !f.archived);
    if (field && name !== stage && field.editable?.update !== false && !out.includes(field)) out.push(field);
  }
  return out;
}
