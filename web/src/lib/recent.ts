/** Recently viewed records, kept in this browser per user (newest first, at most 20). */

export interface RecentItem {
  object: string;
  id: string;
  title: string;
  at: string;
}

const MAX = 20;

function key(userId: string): string {
  return `guanxi.recent.${userId}`;
}

export function recentItems(userId: string): RecentItem[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(key(userId)) ?? "[]");
    return Array.isArray(parsed) ? (parsed as RecentItem[]) : [];
  } catch {
    return [];
  }
}

export function rememberRecent(userId: string, item: Omit<RecentItem, "at">): void {
  const rest = recentItems(userId).filter((i) => !(i.object === item.object && i.id === item.id));
  const next = [{ ...item, at: new Date().toISOString() }, ...rest].slice(0, MAX);
  localStorage.setItem(key(userId), JSON.stringify(next));
}
