/**
 * A real {@link RealtimeClient} over fake sockets, for component tests of live screens: the
 * test plays the server (hello, subscribed, events, resets, drops) frame by frame, and reads
 * what the client sent. Reconnect timers are collected, not run, so a test decides when the
 * client reconnects. Used by tests only.
 */
import { act } from "react";
import { vi } from "vitest";
import type { Api } from "../platform/net/api";
import { RealtimeClient } from "../platform/realtime/client";
import { setRealtimeClient } from "../platform/realtime/live";
import type { LiveEvent, SocketLike } from "../platform/realtime/types";

export class FakeSocket implements SocketLike {
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  sent: Record<string, unknown>[] = [];
  closed: number | null = null;
  send(data: string) {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(code = 1000) {
    this.closed = code;
  }
  push(frame: unknown) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
}

export interface FakeRealtime {
  client: RealtimeClient;
  sockets: FakeSocket[];
  /** The newest socket. */
  socket: () => FakeSocket;
  /** Pending reconnect timers, oldest first. */
  timers: (() => void)[];
  /** Sends `hello`, then answers every `subscribe` the client sent with `subscribed` at `head`. */
  connect: (head?: number) => Promise<void>;
  /** Sends one event on `channel` at `offset`. */
  event: (channel: string, offset: number, event: Partial<LiveEvent>) => Promise<void>;
  reset: (channel: string, offset: number, reason?: string) => Promise<void>;
  /** The connection drops (no close frame: 1006). */
  drop: (code?: number) => Promise<void>;
  /** Runs the pending reconnect timer and lets the ticket request settle. */
  reconnect: () => Promise<void>;
}

export const EPOCH = "E1";

/**
 * Lets queued promises (ticket requests, fake fetches and their JSON bodies) settle inside
 * act(). Under fake timers it also moves the clock a few milliseconds per round, since the
 * DOM's own `Response` reads its body on timers.
 */
export async function settle(rounds = 10) {
  await act(async () => {
    for (let i = 0; i < rounds; i++) {
      await new Promise<void>((r) => setImmediate(r));
      if (vi.isFakeTimers()) await vi.advanceTimersByTimeAsync(2);
    }
  });
}

/**
 * Retries `check` (an assertion) while letting work settle, for what a screen shows after a
 * REST reload; throws the last failure after `rounds`.
 */
export async function eventually(check: () => void, rounds = 100): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      check();
      return;
    } catch (e) {
      if (i >= rounds) throw e;
      await settle(1);
    }
  }
}

export function fakeRealtime(api: Api): FakeRealtime {
  const sockets: FakeSocket[] = [];
  const timers: (() => void)[] = [];
  const client = new RealtimeClient({
    ticket: () => Promise.resolve("ticket"),
    open: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    random: () => 0.5,
    setTimer: (fn) => timers.push(fn),
    clearTimer: () => undefined,
  });
  setRealtimeClient(api, client);
  const socket = () => {
    const s = sockets[sockets.length - 1];
    if (!s) throw new Error("no socket opened yet");
    return s;
  };
  const frame = async (f: unknown) => {
    await act(async () => socket().push(f));
  };
  return {
    client,
    sockets,
    socket,
    timers,
    connect: async (head = 0) => {
      await settle();
      await frame({ type: "hello", protocol: 1, user_id: "u1" });
      for (const m of socket().sent) {
        if (m.type !== "subscribe") continue;
        const resume = m.resume as { epoch: string; offset: number } | undefined;
        await frame({
          type: "subscribed",
          channel: m.channel,
          epoch: EPOCH,
          offset: resume ? resume.offset : head,
          head,
        });
      }
    },
    event: (channel, offset, event) =>
      frame({
        type: "event",
        channel,
        epoch: EPOCH,
        offset,
        event: {
          id: `ev-${channel}-${offset}`,
          type: "sales_update",
          kind: "sale.completed",
          priority: "low",
          title: "Sale completed",
          message: "",
          data: {},
          store_id: null,
          time: "2026-11-26T10:00:00Z",
          ...event,
        },
      }),
    reset: (channel, offset, reason = "beyond_history") =>
      frame({ type: "reset", channel, epoch: EPOCH, offset, reason }),
    drop: async (code = 1006) => {
      await act(async () => socket().onclose?.({ code }));
    },
    reconnect: async () => {
      const t = timers.shift();
      if (!t) throw new Error("no reconnect scheduled");
      await act(async () => t());
      await settle();
    },
  };
}
