import { describe, expect, test } from "vitest";
import { modulePages } from "../../../lib/extensions";
import type { Me } from "../../../lib/session";
import { registerAssignmentRules } from "./register";
import { fromTree } from "../../../features/records/filters";
import type { ObjectDef } from "../../../lib/meta";
import { conditionOf, membersOf, newCriterion, placeRuleErrors, ruleBody, ruleValues, type Rule, type RuleValues } from "./rules";

const ZHANG = "01a24fd3-a3b3-771b-9d16-c27fd8f276f9";
const WANG = "01a24fd3-a437-78da-8da7-4ecb8a488a0e";
const DEPT = "01a24fd3-a1b1-72ed-8cc7-f6a0fcf2ec62";
const TEAM = "01a24fd3-a2c2-7aaa-8bbb-0123456789ab";

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

  test("puts the server's field errors on the picker in use and keeps the rest for above the form", () => {
    const values = ruleValues();
    const placed = placeRuleErrors(
      [
        { field: "members.ids[1]", code: "not_found", message: "no user" },
        { field: "name.en", code: "too_long", message: "too long" },
        { field: "open_condition", code: "invalid", message: "bad filter" },
        { field: "version", code: "stale", message: "is 4 now" },
      ],
      values,
    );
    expect(placed.fields).toEqual([
      { name: ["user_ids"], errors: ["no user"] },
      { name: ["name_en"], errors: ["too long"] },
      { name: ["open_filter"], errors: ["bad filter"] },
    ]);
    expect(placed.other).toEqual(["is 4 now"]);
    expect(placeRuleErrors([{ field: "members.id", code: "not_found", message: "no role" }], { ...values, member_type: "role" }).fields).toEqual([
      { name: ["group_id"], errors: ["no role"] },
    ]);
  });
});

const LEAD = {
  name: "lead",
  fields: [
    { name: "name", type: "text", archived: false },
    { name: "industry", type: "picklist", archived: false },
    { name: "region", type: "picklist", archived: false },
  ],
} as unknown as ObjectDef;

const EAST = { field: "region", op: "in", value: ["east"] };

function criteriaRule(): Rule {
  return rule({
    strategy: "criteria",
    members: null,
    criteria: [
      { condition: EAST, strategy: "round_robin", members: { type: "team", id: TEAM } },
      {
        condition: { not: { field: "industry", op: "eq", value: "it" } },
        strategy: "load_balanced",
        members: { type: "department", id: DEPT, include_subdepartments: true },
        open_condition: { field: "status", op: "eq", value: "new" },
      },
    ],
    fallback: { strategy: "round_robin", members: { type: "users", ids: [ZHANG] } },
  });
}

describe("a rule by criteria in the form", () => {
  test("a new criterion starts on the region picklist with no value, handed out in turn", () => {
    const criterion = newCriterion(LEAD, "lead");
    expect(criterion.condition?.conditions).toEqual([{ key: "new-region", field: "region", op: "in", value: [] }]);
    expect(criterion).toMatchObject({ strategy: "round_robin", member_type: "users", user_ids: [] });
    // Nothing to route on yet: the form asks for a value before anything is sent.
    expect(conditionOf(criterion)).toBeNull();
    const noRegion = { ...LEAD, fields: LEAD.fields.filter((f) => f.name !== "region") };
    expect(newCriterion(noRegion, "lead").condition?.conditions[0]?.field).toBe("industry");
    expect(newCriterion(undefined, "lead").condition?.conditions).toEqual([]);
  });

  test("creates region 华东 → a team in turn, otherwise a user, from the values chosen", () => {
    const criterion = newCriterion(LEAD, "lead");
    const values: RuleValues = {
      ...ruleValues(),
      name_zh: "按区域",
      strategy: "criteria",
      criteria: [{ ...criterion, condition: { join: "and", conditions: [{ key: "a", field: "region", op: "in", value: ["east"] }] }, member_type: "team", group_id: TEAM }],
      fallback_on: true,
      fallback: { ...ruleValues().fallback, user_ids: [ZHANG] },
    };
    expect(ruleBody(values)).toEqual({
      object: "lead",
      name: { en: "按区域", "zh-CN": "按区域" },
      strategy: "criteria",
      criteria: [{ condition: EAST, strategy: "round_robin", members: { type: "team", id: TEAM } }],
      fallback: { strategy: "round_robin", members: { type: "users", ids: [ZHANG] } },
      active: true,
    });
    expect(ruleBody({ ...values, fallback_on: false }).fallback).toBeNull();
  });

  test("reads a criteria rule back, keeps a condition deeper than the builder draws, and follows a reorder", () => {
    const existing = criteriaRule();
    const values = ruleValues(existing);
    expect(values.criteria[0]).toMatchObject({ member_type: "team", group_id: TEAM, strategy: "round_robin" });
    expect(values.criteria[1]?.condition).toBeNull();
    expect(values.fallback_on).toBe(true);
    const reordered = { ...values, criteria: [values.criteria[1], values.criteria[0]].filter((c) => c !== undefined) };
    const body = ruleBody(reordered, existing);
    expect(body).not.toHaveProperty("object");
    expect(body.criteria).toEqual([existing.criteria?.[1], existing.criteria?.[0]]);
    expect(body.fallback).toEqual(existing.fallback);
  });

  test("a round-robin rule turned into one by criteria sends no members, and back again no criteria", () => {
    const roundRobin = rule({});
    const toCriteria = ruleBody({ ...ruleValues(roundRobin), strategy: "criteria", criteria: [{ ...newCriterion(LEAD, "lead"), condition: fromTree(EAST), user_ids: [WANG] }] }, roundRobin);
    expect(toCriteria).not.toHaveProperty("members");
    expect(toCriteria.criteria?.[0]).toEqual({ condition: EAST, strategy: "round_robin", members: { type: "users", ids: [WANG] } });
    const existing = criteriaRule();
    const back = ruleBody({ ...ruleValues(existing), strategy: "round_robin", user_ids: [WANG] }, existing);
    expect(back).toMatchObject({ strategy: "round_robin", members: { type: "users", ids: [WANG] }, open_condition: null });
    expect(back).not.toHaveProperty("criteria");
    expect(back).not.toHaveProperty("fallback");
  });

  test("puts a refusal's errors on the criterion's and the fallback's own fields", () => {
    const values = ruleValues(criteriaRule());
    const placed = placeRuleErrors(
      [
        { field: "criteria[0].members.id", code: "not_found", message: "no team" },
        { field: "criteria[1].condition", code: "unknown_field", message: "no field" },
        { field: "criteria[1].members.id", code: "not_found", message: "no department" },
        { field: "criteria[1].open_condition", code: "invalid", message: "bad open" },
        { field: "fallback.members.ids[0]", code: "not_found", message: "no user" },
        { field: "criteria", code: "required", message: "name one" },
      ],
      values,
    );
    expect(placed.fields).toEqual([
      { name: ["criteria", 0, "group_id"], errors: ["no team"] },
      { name: ["criteria", 1, "condition"], errors: ["no field"] },
      { name: ["criteria", 1, "group_id"], errors: ["no department"] },
      { name: ["criteria", 1, "open_filter"], errors: ["bad open"] },
      { name: ["fallback", "user_ids"], errors: ["no user"] },
      { name: ["criteria"], errors: ["name one"] },
    ]);
    expect(placed.other).toEqual([]);
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
