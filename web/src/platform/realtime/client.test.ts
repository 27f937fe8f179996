import { describe, expect, it } from "vitest";
import { backoffDelay } from "./backoff";
import { RealtimeClient } from "./client";
import { FakeSocket } from "../../testing/fakeRealtime";
import type { EventFrame } from "./types";

function event(offset: number, title = `e${offset}`): unknown {
  return {
    type: "event",
    channel: "store:a",
    epoch: "E",
    offset,
    event: { id: String(offset), title },
  };
}

async function setup() {
  const sockets: FakeSocket[] = [];
  const timers: (() => void)[] = [];
  const client = new RealtimeClient({
    ticket: () => Promise.resolve("t"),
    open: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    random: () => 0.5,
    setTimer: (fn) => timers.push(fn),
    clearTimer: () => undefined,
  });
  const got: number[] = [];
  let resets = 0;
  const unsubscribe = client.subscribe(
    "store:a",
    (f: EventFrame) => got.push(f.offset),
    () => resets++,
  );
  await Promise.resolve();
  await Promise.resolve();
  const socket = (i: number): FakeSocket => {
    const s = sockets[i];
    if (!s) throw new Error(`no socket ${i}`);
    return s;
  };
  return { client, socket, timers, got, resets: () => resets, unsubscribe };
}

describe("RealtimeClient", () => {
  it("subscribes after hello and resumes from the last offset after a drop", async () => {
    const { socket, timers, got } = await setup();
    const first = socket(0);
    first.push({ type: "hello", protocol: 1 });
    expect(first.sent).toEqual([{ type: "subscribe", channel: "store:a" }]);
    first.push({ type: "subscribed", channel: "store:a", epoch: "E", offset: 4, head: 4 });
    first.push(event(5));
    first.push(event(6));
    first.onclose?.({ code: 1006 });
    expect(timers).toHaveLength(1);
    timers[0]?.();
    await Promise.resolve();
    await Promise.resolve();
    const second = socket(1);
    second.push({ type: "hello", protocol: 1 });
    expect(second.sent).toEqual([
      { type: "subscribe", channel: "store:a", resume: { epoch: "E", offset: 6 } },
    ]);
    // A duplicate of 6 (e.g. from a replay overlapping live) is dropped.
    second.push(event(6));
    second.push(event(7));
    expect(got).toEqual([5, 6, 7]);
  });

  it("hands a reset to the channel and continues after its offset", async () => {
    const { socket, got, resets } = await setup();
    const s = socket(0);
    s.push({ type: "hello", protocol: 1 });
    s.push({
      type: "reset",
      channel: "store:a",
      epoch: "F",
      offset: 100,
      reason: "beyond_history",
    });
    s.push({ ...(event(101) as object), epoch: "F" });
    expect(resets()).toBe(1);
    expect(got).toEqual([101]);
  });

  it("asks for a reload once a first subscription is confirmed, not after a resume", async () => {
    const { socket, timers, resets } = await setup();
    const first = socket(0);
    first.push({ type: "hello", protocol: 1 });
    expect(resets()).toBe(0);
    first.push({ type: "subscribed", channel: "store:a", epoch: "E", offset: 4, head: 4 });
    expect(resets()).toBe(1);
    first.push(event(5));
    first.onclose?.({ code: 1006 });
    timers[0]?.();
    await Promise.resolve();
    await Promise.resolve();
    const second = socket(1);
    second.push({ type: "hello", protocol: 1 });
    second.push({ type: "subscribed", channel: "store:a", epoch: "E", offset: 5, head: 9 });
    expect(resets()).toBe(1);
  });

  it("asks again for a subscription the server failed to set up, but not for a refusal", async () => {
    const { socket, timers } = await setup();
    const s = socket(0);
    s.push({ type: "hello", protocol: 1 });
    s.push({ type: "error", code: "internal_error", message: "x", channel: "store:a" });
    expect(timers).toHaveLength(1);
    timers[0]?.();
    expect(s.sent).toEqual([
      { type: "subscribe", channel: "store:a" },
      { type: "subscribe", channel: "store:a" },
    ]);
    s.push({ type: "error", code: "forbidden", message: "x", channel: "store:a" });
    expect(timers).toHaveLength(1);
  });

  it("closes when nobody listens, and a later listener connects afresh", async () => {
    const { client, socket, timers, unsubscribe } = await setup();
    const first = socket(0);
    first.push({ type: "hello", protocol: 1 });
    // The screen changes: one listener goes and another comes in the same render.
    unsubscribe();
    const stopB = client.subscribe("store:b", () => undefined);
    await Promise.resolve();
    expect(first.closed).toBeNull();
    expect(first.sent.slice(-2)).toEqual([
      { type: "unsubscribe", channel: "store:a" },
      { type: "subscribe", channel: "store:b" },
    ]);
    // Everyone goes (signed out): the socket closes, and no reconnect is planned.
    stopB();
    await Promise.resolve();
    expect(first.closed).toBe(1000);
    expect(client.status).toBe("closed");
    expect(timers).toHaveLength(0);
    // Someone signs in on this tab: a new socket, a new ticket.
    client.subscribe("user:y", () => undefined);
    await Promise.resolve();
    await Promise.resolve();
    const second = socket(1);
    second.push({ type: "hello", protocol: 1 });
    expect(second.sent).toEqual([{ type: "subscribe", channel: "user:y" }]);
  });

  it("stops for good when the session ended", async () => {
    const { client, socket, timers } = await setup();
    socket(0).onclose?.({ code: 4001 });
    expect(timers).toHaveLength(0);
    expect(client.status).toBe("closed");
  });

  it("backs off exponentially with jitter, capped at 30 s", () => {
    expect(backoffDelay(0, () => 0.5)).toBe(500);
    expect(backoffDelay(3, () => 0.5)).toBe(4000);
    expect(backoffDelay(20, () => 0.5)).toBe(30000);
    expect(backoffDelay(0, () => 0)).toBe(250);
    expect(backoffDelay(0, () => 0.999)).toBeLessThanOrEqual(750);
  });
});
