/**
 * What a module's web part adds to the generic record page of its objects, without the
 * page knowing any object by name: main actions in the highlights panel (a dialog the
 * action opens, or a link), a notice above the record, and whether a record is read-only
 * whatever the user's rights (e.g. a converted lead). Modules register at start-up
 * (`src/modules/index.ts`); their dialogs are lazy components, loaded when first opened.
 */
import type { ComponentType } from "react";
import type { ObjectDef } from "./meta";
import type { RecordData } from "./records";

/** What a dialog contributed by a module is given; it calls `onClose` when done. */
export interface ActionDialogProps {
  object: ObjectDef;
  record: RecordData;
  onClose: () => void;
}

export interface NoticeProps {
  object: ObjectDef;
  record: RecordData;
}

/** What an action's `visible` and `href` are told about where they are. */
export interface ActionContext {
  /** Whether the user may change the record (rights, and not made read-only). */
  mayUpdate: boolean;
  /** The interface language ("zh-CN" or "en"). */
  language: string;
}

interface ActionBase {
  /** Unique within the object. */
  key: string;
  /** An i18n key (present in both catalogues). */
  label: string;
  icon?: ComponentType;
  /** Shown only when this says so (default: always). */
  visible?: (record: RecordData, context: ActionContext) => boolean;
  /** The primary action is drawn as the highlighted button (one per page at most). */
  primary?: boolean;
}

export interface DialogAction extends ActionBase {
  dialog: ComponentType<ActionDialogProps>;
  /** A value of the record's stage path this action performs: clicking that step opens
   * the dialog instead of setting the value (a lead becomes "converted" by converting). */
  stage?: string;
}

export interface LinkAction extends ActionBase {
  /** Opened in a new tab (downloads, documents). */
  href: (record: RecordData, context: ActionContext) => string;
}

export type RecordAction = DialogAction | LinkAction;

export interface RecordExtension {
  object: string;
  actions?: RecordAction[];
  /** Drawn between the highlights panel and the rest of the page, e.g. a status banner. */
  notice?: ComponentType<NoticeProps>;
  /** True when the record may not be changed any more (Edit, in-place edits and the
   * stage path are withheld; delete still follows the user's rights). */
  readOnly?: (record: RecordData) => boolean;
  /** Stage-path values that are alternative outcomes (won / lost): a record at one is
   * not shown as having passed the others. */
  stageEnds?: string[];
}

const registry = new Map<string, RecordExtension[]>();

/** Add a module's contributions for one object (several modules may add to one object). */
export function registerRecordExtension(extension: RecordExtension): void {
  const list = registry.get(extension.object) ?? [];
  const taken = new Set(list.flatMap((e) => e.actions ?? []).map((a) => a.key));
  for (const action of extension.actions ?? []) {
    if (taken.has(action.key)) throw new Error(`${extension.object}: the action ${action.key} is registered twice`);
    taken.add(action.key);
  }
  registry.set(extension.object, [...list, extension]);
}

export function isDialogAction(action: RecordAction): action is DialogAction {
  return "dialog" in action;
}

/** What the record page shows for one record of `object`. */
export interface RecordExtras {
  actions: RecordAction[];
  notices: ComponentType<NoticeProps>[];
  readOnly: boolean;
  /** Stage values performed by an action instead of a plain change. */
  stageActions: Map<string, DialogAction>;
  stageEnds: string[];
}

export function recordExtras(object: string, record: RecordData, context: ActionContext): RecordExtras {
  const extensions = registry.get(object) ?? [];
  const readOnly = extensions.some((e) => e.readOnly?.(record) ?? false);
  const effective = { ...context, mayUpdate: context.mayUpdate && !readOnly };
  const actions = extensions.flatMap((e) => e.actions ?? []).filter((a) => a.visible?.(record, effective) ?? true);
  const stageActions = new Map<string, DialogAction>();
  for (const action of actions) if (isDialogAction(action) && action.stage) stageActions.set(action.stage, action);
  return {
    actions,
    notices: extensions.flatMap((e) => (e.notice ? [e.notice] : [])),
    readOnly,
    stageActions,
    stageEnds: extensions.flatMap((e) => e.stageEnds ?? []),
  };
}

/** Every registered action (for tests: each label must be in both catalogues). */
export function allRecordActions(): { object: string; action: RecordAction }[] {
  return [...registry.entries()].flatMap(([object, list]) => list.flatMap((e) => (e.actions ?? []).map((action) => ({ object, action }))));
}

/** Forget every registration (tests only). */
export function clearRecordExtensions(): void {
  registry.clear();
}
