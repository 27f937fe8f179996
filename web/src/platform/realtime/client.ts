/**
 * The real-time client: one WebSocket per signed-in tab, shared by every feature.
 *
 * It keeps, per channel, the epoch and offset of the last event it delivered, and on every
 * (re)connect subscribes with `resume`, so the server replays exactly what was missed; an
 * event at or below the kept offset is a duplicate and dropped. A `reset` (history window
 * passed) is handed to the channel's reset listeners, whose job is to reload from REST; so is
 * the confirmation of a first subscription (REST state loaded before it may miss a change).
 * Reconnects back off exponentially with jitter; a `4001` close (session ended) stops it. A
 * subscription the server failed to set up (`error` `internal_error`) is asked for again.
 *
 * Pure logic over a {@link SocketLike}: no DOM, tested with a fake socket.
 */
import { backoffDelay } from "./backoff";
import type { EventFrame, Position, SocketLike } from "./types";

export type Status = "connecting" | "open" | "closed";

export interface ClientOptions {
  /** A fresh ticket (POST /api/realtime/ticket). */
  ticket: () => Promise<string>;
  /** Opens a socket for a ticket. */
  open: (ticket: string) => SocketLike;
  random?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  now?: () => number;
}

interface ChannelState {
  position: Position | null;
  listeners: Set<(frame: EventFrame) => void>;
  /** Reload listeners: told why (`subscribed`, or the `reset` frame's reason). */
  resets: Set<(reason: string) => void>;
}

/** A connection that stayed up this long resets the backoff. */
const STABLE_MS = 60_000;

export class RealtimeClient {
  private readonly channels = new Map<string, ChannelState>();
  private socket: SocketLike | null = null;
  private attempt = 0;
  private openedAt = 0;
  private timer: unknown = null;
  private stopped = true;
  private statusListeners = new Set<(s: Status) => void>();
  status: Status = "closed";

  constructor(private readonly opts: ClientOptions) {}

  /** Listens to `channel`; returns the function that stops listening. */
  subscribe(
    channel: string,
    onEvent: (frame: EventFrame) => void,
    onReset?: (reason: string) => void,
  ): () => void {
    let state = this.channels.get(channel);
    const isNew = !state;
    if (!state) {
      state = { position: null, listeners: new Set(), resets: new Set() };
      this.channels.set(channel, state);
    }
    state.listeners.add(onEvent);
    if (onReset) state.resets.add(onReset);
    if (isNew && this.status === "open") this.sendSubscribe(channel, state);
    if (this.stopped) this.start();
    return () => {
      const s = this.channels.get(channel);
      if (!s) return;
      s.listeners.delete(onEvent);
      if (onReset) s.resets.delete(onReset);
      if (s.listeners.size === 0) {
        this.channels.delete(channel);
        if (this.status === "open") this.send({ type: "unsubscribe", channel });
        // Nobody listens any more (signed out): close, so the next listener (maybe another
        // person signing in on this tab) connects with a ticket of its own. Checked after the
        // current render's effects ran, so moving between screens keeps the socket.
        if (this.channels.size === 0) {
          queueMicrotask(() => {
            if (this.channels.size === 0) this.stop();
          });
        }
      }
    };
  }

  onStatus(fn: (s: Status) => void): () => void {
    this.statusListeners.add(fn);
    return () => this.statusListeners.delete(fn);
  }

  /** The position kept for a channel (for tests and diagnostics). */
  position(channel: string): Position | null {
    return this.channels.get(channel)?.position ?? null;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) (this.opts.clearTimer ?? clearTimeout)(this.timer as never);
    this.timer = null;
    const s = this.socket;
    this.socket = null;
    s?.close(1000);
    this.setStatus("closed");
  }

  private setStatus(s: Status) {
    this.status = s;
    for (const fn of this.statusListeners) fn(s);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.setStatus("connecting");
    let socket: SocketLike;
    try {
      socket = this.opts.open(await this.opts.ticket());
    } catch {
      this.retry();
      return;
    }
    if (this.stopped) {
      socket.close(1000);
      return;
    }
    this.socket = socket;
    socket.onmessage = (ev) => this.receive(String(ev.data));
    socket.onclose = (ev) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.setStatus("closed");
      if (ev.code === 4001) {
        this.stopped = true;
        return;
      }
      if ((this.opts.now ?? Date.now)() - this.openedAt > STABLE_MS) this.attempt = 0;
      this.retry();
    };
    socket.onerror = () => undefined;
  }

  private retry() {
    if (this.stopped) return;
    const delay = backoffDelay(this.attempt++, this.opts.random);
    this.timer = (this.opts.setTimer ?? setTimeout)(() => {
      this.timer = null;
      void this.connect();
    }, delay);
  }

  private send(frame: unknown) {
    this.socket?.send(JSON.stringify(frame));
  }

  private sendSubscribe(channel: string, state: ChannelState) {
    this.send(
      state.position
        ? { type: "subscribe", channel, resume: state.position }
        : { type: "subscribe", channel },
    );
  }

  private receive(text: string) {
    let frame: Record<string, unknown>;
    try {
      frame = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    const channel = typeof frame.channel === "string" ? frame.channel : "";
    const state = this.channels.get(channel);
    switch (frame.type) {
      case "hello":
        this.openedAt = (this.opts.now ?? Date.now)();
        this.setStatus("open");
        for (const [name, s] of this.channels) this.sendSubscribe(name, s);
        return;
      case "subscribed":
        if (state && !state.position) {
          state.position = { epoch: String(frame.epoch), offset: Number(frame.offset) };
          // A first subscription sees only what happens from now on: what the screen loaded
          // over REST before this moment may miss a change committed in between, so it reloads
          // (docs/websocket-protocol.md §4). A resumed subscription replays instead.
          for (const fn of state.resets) fn("subscribed");
        }
        return;
      case "reset":
        if (state) {
          state.position = { epoch: String(frame.epoch), offset: Number(frame.offset) };
          for (const fn of state.resets) fn(String(frame.reason));
        }
        return;
      case "event": {
        if (!state) return;
        const ev = frame as unknown as EventFrame;
        const p = state.position;
        if (p && p.epoch === ev.epoch && ev.offset <= p.offset) return;
        state.position = { epoch: ev.epoch, offset: ev.offset };
        for (const fn of state.listeners) fn(ev);
        return;
      }
      case "error":
        // A subscription the server failed to set up is not active: ask again after a pause
        // (refusals such as `forbidden` or `channel_not_found` are final and not retried).
        if (state && frame.code === "internal_error") {
          const socket = this.socket;
          (this.opts.setTimer ?? setTimeout)(
            () => {
              const now = this.channels.get(channel);
              if (now && this.socket === socket && this.status === "open") {
                this.sendSubscribe(channel, now);
              }
            },
            backoffDelay(1, this.opts.random),
          );
        }
        return;
      default:
        return;
    }
  }
}
