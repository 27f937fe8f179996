import { act } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { LiveEvent } from "../../platform/realtime/types";
import { fakeApi } from "../../testing/fakeServer";
import { eventually, fakeRealtime } from "../../testing/fakeRealtime";
import { type Rendered, renderWithApp, testMe } from "../../testing/renderWithApp";
import { NotificationBell, toastTiming } from "./NotificationBell";

/** The browser's Notification, with a permission the test sets and a record of what it showed. */
class FakeNotification {
  static permission: NotificationPermission = "default";
  static shown: { title: string; body?: string; tag?: string }[] = [];
  static requestPermission = vi.fn(async () => FakeNotification.permission);
  onclick: (() => void) | null = null;
  constructor(title: string, opts?: NotificationOptions) {
    FakeNotification.shown.push({ title, body: opts?.body, tag: opts?.tag });
  }
}

let unread = 0;
function server() {
  unread = 0;
  return fakeApi({
    "GET /api/notifications/unread-count": () => ({ status: 200, body: { unread } }),
    "GET /api/notifications": () => ({ status: 200, body: { items: [], next_cursor: null } }),
  });
}

let view: Rendered | null = null;
beforeEach(() => {
  FakeNotification.permission = "granted";
  FakeNotification.shown = [];
  FakeNotification.requestPermission.mockClear();
  vi.stubGlobal("Notification", FakeNotification);
  // Long enough that no toast leaves on its own while a test looks, however slow the
  // machine; the test of leaving shortens it.
  toastTiming.highMs = 60_000;
});
afterEach(() => {
  view?.unmount();
  view = null;
  vi.unstubAllGlobals();
});

async function open() {
  const s = server();
  const live = fakeRealtime(s.api);
  view = await renderWithApp(<NotificationBell />, s.api, testMe({ stores: [] }));
  await live.connect(3);
  expect(live.socket().sent).toEqual([{ type: "subscribe", channel: "user:u1" }]);
  let offset = 3;
  const notify = (
    priority: LiveEvent["priority"],
    n: { push?: boolean; browser?: boolean } = {},
    title = `A ${priority} alert`,
  ) =>
    live.event("user:u1", ++offset, {
      id: `ev-${offset}`,
      type: "system_alert",
      kind: "announcement",
      priority,
      title,
      message: `Details of ${title}`,
      notification: { id: `n-${offset}`, push: n.push ?? true, browser: n.browser ?? false },
    });
  return { s, live, notify };
}

const toasts = () =>
  [...view!.container.querySelectorAll('[data-testid="toasts"] > div')].map(
    (t) => `${t.getAttribute("role")}: ${t.querySelector("strong")?.textContent}`,
  );
const count = () =>
  view!.container.querySelector('[data-testid="unread-count"]')?.textContent ?? "0";

describe("NotificationBell", () => {
  it("counts every notification but pops up only high and critical ones", async () => {
    const { notify } = await open();
    await notify("medium");
    await notify("high");
    await notify("critical");
    expect(count()).toBe("3");
    expect(toasts()).toEqual(["status: A high alert", "alert: A critical alert"]);
  });

  it("pops up nothing the server did not push (quiet hours)", async () => {
    const { notify } = await open();
    await notify("high", { push: false });
    expect(count()).toBe("1");
    expect(toasts()).toEqual([]);
  });

  it("lets a high toast go by itself and keeps a critical one until it is dismissed", async () => {
    toastTiming.highMs = 50;
    const { notify } = await open();
    await notify("high");
    await notify("critical");
    await act(() => new Promise<void>((r) => setTimeout(r, 80)));
    expect(toasts()).toEqual(["alert: A critical alert"]);
    const close = view!.container.querySelector<HTMLButtonElement>(
      'button[aria-label="Dismiss: A critical alert"]',
    )!;
    await act(async () => close.click());
    expect(toasts()).toEqual([]);
  });

  it("shows a system notification when the server asks for one and the browser allows it", async () => {
    const { notify } = await open();
    await notify("critical", { browser: true }, "Sale from a revoked terminal");
    expect(FakeNotification.shown).toEqual([
      {
        title: "Sale from a revoked terminal",
        body: "Details of Sale from a revoked terminal",
        tag: "n-4",
      },
    ]);
    // Not asked for (the user's preference is off): no system notification.
    await notify("critical", { browser: false });
    expect(FakeNotification.shown).toHaveLength(1);
  });

  it("shows no system notification when the browser denied it, and never asks by itself", async () => {
    FakeNotification.permission = "denied";
    const { notify } = await open();
    await notify("critical", { browser: true });
    expect(FakeNotification.shown).toEqual([]);
    // The toast still tells the person.
    expect(toasts()).toEqual(["alert: A critical alert"]);
    expect(FakeNotification.requestPermission).not.toHaveBeenCalled();
  });

  it("reloads the count from the server after a reset", async () => {
    const { s, live, notify } = await open();
    await notify("medium");
    expect(count()).toBe("1");
    unread = 7;
    const before = s.calls.filter((c) => c.includes("unread-count")).length;
    await live.reset("user:u1", 50);
    await eventually(() => expect(count()).toBe("7"));
    expect(s.calls.filter((c) => c.includes("unread-count")).length).toBe(before + 1);
  });
});
