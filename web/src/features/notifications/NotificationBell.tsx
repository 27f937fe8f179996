/**
 * The notification centre in the top bar: a bell with the unread count, a panel listing recent
 * notifications (mark one or all read), toasts for urgent notifications pushed live, and a
 * browser (system) notification for critical ones when the user allowed them.
 *
 * Live updates come from the user's own channel (`user:<id>`); a `reset` (the user was away
 * beyond the history window) reloads the count and the list from REST.
 *
 * Which notification does what: every one counts and is listed. A toast appears for `high` and
 * `critical` ones the server marked `push` (false inside the user's quiet hours); a `high` toast
 * goes away by itself, a `critical` one stays until dismissed. A system notification appears
 * when the server marked it `browser` (a pushed critical event, and the user switched browser
 * notifications on in their preferences) and this browser's permission is granted. Permission is
 * only ever asked from the preferences form ({@link NotificationPreferences}), on a click.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { useApp } from "../../app/context";
import { Link } from "../../app/router";
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

/** How long a `high` toast stays (a `critical` one stays until dismissed). Tests shorten it. */
export const toastTiming = { highMs: 8000 };

const URGENT = new Set(["high", "critical"]);

/** Shows a system notification, if this browser has the permission; false when it did not. */
export function showBrowserNotification(title: string, body: string, tag: string): boolean {
  if (typeof Notification === "undefined" || Notification.permission !== "granted") return false;
  try {
    const n = new Notification(title, { body, tag });
    n.onclick = () => window.focus();
    return true;
  } catch {
    // Some browsers (Chrome on Android) only allow notifications from a service worker.
    return false;
  }
}

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

  const timers = useRef(new Set<ReturnType<typeof setTimeout>>());
  useEffect(() => {
    const pending = timers.current;
    return () => pending.forEach(clearTimeout);
  }, []);
  const dismiss = (id: string) => setToasts((t) => t.filter((x) => x.id !== id));

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
    if (n.push && URGENT.has(e.priority)) {
      const toast = { id: n.id, title: e.title, message: e.message, priority: e.priority };
      setToasts((t) => [...t.filter((x) => x.id !== n.id), toast].slice(-4));
      if (e.priority !== "critical") {
        const timer = setTimeout(() => {
          timers.current.delete(timer);
          dismiss(n.id);
        }, toastTiming.highMs);
        timers.current.add(timer);
      }
    }
    if (n.browser) showBrowserNotification(e.title, e.message, n.id);
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
          <p className="bell-settings">
            <Link to="/account#notifications" onClick={() => setOpen(false)}>
              Notification settings
            </Link>
          </p>
        </section>
      )}
      <div className="toasts" aria-live="polite" data-testid="toasts">
        {toasts.map((t) => (
          <div
            key={t.id}
            className={`toast ${t.priority}`}
            role={t.priority === "critical" ? "alert" : "status"}
          >
            <div className="toast-text">
              <strong>{t.title}</strong>
              <div>{t.message}</div>
            </div>
            <button
              type="button"
              className="toast-close"
              aria-label={`Dismiss: ${t.title}`}
              onClick={() => dismiss(t.id)}
            >
              ×
            </button>
          </div>
        ))}
      </div>
    </div>
  );
}
