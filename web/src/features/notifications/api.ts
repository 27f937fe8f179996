/** REST calls of the notification centre (`/api/notifications`). */
import type { Api, Page } from "../../platform/net/api";

export interface Notification {
  id: string;
  event_id: string;
  type: string;
  kind: string;
  priority: "low" | "medium" | "high" | "critical";
  title: string;
  message: string;
  store_id: string | null;
  push: boolean;
  time: string;
  read_at: string | null;
}

export interface Preferences {
  event_types: string[];
  min_priority: string;
  stores: string[] | null;
  quiet_hours: { start: string; end: string; timezone: string } | null;
  browser_notifications: boolean;
}

export const notificationsApi = (api: Api) => ({
  list: (unread = false) =>
    api.get<Page<Notification>>("/api/notifications", { limit: 20, unread: unread || undefined }),
  unreadCount: () =>
    api.get<{ unread: number }>("/api/notifications/unread-count").then((r) => r.unread),
  markRead: (id: string) => api.post<Notification>(`/api/notifications/${id}/read`),
  markAllRead: () => api.post<{ marked: number }>("/api/notifications/read-all"),
  preferences: () => api.get<Preferences>("/api/notifications/preferences"),
  savePreferences: (p: Preferences) => api.put<Preferences>("/api/notifications/preferences", p),
});
