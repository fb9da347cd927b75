/** Field definitions for unit tests, as the server describes a standard field. */
import type { FieldDef } from "../lib/meta";

export function field(name: string, type: FieldDef["type"], labels: [string, string], extra: Partial<FieldDef> = {}): FieldDef {
  return {
    name,
    type,
    label: { en: labels[0], "zh-CN": labels[1] },
    help: null,
    required: false,
    unique: false,
    indexed: false,
    searchable: false,
    default: null,
    position: 0,
    standard: true,
    archived: false,
    ...extra,
  };
}
