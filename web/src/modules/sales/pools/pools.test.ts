import { describe, expect, test } from "vitest";
import en from "../../../locales/en.json";
import zhCN from "../../../locales/zh-CN.json";
import { ApiError } from "../../../lib/api";
import { allLabels, clearRecordExtensions, modulePages, recordExtras } from "../../../lib/extensions";
import type { RecordData } from "../../../lib/records";
import type { Me } from "../../../lib/session";
import { registerPoolsAndForms } from "../poolsAndForms";
import { placePoolErrors, poolBody, poolValues } from "./poolForm";
import { claimRefusal, REFUSAL_KEYS } from "./refusals";

type Catalogue = { [key: string]: string | Catalogue };

function lookup(catalogue: Catalogue, key: string): string | undefined {
  let node: string | Catalogue | undefined = catalogue;
  for (const part of key.split(".")) node = typeof node === "object" ? (node[part] ?? node[`${part}_other`]) : undefined;
  return typeof node === "string" ? node : undefined;
}

function refused(status: number, extra: Record<string, unknown>): ApiError {
  return new ApiError({ status, title: "refused", detail: "the server's words", ...extra });
}

describe("a refused claim", () => {
  test("says how many the member owns of how many the pool allows", () => {
    expect(claimRefusal(refused(409, { code: "claim_limit_reached", claim_limit: 1, owned: 3 }))).toEqual({ key: "pools.refused.limit", values: { owned: 3, limit: 1 } });
  });

  test("says from when the previous owner may claim again, in their own zone's time", () => {
    expect(claimRefusal(refused(409, { code: "claim_cooldown", available_at: "2026-12-23T10:30:00+08:00", cooldown_days: 30 }))).toEqual({
      key: "pools.refused.cooldown",
      values: { at: "2026-12-23 10:30", days: 30 },
    });
  });

  test("tells a claim that came second, or for an account gone, apart from other refusals", () => {
    expect(claimRefusal(refused(409, { code: "already_claimed" }))?.key).toBe("pools.refused.taken");
    expect(claimRefusal(refused(404, { code: "not_found" }))?.key).toBe("pools.refused.gone");
    expect(claimRefusal(refused(403, { code: "permission_denied" }))?.key).toBe("pools.refused.notMember");
    // Words of its own only for what it knows; anything else is the server's message.
    expect(claimRefusal(refused(500, { code: "internal" }))).toBeNull();
    expect(claimRefusal(new Error("offline"))).toBeNull();
  });

  test("falls back to plain words when the numbers are missing", () => {
    expect(claimRefusal(refused(409, { code: "claim_limit_reached" }))?.key).toBe("pools.refused.limitUnknown");
    expect(claimRefusal(refused(409, { code: "claim_cooldown" }))?.key).toBe("pools.refused.cooldownUnknown");
  });

  test("has its words in both languages, with the numbers in them", () => {
    for (const key of REFUSAL_KEYS) {
      expect(lookup(en, key), key).toBeTruthy();
      expect(lookup(zhCN, key), key).toBeTruthy();
    }
    expect(lookup(zhCN, "pools.refused.limit")).toContain("{{owned}}");
    expect(lookup(zhCN, "pools.refused.limit")).toContain("{{limit}}");
    expect(lookup(en, "pools.refused.cooldown")).toContain("{{at}}");
  });
});

