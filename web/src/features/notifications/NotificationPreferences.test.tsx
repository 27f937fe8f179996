import { act } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { apiError, fakeApi } from "../../testing/fakeServer";
import { eventually } from "../../testing/fakeRealtime";
import { type Rendered, renderWithApp, testMe } from "../../testing/renderWithApp";
import type { Preferences } from "./api";
import { NotificationPreferences } from "./NotificationPreferences";

let answer: NotificationPermission = "granted";
const requestPermission = vi.fn(async () => {
  FakeNotification.permission = answer;
  return answer;
});
class FakeNotification {
  static permission: NotificationPermission = "default";
  static requestPermission = requestPermission;
}

const DEFAULTS: Preferences = {
  event_types: ["inventory_alert", "sales_update", "system_alert", "ai_insight"],
  min_priority: "medium",
  stores: null,
  quiet_hours: null,
  browser_notifications: false,
};

function server(saved: Preferences = DEFAULTS) {
  const puts: Preferences[] = [];
  const { api } = fakeApi({
    "GET /api/notifications/preferences": () => ({ status: 200, body: saved }),
    "PUT /api/notifications/preferences": ({ body }) => {
      const p = body as Preferences;
      if (p.quiet_hours && p.quiet_hours.timezone === "Mars/Olympus") {
        return apiError(422, "invalid_timezone", "Unknown time zone.", "quiet_hours.timezone");
      }
      puts.push(p);
      return { status: 200, body: p };
    },
  });
  return { api, puts };
}

let view: Rendered | null = null;
beforeEach(() => {
  FakeNotification.permission = "default";
  requestPermission.mockClear();
  vi.stubGlobal("Notification", FakeNotification);
});
afterEach(() => {
  view?.unmount();
  view = null;
  vi.unstubAllGlobals();
});

async function open(saved?: Preferences) {
  const s = server(saved);
  view = await renderWithApp(
    <NotificationPreferences />,
    s.api,
    testMe({ stores: [{ id: "s1", role: "manager", name: "Berlin" }] }),
  );
  await eventually(() => expect(browserBox()).not.toBeNull());
  return s;
}

const browserBox = () =>
  view!.container.querySelector<HTMLInputElement>('input[name="browser_notifications"]');
const click = (el: HTMLElement) => act(async () => el.click());
const submit = () =>
  click(
    [...view!.container.querySelectorAll("button")].find(
      (b) => b.textContent === "Save notification settings",
    )!,
  );

describe("NotificationPreferences", () => {
  it("asks the browser only when the box is ticked, and saves the choice", async () => {
    const s = await open();
    expect(requestPermission).not.toHaveBeenCalled();
    answer = "granted";
    await click(browserBox()!);
    expect(requestPermission).toHaveBeenCalledTimes(1);
    expect(browserBox()!.checked).toBe(true);
    await submit();
    await eventually(() => expect(s.puts).toHaveLength(1));
    expect(s.puts[0]).toEqual({ ...DEFAULTS, browser_notifications: true });
    expect(view!.text()).toContain("Notification settings saved.");
  });

  it("keeps the box off and says how to undo it when the browser says no", async () => {
    const s = await open();
    answer = "denied";
    await click(browserBox()!);
    expect(browserBox()!.checked).toBe(false);
    expect(view!.text()).toContain("This browser blocks notifications from this site.");
    await submit();
    await eventually(() => expect(s.puts).toHaveLength(1));
    expect(s.puts[0]!.browser_notifications).toBe(false);
  });

  it("does not ask again once the browser blocks the site", async () => {
    FakeNotification.permission = "denied";
    await open();
    await click(browserBox()!);
    expect(requestPermission).not.toHaveBeenCalled();
    expect(browserBox()!.checked).toBe(false);
  });

  it("switches off without asking, and shows the server's field error", async () => {
    FakeNotification.permission = "granted";
    const s = await open({ ...DEFAULTS, browser_notifications: true });
    expect(browserBox()!.checked).toBe(true);
    await click(browserBox()!);
    expect(browserBox()!.checked).toBe(false);
    const quiet = [...view!.container.querySelectorAll("label")].find((l) =>
      l.textContent?.startsWith("No pop-ups at night"),
    )!;
    await click(quiet.querySelector("input")!);
    const tz = view!.container.querySelector<HTMLInputElement>('input[name="quiet_timezone"]')!;
    await act(async () => {
      const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value")!.set!;
      set.call(tz, "Mars/Olympus");
      tz.dispatchEvent(new Event("input", { bubbles: true }));
    });
    await submit();
    await eventually(() => expect(tz.getAttribute("aria-invalid")).toBe("true"));
    expect(view!.text()).toContain("Use an IANA time zone, e.g. Europe/Berlin.");
    expect(s.puts).toEqual([]);
    expect(requestPermission).not.toHaveBeenCalled();
  });

  it("refuses to save with no kind of event chosen", async () => {
    const s = await open();
    for (const box of [
      ...view!.container.querySelectorAll<HTMLInputElement>("fieldset"),
    ][0]!.querySelectorAll("input")) {
      await click(box);
    }
    await submit();
    expect(view!.text()).toContain("Choose at least one kind of event");
    expect(s.puts).toEqual([]);
  });
});
