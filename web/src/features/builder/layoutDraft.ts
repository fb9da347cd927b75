/**
 * The layout designer's working copy and the edits on it: pure functions, so the
 * drag-and-drop handlers stay thin and the rules are tested without a browser.
 */
import type { FieldProblem } from "../../lib/api";
import type { Label } from "../../lib/meta";
import type { Layout, LayoutSection, RelatedList } from "../../lib/layouts";

export const MAX_HIGHLIGHTS = 6;
export const MAX_RELATED_COLUMNS = 10;

/** What the designer edits and publishes: the members a PUT takes. */
export interface Draft {
  sections: LayoutSection[];
  related_lists: RelatedList[];
  highlights: string[];
}

export function draftOf(layout: Layout): Draft {
  return {
    sections: layout.sections.map((s) => ({ ...s, title: { ...s.title }, fields: [...s.fields] })),
    related_lists: layout.related_lists.map((r) => ({ ...r, columns: [...r.columns] })),
    highlights: [...layout.highlights],
  };
}

export function sameDraft(a: Draft, b: Draft): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

// Drag-and-drop ids: one namespace per kind of thing, so a drop knows what it got.
export const ids = {
  field: (name: string) => `f:${name}`,
  paletteField: (name: string) => `pf:${name}`,
  section: (key: string) => `s:${key}`,
  sectionBody: (key: string) => `b:${key}`,
  related: (r: Pick<RelatedList, "object" | "field">) => `r:${r.object}.${r.field}`,
  paletteRelated: (r: Pick<RelatedList, "object" | "field">) => `pr:${r.object}.${r.field}`,
  palette: "palette",
  relatedZone: "rz",
} as const;

export type DragKind = "field" | "paletteField" | "section" | "related" | "paletteRelated" | "other";

export function parseId(id: string | number): { kind: DragKind; value: string } {
  const text = String(id);
  const colon = text.indexOf(":");
  const prefix = colon < 0 ? text : text.slice(0, colon);
  const value = colon < 0 ? "" : text.slice(colon + 1);
  const kinds: Record<string, DragKind> = { f: "field", pf: "paletteField", s: "section", r: "related", pr: "paletteRelated" };
  return { kind: kinds[prefix] ?? "other", value };
}

/** Which drop targets a dragged thing may land on. */
export function accepts(active: DragKind, target: string): boolean {
  const { kind } = parseId(target);
  switch (active) {
    case "field":
      return kind === "field" || target.startsWith("b:") || target === ids.palette;
    case "paletteField":
      return kind === "field" || target.startsWith("b:");
    case "section":
      return kind === "section";
    case "related":
      return kind === "related";
    case "paletteRelated":
      return kind === "related" || target === ids.relatedZone;
    default:
      return false;
  }
}

export function placedFields(draft: Draft): Set<string> {
  return new Set(draft.sections.flatMap((s) => s.fields));
}

export function findField(draft: Draft, name: string): { section: number; index: number } | null {
  for (const [section, s] of draft.sections.entries()) {
    const index = s.fields.indexOf(name);
    if (index >= 0) return { section, index };
  }
  return null;
}

/** Put a field at `index` of a section (after taking it out of wherever it was). */
export function placeField(draft: Draft, name: string, sectionKey: string, index?: number): Draft {
  const sections = draft.sections.map((s) => ({ ...s, fields: s.fields.filter((f) => f !== name) }));
  const target = sections.find((s) => s.key === sectionKey);
  if (!target) return draft;
  const at = index === undefined ? target.fields.length : Math.max(0, Math.min(index, target.fields.length));
  target.fields = [...target.fields.slice(0, at), name, ...target.fields.slice(at)];
  return { ...draft, sections };
}

/** Take a field off the layout (back to the palette); it stops being a highlight too. */
export function removeField(draft: Draft, name: string): Draft {
  return {
    ...draft,
    sections: draft.sections.map((s) => ({ ...s, fields: s.fields.filter((f) => f !== name) })),
    highlights: draft.highlights.filter((h) => h !== name),
  };
}

