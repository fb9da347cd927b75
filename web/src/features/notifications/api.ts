import { api } from "../../lib/api";

export interface Notification {
  id: string;
  kind: string;
  title: string;
  body: string | null;
  link: { object: string; record_id: string } | { url: string } | null;
  actor: { id: string; name: string } | null;
  read: boolean;
  read_at: string | null;
  created_at: string;
}

export interface NotificationPage {
  notifications: Notification[];
  next_before: string | null;
  unread: number;
}

export type Channel = "in_app" | "email" | "robot";
export type Channels = Record<Channel, boolean>;

export const NOTIFICATIONS_KEY = ["notifications"] as const;
export const PREFERENCES_KEY = ["notifications", "preferences"] as const;
export const STREAM_URL = "/api/v1/notifications/stream";

export const notificationsApi = {
  list: () => api.get<NotificationPage>("/notifications?limit=20"),
  read: (id: string) => api.post<{ unread: number }>(`/notifications/${id}/read`),
  readAll: () => api.post<{ unread: number }>("/notifications/read-all"),
  preferences: () => api.get<{ kinds: Record<string, Channels> }>("/notifications/preferences"),
  setPreferences: (kinds: Record<string, Partial<Channels>>) =>
    api.put<{ kinds: Record<string, Channels> }>("/notifications/preferences", { kinds }),
};

/** Where a notification leads in the app (null: nowhere, or outside it). */
export function notificationPath(n: Notification): string | null {
  if (!n.link) return null;
  if ("object" in n.link) return `/o/${n.link.object}/${n.link.record_id}`;
  return n.link.url.startsWith("/") ? n.link.url : null;
}
