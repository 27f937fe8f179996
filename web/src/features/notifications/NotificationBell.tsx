/**
 * The notification centre in the top bar: a bell with the unread count, a panel listing recent
 * notifications (mark one or all read), toasts for notifications pushed live, and a browser
 * (system) notification for critical ones when the user allowed them.
 *
 * Live updates come from the user's own channel (`user:<id>`); a `reset` (the user was away
 * beyond the history window) reloads the count and the list from REST.
 */
import { useCallback, useEffect, useState } from "react";
import { useApp } from "../../app/context";
import { useLiveEvents, useLiveStatus } from "../../platform/realtime/live";
import type { EventFrame } from "../../platform/realtime/types";
import { type Notification, notificationsApi } from "./api";
import "./notifications.css";

interface Toast {
  id: string;
  title: string;
  message: string;
  priority: string;
}

const TOAST_MS = 6000;

export function NotificationBell() {
  const { api, me } = useApp();
  const rest = notificationsApi(api);
  const [unread, setUnread] = useState(0);
  const [items, setItems] = useState<Notification[]>([]);
  const [open, setOpen] = useState(false);
  const [toasts, setToasts] = useState<Toast[]>([]);
  const status = useLiveStatus(api);

  const reload = useCallback(() => {
    void rest.unreadCount().then(setUnread, () => undefined);
    void rest.list().then(
      (p) => setItems(p.items),
      () => undefined,
    );
  }, [api]);
  useEffect(reload, [reload]);

  const onEvent = (frame: EventFrame) => {
    const n = frame.event.notification;
    if (!n) return;
    const e = frame.event;
    setUnread((u) => u + 1);
    setItems((list) => [
      {
        id: n.id,
        event_id: e.id,
        type: e.type,
        kind: e.kind,
        priority: e.priority,
        title: e.title,
        message: e.message,
        store_id: e.store_id,
        push: n.push,
        time: e.time,
        read_at: null,
      },
      ...list.filter((x) => x.id !== n.id),
    ]);
    if (n.push) {
      const toast = { id: n.id, title: e.title, message: e.message, priority: e.priority };
      setToasts((t) => [...t, toast].slice(-4));
      setTimeout(() => setToasts((t) => t.filter((x) => x.id !== n.id)), TOAST_MS);
    }
    if (n.browser && typeof Notification !== "undefined" && Notification.permission === "granted") {
      new Notification(e.title, { body: e.message, tag: n.id });
    }
  };
  useLiveEvents(api, `user:${me.user.id}`, onEvent, reload);

  const markRead = async (id: string) => {
    const updated = await rest.markRead(id);
    setItems((list) => list.map((x) => (x.id === id ? updated : x)));
    setUnread((u) => Math.max(0, u - 1));
  };
  const markAll = async () => {
    await rest.markAllRead();
    setUnread(0);
    setItems((list) => list.map((x) => ({ ...x, read_at: x.read_at ?? new Date().toISOString() })));
  };
  const allowBrowser = async () => {
    if (typeof Notification === "undefined") return;
    const permission = await Notification.requestPermission();
    const prefs = await rest.preferences();
    await rest.savePreferences({ ...prefs, browser_notifications: permission === "granted" });
  };

  return (
    <div className="bell">
      <button
        type="button"
        className="btn btn-quiet bell-button"
        aria-expanded={open}
        aria-label={`Notifications, ${unread} unread`}
        onClick={() => setOpen((o) => !o)}
      >
        <span
          className={`live-dot ${status}`}
          title={`Live updates: ${status}`}
          aria-hidden="true"
        />
        🔔
        {unread > 0 && (
          <span className="bell-count" data-testid="unread-count">
            {unread}
          </span>
        )}
      </button>
      {open && (
        <section className="bell-panel" aria-label="Notifications">
          <header>
            <strong>Notifications</strong>
            <button type="button" className="btn btn-quiet" onClick={() => void markAll()}>
              Mark all read
            </button>
          </header>
          {items.length === 0 ? (
            <p>No notifications yet.</p>
          ) : (
            <ul>
              {items.map((n) => (
                <li key={n.id} className={`bell-item ${n.read_at ? "" : "unread"}`}>
                  <strong>{n.title}</strong> <span className="badge">{n.priority}</span>
                  <p>{n.message}</p>
                  <small>{new Date(n.time).toLocaleString()}</small>{" "}
                  {!n.read_at && (
                    <button
                      type="button"
                      className="btn btn-quiet"
                      onClick={() => void markRead(n.id)}
                    >
                      Mark read
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
          {typeof Notification !== "undefined" && Notification.permission !== "granted" && (
            <button type="button" className="btn btn-quiet" onClick={() => void allowBrowser()}>
              Browser notifications for critical alerts
            </button>
          )}
        </section>
      )}
      <div className="toasts" role="status" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className={`toast ${t.priority}`}>
            <strong>{t.title}</strong>
            <div>{t.message}</div>
          </div>
        ))}
      </div>
    </div>
  );
}
