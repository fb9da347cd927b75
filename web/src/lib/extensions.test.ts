import { afterEach, describe, expect, test } from "vitest";
import {
  allLabels,
  allRecordActions,
  clearRecordExtensions,
  EVERY_OBJECT,
  modulePages,
  recordExtras,
  registerPage,
  registerRecordExtension,
  type ActionDialogProps,
  type PanelProps,
} from "./extensions";
import type { RecordData } from "./records";

const Dialog = (_: ActionDialogProps) => null;

function record(values: Record<string, unknown>): RecordData {
  return { id: "r1", version: 1, created_at: "", created_by_id: null, updated_at: "", updated_by_id: null, owner_id: null, ...values };
}

const editor = { mayUpdate: true, language: "en" };

afterEach(() => clearRecordExtensions());

describe("record extensions", () => {
  test("an object without registrations gets nothing and stays editable", () => {
    const extras = recordExtras("account", record({}), editor);
    expect(extras.actions).toEqual([]);
    expect(extras.notices).toEqual([]);
    expect(extras.readOnly).toBe(false);
  });

  test("actions show for their object only, filtered by their own rule", () => {
    registerRecordExtension({
      object: "lead",
      actions: [{ key: "convert", label: "sales.convert", dialog: Dialog, visible: (r, c) => c.mayUpdate && r.status !== "converted" }],
    });
    expect(recordExtras("lead", record({ status: "new" }), editor).actions.map((a) => a.key)).toEqual(["convert"]);
    expect(recordExtras("lead", record({ status: "new" }), { ...editor, mayUpdate: false }).actions).toEqual([]);
    expect(recordExtras("lead", record({ status: "converted" }), editor).actions).toEqual([]);
    expect(recordExtras("contact", record({ status: "new" }), editor).actions).toEqual([]);
  });

  test("a read-only record hides actions that need the right to change it", () => {
    registerRecordExtension({
      object: "lead",
      readOnly: (r) => r.status === "converted",
      actions: [
        { key: "convert", label: "sales.convert", dialog: Dialog, visible: (_, c) => c.mayUpdate },
        { key: "print", label: "sales.downloadPdf", href: (r) => `/print/${r.id}` },
      ],
    });
    const extras = recordExtras("lead", record({ status: "converted" }), editor);
    expect(extras.readOnly).toBe(true);
    expect(extras.actions.map((a) => a.key)).toEqual(["print"]);
  });

  test("a stage value performed by an action maps to that action while it is visible", () => {
    registerRecordExtension({
      object: "lead",
      actions: [{ key: "convert", label: "sales.convert", dialog: Dialog, stage: "converted", visible: (_, c) => c.mayUpdate }],
    });
    expect(recordExtras("lead", record({}), editor).stageActions.get("converted")?.key).toBe("convert");
    expect(recordExtras("lead", record({}), { ...editor, mayUpdate: false }).stageActions.size).toBe(0);
  });

  test("several modules add to one object; an action key is taken once", () => {
    registerRecordExtension({ object: "quote", actions: [{ key: "pdf", label: "a", href: () => "/a" }] });
    registerRecordExtension({ object: "quote", actions: [{ key: "send", label: "b", href: () => "/b" }] });
    expect(recordExtras("quote", record({}), editor).actions.map((a) => a.key)).toEqual(["pdf", "send"]);
    expect(() => registerRecordExtension({ object: "quote", actions: [{ key: "pdf", label: "c", href: () => "/c" }] })).toThrow(/twice/);
    expect(allRecordActions().map((a) => `${a.object}.${a.action.key}`)).toEqual(["quote.pdf", "quote.send"]);
  });

  test("tabs show for their object when their rule says so; summaries always", () => {
    const Panel = (_: PanelProps) => null;
    registerRecordExtension({
      object: "contract",
      summary: Panel,
      tabs: [
        { key: "payments", label: "sales.payments", component: Panel, first: true },
        { key: "renewal", label: "sales.renewal", component: Panel, visible: (r) => r.status === "active" },
      ],
    });
    expect(recordExtras("contract", record({ status: "draft" }), editor).tabs.map((tab) => tab.key)).toEqual(["payments"]);
    expect(recordExtras("contract", record({ status: "active" }), editor).tabs.map((tab) => tab.key)).toEqual(["payments", "renewal"]);
    expect(recordExtras("contract", record({}), editor).summaries).toEqual([Panel]);
    expect(recordExtras("account", record({}), editor).tabs).toEqual([]);
  });

  test("pages are registered once each, and their labels are listed for the catalogue check", () => {
    const Page = () => null;
    registerPage({ path: "sales/forecast", label: "sales.forecast", component: Page, module: "sales" });
    expect(() => registerPage({ path: "sales/forecast", label: "x", component: Page, module: "sales" })).toThrow(/twice/);
    expect(modulePages().map((p) => p.path)).toEqual(["sales/forecast"]);
    expect(allLabels()).toEqual(["sales.forecast"]);
  });

  test("an extension for every object joins each object's own, after them", () => {
    const Own = (_: PanelProps) => null;
    const Everyone = (_: PanelProps) => null;
    const Notice = () => null;
    registerRecordExtension({ object: "lead", summary: Own, notice: Notice });
    registerRecordExtension({ object: EVERY_OBJECT, toolbar: Everyone, notice: Notice });
    const lead = recordExtras("lead", record({}), editor);
    expect(lead.toolbars).toEqual([Everyone]);
    expect(lead.notices).toHaveLength(2);
    expect(lead.summaries).toEqual([Own]);
    expect(recordExtras("account", record({}), editor).toolbars).toEqual([Everyone]);
    expect(recordExtras("account", record({}), editor).summaries).toEqual([]);
  });
});