export function uniqueKey(taken: Iterable<string>, base: string): string {
  const used = new Set(taken);
  let n = 1;
  while (used.has(`${base}_${String(n)}`)) n += 1;
  return `${base}_${String(n)}`;
}

export function addSection(draft: Draft, title: Label): { draft: Draft; key: string } {
  const key = uniqueKey(
    draft.sections.map((s) => s.key),
    "section",
  );
  return { draft: { ...draft, sections: [...draft.sections, { key, title, columns: 2, fields: [] }] }, key };
}

/** Drop a section; its fields go back to the palette (and out of the highlights). */
export function removeSection(draft: Draft, key: string): Draft {
  const gone = new Set(draft.sections.find((s) => s.key === key)?.fields ?? []);
  return {
    ...draft,
    sections: draft.sections.filter((s) => s.key !== key),
    highlights: draft.highlights.filter((h) => !gone.has(h)),
  };
}

export function updateSection(draft: Draft, key: string, patch: Partial<Omit<LayoutSection, "key" | "fields">>): Draft {
  return { ...draft, sections: draft.sections.map((s) => (s.key === key ? { ...s, ...patch } : s)) };
}

export function move<T>(items: readonly T[], from: number, to: number): T[] {
  const out = [...items];
  const [item] = out.splice(from, 1);
  if (item === undefined) return out;
  out.splice(to, 0, item);
  return out;
}

export function toggleHighlight(draft: Draft, name: string): Draft {
  if (draft.highlights.includes(name)) return { ...draft, highlights: draft.highlights.filter((h) => h !== name) };
  if (draft.highlights.length >= MAX_HIGHLIGHTS) return draft;
  return { ...draft, highlights: [...draft.highlights, name] };
}

export const relatedKey = (r: Pick<RelatedList, "object" | "field">) => `${r.object}.${r.field}`;

export function addRelated(draft: Draft, list: RelatedList, index?: number): Draft {
  if (draft.related_lists.some((r) => relatedKey(r) === relatedKey(list))) return draft;
  const lists = [...draft.related_lists];
  lists.splice(index ?? lists.length, 0, list);
  return { ...draft, related_lists: lists };
}

export function removeRelated(draft: Draft, key: string): Draft {
  return { ...draft, related_lists: draft.related_lists.filter((r) => relatedKey(r) !== key) };
}

export function updateRelated(draft: Draft, key: string, patch: Partial<Pick<RelatedList, "columns" | "title">>): Draft {
  return { ...draft, related_lists: draft.related_lists.map((r) => (relatedKey(r) === key ? { ...r, ...patch } : r)) };
}

/**
 * The server's 422 names each problem by its place in the body sent (`sections[0].fields[2]`,
 * or Pydantic's `sections.0.columns`); turn those into the drag ids of the items to mark.
 * Problems no item owns go under "".
 */
export function problemTargets(sent: Draft, problems: readonly FieldProblem[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (target: string, message: string) => out.set(target, [...(out.get(target) ?? []), message]);
  for (const problem of problems) {
    const path = problem.field.split(/[.[\]]+/).filter(Boolean);
    const [member, first, sub, second] = path;
    const i = Number(first);
    const j = Number(second);
    let target = "";
    if (member === "sections" && Number.isInteger(i)) {
      const section = sent.sections[i];
      const field = sub === "fields" && Number.isInteger(j) ? section?.fields[j] : undefined;
      if (field !== undefined) target = ids.field(field);
      else if (section) target = ids.section(section.key);
    } else if (member === "related_lists" && Number.isInteger(i)) {
      const list = sent.related_lists[i];
      if (list) target = ids.related(list);
    } else if (member === "highlights") {
      target = "highlights";
    }
    add(target, problem.message);
  }
  return out;
}
