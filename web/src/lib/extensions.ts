/**
 * What a module's web part adds to the generic screens without the screens knowing any
 * object by name. On the record page of its objects: main actions in the highlights panel
 * (a dialog the action opens, or a link), a notice above the record, a summary above the
 * tabs, tabs of its own, and whether a record is read-only whatever the user's rights
 * (e.g. a converted lead). Beside the records: pages of its own, with their place in the
 * navigation. Modules register at start-up (`src/modules/index.ts`); their dialogs, panels
 * and pages are lazy components, loaded when first shown.
 */
import type { ComponentType } from "react";
import type { Me } from "./session";
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

/** What a module's summary or tab on a record page is given. */
export interface PanelProps {
  object: ObjectDef;
  record: RecordData;
  /** Whether the user may change the record (rights, and not made read-only). */
  mayUpdate: boolean;
  /** Call after changing the record or what hangs off it: the page reloads the record. */
  onChanged: () => void;
}

/** A tab a module adds to the record page. */
export interface RecordTab {
  key: string;
  /** An i18n key (present in both catalogues). */
  label: string;
  component: ComponentType<PanelProps>;
  /** Drawn before the generic tabs and opened first (the record's main work, e.g. a
   * contract's instalments and payments). */
  first?: boolean;
  visible?: (record: RecordData) => boolean;
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

/** The object name that registers an extension for every object (a platform feature's,
 * e.g. approvals), drawn after the object's own. */
export const EVERY_OBJECT = "*";

export interface RecordExtension {
  /** An object's name, or EVERY_OBJECT. */
  object: string;
  actions?: RecordAction[];
  /** Drawn among the main actions, for actions only the server can say are open (submit
   * for approval): the component asks, and draws its buttons and dialogs itself. */
  toolbar?: ComponentType<PanelProps>;
  /** Drawn between the highlights panel and the rest of the page, e.g. a status banner. */
  notice?: ComponentType<NoticeProps>;
  /** True when the record may not be changed any more (Edit, in-place edits and the
   * stage path are withheld; delete still follows the user's rights). */
  readOnly?: (record: RecordData) => boolean;
  /** Stage-path values that are alternative outcomes (won / lost): a record at one is
   * not shown as having passed the others. */
  stageEnds?: string[];
  /** Drawn above the tabs, e.g. an account's totals as cards. */
  summary?: ComponentType<PanelProps>;
  tabs?: RecordTab[];
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
  summaries: ComponentType<PanelProps>[];
  tabs: RecordTab[];
  toolbars: ComponentType<PanelProps>[];
}

export function recordExtras(object: string, record: RecordData, context: ActionContext): RecordExtras {
  const extensions = [...(registry.get(object) ?? []), ...(object === EVERY_OBJECT ? [] : (registry.get(EVERY_OBJECT) ?? []))];
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
    summaries: extensions.flatMap((e) => (e.summary ? [e.summary] : [])),
    tabs: extensions.flatMap((e) => e.tabs ?? []).filter((tab) => tab.visible?.(record) ?? true),
    toolbars: extensions.flatMap((e) => (e.toolbar ? [e.toolbar] : [])),
  };
}

/** Every registered action (for tests: each label must be in both catalogues). */
export function allRecordActions(): { object: string; action: RecordAction }[] {
  return [...registry.entries()].flatMap(([object, list]) => list.flatMap((e) => (e.actions ?? []).map((action) => ({ object, action }))));
}

/** A page of a module's own (a forecast, the customer pools), beside the record screens. */
export interface ModulePage {
  /** Below the root, without a leading slash: "sales/forecast". Unique. */
  path: string;
  /** An i18n key (present in both catalogues): the navigation entry's label. */
  label: string;
  icon?: ComponentType;
  component: ComponentType;
  /** "records" (default): in the navigation group of the module's objects; "settings":
   * in the Settings group; "main": right after Home, work of one's own across objects
   * (My approvals). */
  group?: "records" | "settings" | "main";
  /** The module whose navigation group it joins (as objects' `module`). */
  module: string;
  /** Shown in the navigation only when this says so (default: always); the page itself
   * answers with what the server allows. */
  visible?: (me: Me) => boolean;
}

const pages = new Map<string, ModulePage>();

export function registerPage(page: ModulePage): void {
  if (pages.has(page.path)) throw new Error(`the page ${page.path} is registered twice`);
  pages.set(page.path, page);
}

/** Every module page, in the order registered. */
export function modulePages(): ModulePage[] {
  return [...pages.values()];
}

/** Every registered action and page label (for tests: each must be in both catalogues). */
export function allLabels(): string[] {
  return [
    ...allRecordActions().map(({ action }) => action.label),
    ...[...registry.values()].flatMap((list) => list.flatMap((e) => (e.tabs ?? []).map((tab) => tab.label))),
    ...modulePages().map((page) => page.label),
  ];
}

/** Forget every registration (tests only). */
export function clearRecordExtensions(): void {
  registry.clear();
  pages.clear();
}
