import { describe, expect, test } from "vitest";
import { modulePages } from "../../../lib/extensions";
import type { Me } from "../../../lib/session";
import { registerAssignmentRules } from "./register";
import { membersOf, placeRuleErrors, ruleBody, ruleValues, type Rule } from "./rules";

const ZHANG = "01a24fd3-a3b3-771b-9d16-c27fd8f276f9";
const WANG = "01a24fd3-a437-78da-8da7-4ecb8a488a0e";
const DEPT = "01a24fd3-a1b1-72ed-8cc7-f6a0fcf2ec62";

function rule(extra: Partial<Rule>): Rule {
  return {
    id: "r1",
    object: "lead",
    name: { en: "Leads", "zh-CN": "线索分配" },
    strategy: "round_robin",
    members: { type: "users", ids: [ZHANG, WANG] },
    open_condition: null,
    criteria: null,
    fallback: null,
    active: true,
    version: 3,
    created_at: "2026-12-01T00:00:00Z",
    updated_at: "2026-12-01T00:00:00Z",
    ...extra,
  };
}

describe("an assignment rule's form", () => {
  test("starts a new rule as an active round robin for leads with nobody yet", () => {
    const values = ruleValues();
    expect(values).toMatchObject({ object: "lead", strategy: "round_robin", member_type: "users", user_ids: [], group_id: null, active: true });
    expect(membersOf(values)).toBeNull();
  });

  test("creates with the object and the users in the order chosen; one language names both", () => {
    const values = { ...ruleValues(), name_zh: " 华东线索 ", user_ids: [WANG, ZHANG] };
    expect(ruleBody(values)).toEqual({
      object: "lead",
      name: { en: "华东线索", "zh-CN": "华东线索" },
      strategy: "round_robin",
      members: { type: "users", ids: [WANG, ZHANG] },
      open_condition: null,
      active: true,
    });
  });

  test("counts a lead open until converted or disqualified for fewest open, and clears it for round robin", () => {
    const values = { ...ruleValues(), name_en: "Fewest", strategy: "load_balanced" as const, user_ids: [ZHANG] };
    expect(ruleBody(values).open_condition).toEqual({ field: "status", op: "not_in", value: ["converted", "disqualified"] });
    expect(ruleBody({ ...values, open_filter: { join: "and", conditions: [] } }).open_condition).toBeNull();
    const existing = rule({ strategy: "load_balanced", open_condition: { field: "status", op: "ne", value: "converted" } });
    expect(ruleBody({ ...ruleValues(existing), strategy: "round_robin" }, existing).open_condition).toBeNull();
  });

  test("keeps an open condition deeper than the builder draws", () => {
    const deep = { not: { or: [{ field: "status", op: "eq", value: "new" }, { and: [] }] } };
    const existing = rule({ strategy: "load_balanced", open_condition: deep });
    const values = ruleValues(existing);
    expect(values.open_filter).toBeNull();
    expect(ruleBody(values, existing).open_condition).toEqual(deep);
  });

  test("reads a department rule back and changes it without sending the fixed object", () => {
    const existing = rule({ strategy: "load_balanced", members: { type: "department", id: DEPT, include_subdepartments: true } });
    const values = ruleValues(existing);
    expect(values).toMatchObject({ member_type: "department", group_id: DEPT, include_subdepartments: true, user_ids: [] });
    const body = ruleBody({ ...values, active: false }, existing);
    expect(body).not.toHaveProperty("object");
    expect(body).toMatchObject({ strategy: "load_balanced", members: { type: "department", id: DEPT, include_subdepartments: true }, active: false });
  });

  test("changes only the name and the switch of a criteria rule, keeping its criteria", () => {
    const existing = rule({ strategy: "criteria", members: null, criteria: [{ condition: { field: "region", op: "eq", value: "east" }, strategy: "round_robin", members: { type: "role", id: DEPT } }] });
    expect(ruleBody({ ...ruleValues(existing), name_en: "By region" }, existing)).toEqual({ name: { en: "By region", "zh-CN": "线索分配" }, active: true });
  });

  test("puts the server's field errors on the picker in use and keeps the rest for above the form", () => {
    const placed = placeRuleErrors(
      [
        { field: "members.ids[1]", code: "not_found", message: "no user" },
        { field: "name.en", code: "too_long", message: "too long" },
        { field: "open_condition", code: "invalid", message: "bad filter" },
        { field: "criteria", code: "invalid", message: "no criteria here" },
      ],
      "users",
    );
    expect(placed.fields.get("user_ids")).toEqual(["no user"]);
    expect(placed.fields.get("name_en")).toEqual(["too long"]);
    expect(placed.fields.get("open_filter")).toEqual(["bad filter"]);
    expect(placed.other).toEqual(["no criteria here"]);
    expect(placeRuleErrors([{ field: "members.id", code: "not_found", message: "no role" }], "role").fields.get("group_id")).toEqual(["no role"]);
  });
});

describe("the assignment rules page", () => {
  test("is in Settings for those who manage automation only", () => {
    registerAssignmentRules();
    const page = modulePages().find((p) => p.path === "settings/assignment-rules");
    expect(page?.group).toBe("settings");
    const me = (rights: string[]) => ({ rights, objects: {} }) as unknown as Me;
    expect(page?.visible?.(me(["manage_automation"]))).toBe(true);
    expect(page?.visible?.(me(["manage_users"]))).toBe(false);
  });
});