describe("the pool form", () => {
  test("starts a new pool from the server's defaults and sends reclaim rules only when switched on", () => {
    const values = { ...poolValues(), name: "  华东公海 ", member_roles: ["r1"] };
    expect(poolBody(values)).toEqual({
      name: "华东公海",
      member_roles: ["r1"],
      claim_limit: 50,
      cooldown_days: 30,
      protection_days: 0,
      reclaim: null,
      default: false,
    });
    expect(poolBody({ ...values, reclaim: true, days_without_activity: 30, days_without_won: null, warn_days: 3 }).reclaim).toEqual({
      days_without_activity: 30,
      days_without_won: null,
      warn_days: 3,
    });
  });

  test("reads an existing pool's rules back", () => {
    const pool = {
      id: "p",
      name: "South",
      member_roles: ["r"],
      claim_limit: 5,
      cooldown_days: 0,
      protection_days: 7,
      reclaim: { days_without_activity: null, days_without_won: 90, warn_days: 0 },
      default: true,
      version: 3,
      created_at: "",
      updated_at: "",
    };
    const values = poolValues(pool);
    expect(values).toMatchObject({ claim_limit: 5, cooldown_days: 0, reclaim: true, days_without_activity: null, days_without_won: 90, default: true });
    expect(poolBody(values).reclaim).toEqual(pool.reclaim);
  });

  test("puts the server's errors on the fields it names, however it spells them", () => {
    const placed = placePoolErrors([
      { field: "member_roles[1]", code: "not_found", message: "no role with id x" },
      { field: "reclaim.warn_days", code: "less_than_equal", message: "at most 365" },
      { field: "claim_limit", code: "greater_than_equal", message: "at least 1" },
      { field: "version", code: "stale", message: "is 4 now" },
    ]);
    expect(Object.fromEntries(placed.fields)).toEqual({
      member_roles: ["no role with id x"],
      warn_days: ["at most 365"],
      claim_limit: ["at least 1"],
    });
    expect(placed.other).toEqual(["is 4 now"]);
  });
});

function me(rights: string[], objects: Me["objects"] = {}): Me {
  return {
    id: "u1",
    email: "rep@example.com",
    name: "Rep",
    locale: "en",
    time_zone: "Asia/Shanghai",
    list_density: "comfortable",
    is_admin: false,
    department_id: null,
    rights,
    objects,
    two_factor: false,
  };
}

function account(values: Record<string, unknown>): RecordData {
  return { id: "a1", version: 1, created_at: "", created_by_id: null, updated_at: "", updated_by_id: null, owner_id: "u1", ...values };
}

describe("the pools' and forms' registrations", () => {
  test("offer release on an owned account to whoever may change it, never on one in a pool", () => {
    clearRecordExtensions();
    registerPoolsAndForms();
    const owned = account({ pool_state: "owned" });
    const editor = { mayUpdate: true, language: "en" };
    expect(recordExtras("account", owned, editor).actions.map((a) => a.key)).toEqual(["release"]);
    expect(recordExtras("account", owned, { ...editor, mayUpdate: false }).actions).toEqual([]);
    expect(recordExtras("account", account({ owner_id: null, pool_state: "in_pool" }), editor).actions).toEqual([]);
    expect(recordExtras("account", owned, editor).tabs.map((t) => t.key)).toEqual(["pool-history"]);
    clearRecordExtensions();
  });

  test("show each page to those the server lets use it", () => {
    clearRecordExtensions();
    registerPoolsAndForms();
    const pages = new Map(modulePages().map((p) => [p.path, p]));
    const rep = me([], { account: { operations: ["read"], scope: "own" }, lead: { operations: ["read", "create"], scope: "own" } });
    const automation = me(["manage_automation"]);
    expect(pages.get("sales/pools")?.visible?.(rep)).toBe(true);
    expect(pages.get("sales/pools/settings")?.visible?.(rep)).toBe(false);
    expect(pages.get("sales/pools/settings")?.visible?.(automation)).toBe(true);
    expect(pages.get("sales/forms")?.visible?.(rep)).toBe(true);
    expect(pages.get("sales/forms")?.visible?.(automation)).toBe(false);
    // The settings page comes first, so the navigation marks it, not the pools, on its path.
    expect(modulePages().map((p) => p.path).indexOf("sales/pools/settings")).toBeLessThan(modulePages().map((p) => p.path).indexOf("sales/pools"));
    for (const key of allLabels()) {
      expect(lookup(en, key), key).toBeTruthy();
      expect(lookup(zhCN, key), key).toBeTruthy();
    }
    for (const action of ["claim", "release", "reclaim", "warn"]) expect(lookup(zhCN, `pools.event.${action}`)).toBeTruthy();
    clearRecordExtensions();
  });
});
