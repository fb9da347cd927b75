import { describe, expect, test } from "vitest";
import {
  accepts,
  addRelated,
  addSection,
  ids,
  parseId,
  placeField,
  problemTargets,
  removeField,
  removeSection,
  toggleHighlight,
  type Draft,
} from "./layoutDraft";

const draft: Draft = {
  sections: [
    { key: "main", title: { en: "Main" }, columns: 2, fields: ["name", "budget", "stage"] },
    { key: "system", title: { en: "System" }, columns: 2, fields: ["owner_id"] },
  ],
  related_lists: [{ object: "task", field: "project", columns: ["name"] }],
  highlights: ["budget"],
};

describe("the layout draft", () => {
  test("moves a field within and between sections, and places new ones", () => {
    expect(placeField(draft, "stage", "main", 0).sections[0]?.fields).toEqual(["stage", "name", "budget"]);
    const moved = placeField(draft, "budget", "system");
    expect(moved.sections.map((s) => s.fields)).toEqual([["name", "stage"], ["owner_id", "budget"]]);
    expect(placeField(draft, "created_at", "system", 0).sections[1]?.fields).toEqual(["created_at", "owner_id"]);
    expect(draft.sections[0]?.fields).toEqual(["name", "budget", "stage"]);
  });

  test("sends removed fields and sections back to the palette, out of the highlights", () => {
    expect(removeField(draft, "budget")).toMatchObject({ highlights: [], sections: [{ fields: ["name", "stage"] }, {}] });
    expect(removeSection(draft, "main")).toMatchObject({ highlights: [], sections: [{ key: "system" }] });
  });

  test("adds sections under fresh keys", () => {
    const once = addSection(draft, { en: "New" });
    expect(once.key).toBe("section_1");
    expect(addSection(once.draft, { en: "New" }).key).toBe("section_2");
  });

  test("pins up to six highlights", () => {
    let d = toggleHighlight(draft, "budget");
    expect(d.highlights).toEqual([]);
    for (const name of ["a", "b", "c", "d", "e", "f", "g"]) d = toggleHighlight(d, name);
    expect(d.highlights).toEqual(["a", "b", "c", "d", "e", "f"]);
  });

  test("adds a related list once", () => {
    expect(addRelated(draft, { object: "task", field: "project", columns: [] }).related_lists).toHaveLength(1);
    expect(addRelated(draft, { object: "note", field: "project", columns: ["name"] }, 0).related_lists[0]?.object).toBe("note");
  });

  test("knows what may be dropped where", () => {
    expect(parseId(ids.paletteField("x"))).toEqual({ kind: "paletteField", value: "x" });
    expect(accepts("field", ids.palette)).toBe(true);
    expect(accepts("paletteField", ids.palette)).toBe(false);
    expect(accepts("field", ids.sectionBody("main"))).toBe(true);
    expect(accepts("section", ids.field("x"))).toBe(false);
    expect(accepts("paletteRelated", ids.relatedZone)).toBe(true);
  });

  test("maps the server's problems to the items they name", () => {
    const targets = problemTargets(draft, [
      { field: "sections[0].fields[2]", code: "unknown_field", message: "no stage" },
      { field: "sections.1.columns", code: "invalid", message: "bad columns" },
      { field: "related_lists[0].columns[0]", code: "unknown_field", message: "no name" },
      { field: "highlights[0]", code: "invalid", message: "bad highlight" },
      { field: "version", code: "invalid", message: "other" },
    ]);
    expect(Object.fromEntries(targets)).toEqual({
      "f:stage": ["no stage"],
      "s:system": ["bad columns"],
      "r:task.project": ["no name"],
      highlights: ["bad highlight"],
      "": ["other"],
    });
  });
});
