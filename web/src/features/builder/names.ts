/** API names from labels: what the builder proposes while an administrator types. */

/** "Project budget" → "project_budget"; Chinese-only labels give "" (the admin types one). */
export function apiName(labelText: string): string {
  return labelText
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^[^a-z]+/, "")
    .replace(/_+$/, "")
    .slice(0, 48);
}

export const NAME_PATTERN = /^[a-z](?!.*__)[a-z0-9_]{0,47}$/;
