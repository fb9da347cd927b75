import { describe, expect, test } from "vitest";
import en from "../../locales/en.json";
import zhCN from "../../locales/zh-CN.json";
import { allLabels, clearRecordExtensions, recordExtras } from "../../lib/extensions";
import type { RecordData } from "../../lib/records";
import { conversionBody, defaultOpportunityName, initialAccount, placeErrors } from "./conversion";
import { registerSales } from "./index";

describe("lead conversion", () => {
  test("starts from the best suggested account, or a new one when there is none", () => {
    expect(initialAccount({ accounts: [], contacts: [] })).toEqual({ kind: "new" });
    const accounts = [
      { id: "a", name: "字节跳动", score: 0.7, reasons: [] },
      { id: "b", name: "北京字节跳动科技有限公司", score: 0.95, reasons: ["same_company_key"] },
    ];
    expect(initialAccount({ accounts, contacts: [] })).toEqual({ kind: "existing", id: "b" });
  });

  test("names the opportunity after the company in the user's language", () => {
    expect(defaultOpportunityName("字节跳动（北京）", "zh-CN")).toBe("字节跳动（北京） - 商机");
    expect(defaultOpportunityName("Acme", "en")).toBe("Acme deal");
  });

  test("sends only what the user chose", () => {
    expect(conversionBody({ kind: "new" }, { kind: "new" }, null)).toEqual({});
    expect(
      conversionBody({ kind: "existing", id: "acc" }, { kind: "existing", id: null }, { name: " Deal ", amount: "120000.00", close_date: null }),
    ).toEqual({ account_id: "acc", opportunity: { name: "Deal", amount: "120000.00" } });
    expect(conversionBody({ kind: "new" }, { kind: "existing", id: "c" }, { name: "D", amount: null, close_date: "2026-12-31" })).toEqual({
      contact_id: "c",
      opportunity: { name: "D", close_date: "2026-12-31" },
    });
  });

  test("puts each refusal on the input it is about", () => {
    const placed = placeErrors(
      [
        { field: "opportunity.name", code: "too_short", message: "name too short" },
        { field: "amount", code: "invalid", message: "bad amount" },
        { field: "account_id", code: "not_found", message: "no such account" },
        { field: "name", code: "required", message: "the account needs a name" },
      ],
      true,
    );
    expect(placed).toEqual({
      account: "no such account",
      opportunity: { name: "name too short", amount: "bad amount" },
      other: ["the account needs a name"],
    });
    expect(placeErrors([{ field: "amount", code: "x", message: "m" }], false).other).toEqual(["m"]);
  });
});

describe("the sales module's record page additions", () => {
  const lead = (status: string): RecordData => ({
    id: "l1",
    version: 1,
    created_at: "",
    created_by_id: null,
    updated_at: "",
    updated_by_id: null,
    owner_id: null,
    status,
  });

  test("convert a lead until it is converted, then keep it read-only; a quote has its PDF", () => {
    clearRecordExtensions();
    registerSales();
    const open = recordExtras("lead", lead("working"), { mayUpdate: true, language: "zh-CN" });
    expect(open.actions.map((a) => a.key)).toEqual(["convert"]);
    expect(open.stageActions.get("converted")?.key).toBe("convert");
    const done = recordExtras("lead", lead("converted"), { mayUpdate: true, language: "zh-CN" });
    expect(done.readOnly).toBe(true);
    expect(done.actions).toEqual([]);
    const pdf = recordExtras("quote", { ...lead("draft"), id: "q1" }, { mayUpdate: true, language: "en" }).actions[0];
    expect(recordExtras("opportunity", lead("won"), { mayUpdate: true, language: "en" }).stageEnds).toEqual(["won", "lost"]);
    expect(pdf && "href" in pdf ? pdf.href({ ...lead("draft"), id: "q1" }, { mayUpdate: true, language: "en" }) : null).toBe("/api/v1/sales/quotes/q1/pdf?language=en");
  });

  test("labels its actions, tabs and pages in both languages", () => {
    clearRecordExtensions();
    registerSales();
    const lookup = (catalogue: object, key: string) => key.split(".").reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], catalogue);
    for (const key of allLabels()) {
      expect(typeof lookup(en, key), key).toBe("string");
      expect(typeof lookup(zhCN, key), key).toBe("string");
    }
  });
});
