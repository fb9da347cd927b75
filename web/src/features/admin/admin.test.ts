import { describe, expect, test } from "vitest";
import en from "../../locales/en.json";
import zhCN from "../../locales/zh-CN.json";
import { departmentTree, FIELD_LEVELS, OPERATIONS, RIGHTS, SCOPES } from "./api";

describe("the administration screens", () => {
  test("name every operation, scope, field level and right in both languages", () => {
    for (const catalogue of [en.admin, zhCN.admin]) {
      for (const op of OPERATIONS) expect(catalogue.op[op]).toBeTruthy();
      for (const scope of SCOPES) expect(catalogue.scopeName[scope]).toBeTruthy();
      for (const level of FIELD_LEVELS) expect(catalogue.level[level]).toBeTruthy();
      for (const right of RIGHTS) expect(catalogue.right[right]).toBeTruthy();
    }
  });

  test("build the departments tree from the list in path order", () => {
    const tree = departmentTree([
      { id: "hq", name: "Head office", parent_id: null, head_id: null, depth: 0 },
      { id: "sales", name: "Sales", parent_id: "hq", head_id: null, depth: 1 },
      { id: "east", name: "East", parent_id: "sales", head_id: null, depth: 2 },
      { id: "lab", name: "Lab", parent_id: null, head_id: null, depth: 0 },
    ]);
    expect(tree.map((n) => n.title)).toEqual(["Head office", "Lab"]);
    expect(tree[0]?.children[0]?.children[0]?.key).toBe("east");
  });
});
