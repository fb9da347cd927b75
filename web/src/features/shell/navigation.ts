/** What the left navigation lists, and how it is grouped: one group per installed module
 * (its objects in the module's order, then its pages), then the custom objects. Objects
 * with `nav: false` are left out; they stay reachable by URL, search and related lists. */
import type { ModulePage } from "../../lib/extensions";
import type { Label, ModuleDef, ObjectDef } from "../../lib/meta";

export interface NavGroup {
  /** "module:<name>" or "custom": unique, stable (the menu's group key). */
  key: string;
  /** The module's name; null for the custom objects' group. */
  module: string | null;
  /** The module's label; null for the custom objects' group (the app names it). */
  label: Label | null;
  objects: ObjectDef[];
  pages: ModulePage[];
}

export const CUSTOM_GROUP = "custom";

/** Whether an object is listed in the navigation (a server that does not say: yes). */
export function listed(object: ObjectDef): boolean {
  return object.nav !== false;
}

/**
 * The navigation's groups from the objects and pages the user may see. Modules come in
 * the server's order (dependency order); an object of a module the server did not name
 * (since uninstalled) gets a group under the module's name. A group with neither objects
 * nor pages is left out. Settings pages are not here: they belong to the Settings group;
 * nor main pages, listed after Home.
 */
export function navigationGroups(objects: readonly ObjectDef[], modules: readonly ModuleDef[], pages: readonly ModulePage[]): NavGroup[] {
  const groups = new Map<string, NavGroup>();
  const group = (module: string, label: Label): NavGroup => {
    let found = groups.get(module);
    if (!found) {
      found = { key: `module:${module}`, module, label, objects: [], pages: [] };
      groups.set(module, found);
    }
    return found;
  };
  for (const m of modules) group(m.name, m.label);
  const custom: ObjectDef[] = [];
  for (const object of objects) {
    if (!listed(object)) continue;
    if (object.module === null) custom.push(object);
    else group(object.module, { en: object.module, "zh-CN": object.module }).objects.push(object);
  }
  for (const page of pages) {
    if (page.group !== "settings" && page.group !== "main") group(page.module, { en: page.module, "zh-CN": page.module }).pages.push(page);
  }
  // Within a module: the order it declares its objects; any it did not name keep theirs.
  const order = new Map(modules.map((m) => [m.name, new Map(m.objects.map((name, index) => [name, index]))]));
  const out: NavGroup[] = [];
  for (const g of groups.values()) {
    const place = order.get(g.module ?? "");
    const rank = (o: ObjectDef) => place?.get(o.name) ?? Number.MAX_SAFE_INTEGER;
    // Array.prototype.sort is stable: equal ranks keep the server's order.
    g.objects.sort((a, b) => rank(a) - rank(b));
    if (g.objects.length || g.pages.length) out.push(g);
  }
  if (custom.length) out.push({ key: CUSTOM_GROUP, module: null, label: null, objects: custom, pages: [] });
  return out;
}

/** The listed objects in navigation order (the home page's and the phone bar's order). */
export function listedObjects(groups: readonly NavGroup[]): ObjectDef[] {
  return groups.flatMap((g) => g.objects);
}
