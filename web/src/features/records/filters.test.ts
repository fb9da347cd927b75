import { describe, expect, test } from "vitest";
import type { ObjectDef } from "../../lib/meta";
import { filterFields, fromTree, toTree } from "./filters";

const account = {
  name: "account",
  fields: [
    { name: "name", type: "text", archived: false },
    { name: "industry", type: "picklist", archived: false },
    { name: "old", type: "text", archived: true },
  ],
} as unknown as ObjectDef;
const contact = {
  name: "contact",
  fields: [
    { name: "name", type: "text", archived: false },
    { name: "account", type: "lookup", target: "account", archived: false },
  ],
} as unknown as ObjectDef;

describe("the filter builder's tree", () => {
  test("joins complete conditions and leaves out unfinished ones", () => {
    const tree = toTree({
      join: "or",
      conditions: [
        { key: "a", field: "industry", op: "in", value: ["it", "finance"] },
        { key: "b", field: "name", op: "contains", value: "" },
        { key: "c", field: "account.industry", op: "is_null", value: true },
      ],
    });
    expect(tree).toEqual({
      or: [
        { field: "industry", op: "in", value: ["it", "finance"] },
        { field: "account.industry", op: "is_null", value: true },
      ],
    });
  });

  test("one condition is the tree itself; none is no filter", () => {
    expect(toTree({ join: "and", conditions: [{ key: "a", field: "name", op: "eq", value: "x" }] })).toEqual({
      field: "name",
      op: "eq",
      value: "x",
    });
    expect(toTree({ join: "and", conditions: [] })).toBeNull();
  });

  test("reads back what it wrote, and refuses nesting it cannot show", () => {
    const model = fromTree({ and: [{ field: "name", op: "eq", value: "x" }, { field: "industry", op: "in", value: ["it"] }] });
    expect(model?.join).toBe("and");
    expect(model?.conditions.map((c) => c.field)).toEqual(["name", "industry"]);
    expect(fromTree({ and: [{ or: [{ field: "name", op: "eq", value: "x" }] }] })).toBeNull();
  });

  test("offers fields through lookups, never archived ones", () => {
    const paths = filterFields(contact, [account, contact]).map((f) => f.path);
    expect(paths).toEqual(["name", "account", "account.name", "account.industry"]);
  });
});
