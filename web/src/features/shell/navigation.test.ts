import { describe, expect, test } from "vitest";
import type { ModulePage } from "../../lib/extensions";
import type { ModuleDef, ObjectDef } from "../../lib/meta";
import { CUSTOM_GROUP, listedObjects, navigationGroups } from "./navigation";

function object(name: string, module: string | null, nav?: boolean): ObjectDef {
  return {
    name,
    label: { en: name },
    plural_label: { en: name },
    description: null,
    name_field: null,
    standard: module !== null,
    module,
    fields: [],
    ...(nav === undefined ? {} : { nav }),
  };
}

const Page = () => null;

function page(path: string, module: string, group?: ModulePage["group"]): ModulePage {
  return { path, label: `pages.${path}`, module, component: Page, ...(group ? { group } : {}) };
}

const MODULES: ModuleDef[] = [
  { name: "customers", label: { en: "Customers", "zh-CN": "客户" }, objects: ["account", "contact"] },
  { name: "sales", label: { en: "Sales", "zh-CN": "销售" }, objects: ["opportunity", "lead", "quote", "quote_line"] },
];

// As the server sends them: by API name.
const OBJECTS = [
  object("account", "customers"),
  object("contact", "customers"),
  object("lead", "sales"),
  object("opportunity", "sales"),
  object("project", null),
  object("quote", "sales"),
  object("quote_line", "sales", false),
  object("asset", null),
];

const names = (objects: ObjectDef[]) => objects.map((o) => o.name);

describe("navigation groups", () => {
  test("one group per module in the server's order, its objects in the module's order, custom objects last", () => {
    const groups = navigationGroups(OBJECTS, MODULES, []);
    expect(groups.map((g) => g.key)).toEqual(["module:customers", "module:sales", CUSTOM_GROUP]);
    expect(groups.map((g) => g.label)).toEqual([MODULES[0]?.label, MODULES[1]?.label, null]);
    expect(groups.map((g) => names(g.objects))).toEqual([["account", "contact"], ["opportunity", "lead", "quote"], ["project", "asset"]]);
  });

  test("objects left out of the navigation are not listed anywhere", () => {
    const groups = navigationGroups(OBJECTS, MODULES, []);
    expect(names(listedObjects(groups))).not.toContain("quote_line");
    expect(names(listedObjects(groups))).toEqual(["account", "contact", "opportunity", "lead", "quote", "project", "asset"]);
    // An object the server does not mark either way is listed (an older server).
    expect(names(listedObjects(navigationGroups([object("quote_line", "sales")], MODULES, [])))).toEqual(["quote_line"]);
  });

  test("a module's pages follow its objects; settings pages are not here", () => {
    const groups = navigationGroups(OBJECTS, MODULES, [page("sales/forecast", "sales"), page("sales/pools", "sales", "settings"), page("customers/map", "customers", "records")]);
    expect(groups.map((g) => g.pages.map((p) => p.path))).toEqual([["customers/map"], ["sales/forecast"], []]);
  });

  test("main pages (My approvals) join no module's group: the shell lists them after Home", () => {
    const groups = navigationGroups(OBJECTS, MODULES, [page("approvals", "approvals", "main"), page("sales/forecast", "sales")]);
    expect(groups.map((g) => g.key)).not.toContain("module:approvals");
    expect(groups.flatMap((g) => g.pages.map((p) => p.path))).toEqual(["sales/forecast"]);
  });

  test("a group with nothing to list is left out, one with only pages stays", () => {
    const onlyContacts = OBJECTS.filter((o) => o.name === "contact");
    expect(navigationGroups(onlyContacts, MODULES, []).map((g) => g.key)).toEqual(["module:customers"]);
    const hiddenOnly = [object("quote_line", "sales", false)];
    expect(navigationGroups(hiddenOnly, MODULES, [])).toEqual([]);
    const pagesOnly = navigationGroups(hiddenOnly, MODULES, [page("sales/forecast", "sales")]);
    expect(pagesOnly.map((g) => [g.key, g.objects.length, g.pages.length])).toEqual([["module:sales", 0, 1]]);
  });

  test("an object of a module the server does not name gets a group under the module's name", () => {
    const groups = navigationGroups([object("ticket", "service"), object("account", "customers")], MODULES, []);
    expect(groups.map((g) => [g.key, g.label?.en, names(g.objects)])).toEqual([
      ["module:customers", "Customers", ["account"]],
      ["module:service", "service", ["ticket"]],
    ]);
  });
});
