import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { FIELD_TYPES } from "../features/builder/FieldDrawer";
import { operatorsFor, RELATIVE_DATES } from "../features/records/filters";
import en from "../locales/en.json";
import zhCN from "../locales/zh-CN.json";

type Catalogue = { [key: string]: string | Catalogue };

function keys(catalogue: Catalogue, prefix = ""): string[] {
  return Object.entries(catalogue).flatMap(([key, value]) =>
    typeof value === "string" ? [`${prefix}${key}`] : keys(value, `${prefix}${key}.`),
  );
}

// Plural forms differ by language (English has _one and _other, Chinese only _other).
const base = (key: string) => key.replace(/_(zero|one|two|few|many|other)$/, "");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) && !name.endsWith(".test.ts") ? [path] : [];
  });
}

describe("the i18n catalogues", () => {
  const english = new Set(keys(en).map(base));
  const chinese = new Set(keys(zhCN).map(base));

  test("hold the same keys in both languages", () => {
    expect([...english].filter((k) => !chinese.has(k))).toEqual([]);
    expect([...chinese].filter((k) => !english.has(k))).toEqual([]);
  });

  test("hold every key the code asks for", () => {
    const used = new Set<string>();
    for (const file of sources(join(import.meta.dirname, ".."))) {
      for (const match of readFileSync(file, "utf8").matchAll(/\bt\(\s*"([a-zA-Z0-9_.]+)"/g)) {
        if (match[1]) used.add(match[1]);
      }
    }
    // Keys built at run time from a known list.
    const allOps = new Set(
      (["text", "integer", "picklist", "tags", "boolean", "lookup", "address"] as const).flatMap((type) => operatorsFor(type)),
    );
    for (const op of allOps) used.add(`filter.op.${op}`);
    for (const token of RELATIVE_DATES) used.add(`filter.date.${token}`);
    for (const type of [...FIELD_TYPES, "rollup"]) used.add(`builder.type.${type}`);
    for (const kind of ["text", "number", "boolean", "date", "datetime"]) used.add(`builder.result.${kind}`);
    expect(used.size).toBeGreaterThan(100);
    const missing = [...used].filter((key) => !english.has(key) || !chinese.has(key));
    expect(missing).toEqual([]);
  });
});
