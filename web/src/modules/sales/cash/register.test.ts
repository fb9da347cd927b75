import { afterEach, describe, expect, test } from "vitest";
import { clearRecordExtensions, recordExtras } from "../../../lib/extensions";
import { queryClient } from "../../../lib/queryClient";
import type { RecordData } from "../../../lib/records";
import { ME_KEY, type Me } from "../../../lib/session";
import { registerSales } from "../index";

function record(values: Record<string, unknown>): RecordData {
  return { id: "r1", version: 1, created_at: "", created_by_id: null, updated_at: "", updated_by_id: null, owner_id: null, ...values };
}

function signedIn(objects: Record<string, string[]>): void {
  const me: Me = {
    id: "u1",
    email: "rep@example.com",
    name: "张伟",
    locale: "zh-CN",
    time_zone: "Asia/Shanghai",
    list_density: "comfortable",
    is_admin: false,
    department_id: null,
    rights: [],
    objects: Object.fromEntries(Object.entries(objects).map(([name, operations]) => [name, { operations, scope: "own" }])),
    two_factor: false,
  };
  queryClient.setQueryData(ME_KEY, me);
}

const editor = { mayUpdate: true, language: "zh-CN" };
const keys = (object: string, values: Record<string, unknown>, context = editor) => recordExtras(object, record(values), context).actions.map((a) => a.key);

afterEach(() => {
  clearRecordExtensions();
  queryClient.clear();
});

describe("cash actions on the record pages", () => {
  test("a won deal offers a contract to whoever may create contracts", () => {
    registerSales();
    signedIn({ contract: ["read", "create"] });
    expect(keys("opportunity", { stage: "won" })).toEqual(["create-contract"]);
    expect(keys("opportunity", { stage: "negotiation" })).toEqual([]);
    signedIn({ contract: ["read"] });
    expect(keys("opportunity", { stage: "won" })).toEqual([]);
  });

  test("a quote is revised until accepted or superseded, and an accepted one becomes a contract", () => {
    registerSales();
    signedIn({ quote: ["read", "create", "update"], contract: ["create"] });
    expect(keys("quote", { status: "draft" })).toEqual(["pdf", "revise"]);
    expect(keys("quote", { status: "rejected" })).toEqual(["pdf", "revise"]);
    expect(keys("quote", { status: "accepted" })).toEqual(["pdf", "create-contract"]);
    expect(keys("quote", { status: "superseded" })).toEqual(["pdf"]);
    // revising supersedes this quote: it needs the right to change it
    expect(keys("quote", { status: "sent" }, { ...editor, mayUpdate: false })).toEqual(["pdf"]);
  });

  test("a contract opens on its payments, an account shows its totals above the tabs", () => {
    registerSales();
    const contract = recordExtras("contract", record({ status: "active" }), editor);
    expect(contract.tabs.map((tab) => [tab.key, tab.first])).toEqual([["payments", true]]);
    expect(recordExtras("account", record({}), editor).summaries).toHaveLength(1);
    expect(recordExtras("contact", record({}), editor).summaries).toHaveLength(0);
  });
});
