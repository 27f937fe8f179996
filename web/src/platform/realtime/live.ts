/**
 * React glue for the real-time client: one {@link RealtimeClient} per signed-in {@link Api}
 * (so every component of a tab shares one socket), and hooks to listen to a channel.
 *
 * Channels: `store:<id>` (everything in a store: sales ticker, stock changes), `user:<id>`
 * (your notifications), `org:<id>` (organisation-wide alerts). See docs/websocket-protocol.md.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import type { Api } from "../net/api";
import { RealtimeClient, type Status } from "./client";
import { Debouncer } from "./debounce";
import type { EventFrame, SocketLike } from "./types";

const clients = new WeakMap<Api, RealtimeClient>();

/** The tab's client for this API session (created on first use). */
export function realtimeFor(api: Api): RealtimeClient {
  let client = clients.get(api);
  if (!client) {
    client = new RealtimeClient({
      ticket: () => api.post<{ ticket: string }>("/api/realtime/ticket").then((t) => t.ticket),
      open: (ticket) => {
        const scheme = window.location.protocol === "https:" ? "wss" : "ws";
        const url = `${scheme}://${window.location.host}/ws?ticket=${encodeURIComponent(ticket)}`;
        return new WebSocket(url) as unknown as SocketLike;
      },
    });
    clients.set(api, client);
  }
  return client;
}

/**
 * Uses `client` as this API session's real-time client (tests pass one over a fake socket;
 * the app never calls it). Must run before the first component of the session subscribes.
 */
export function setRealtimeClient(api: Api, client: RealtimeClient): void {
  clients.set(api, client);
}

/**
 * Calls `onEvent` for every event of `channel` (null: none), exactly once and in order, across
 * reconnects; `onReset` whenever the caller must reload from REST: when the history window
 * passed (`reset`), and once the first subscription of the channel is confirmed (state loaded
 * before that may miss a change committed just before it); its argument says which
 * (`subscribed`, or the reset's reason). The latest callbacks are used without resubscribing.
 */
export function useLiveEvents(
  api: Api,
  channel: string | null,
  onEvent: (frame: EventFrame) => void,
  onReset?: (reason: string) => void,
): void {
  const handlers = useRef({ onEvent, onReset });
  handlers.current = { onEvent, onReset };
  useEffect(() => {
    if (!channel) return;
    return realtimeFor(api).subscribe(
      channel,
      (frame) => handlers.current.onEvent(frame),
      (reason) => handlers.current.onReset?.(reason),
    );
  }, [api, channel]);
}

/**
 * {@link useLiveEvents} over several channels at once (a dashboard watching every store its
 * user sees). `channels` is compared by content, so a new array with the same names does not
 * resubscribe, nor does the same set in another order. `onReset` receives the channel to
 * reload and why (`subscribed` or the reset's reason).
 */
export function useLiveChannels(
  api: Api,
  channels: readonly string[],
  onEvent: (frame: EventFrame) => void,
  onReset?: (channel: string, reason: string) => void,
): void {
  const handlers = useRef({ onEvent, onReset });
  handlers.current = { onEvent, onReset };
  // Sorted: the same set in another order (the dashboard puts the chosen store first) is not a
  // change, so switching stores does not drop and re-take every subscription.
  const key = [...channels].sort().join("\n");
  useEffect(() => {
    if (!key) return;
    const client = realtimeFor(api);
    const stops = key.split("\n").map((channel) =>
      client.subscribe(
        channel,
        (frame) => handlers.current.onEvent(frame),
        (reason) => handlers.current.onReset?.(channel, reason),
      ),
    );
    return () => stops.forEach((stop) => stop());
  }, [api, key]);
}

/** The connection status, for a live indicator. */
export function useLiveStatus(api: Api): Status {
  const client = realtimeFor(api);
  const [status, setStatus] = useState<Status>(client.status);
  useEffect(() => client.onStatus(setStatus), [client]);
  return status;
}

/**
 * How long live screens wait for a burst of events to settle before reloading from REST, and
 * the longest they wait while events keep coming. Tests shorten them.
 */
export const liveReload = { waitMs: 700, maxWaitMs: 3000 };

/**
 * A stable `trigger` that runs the latest `run` once a burst of triggers has settled (see
 * {@link Debouncer} and {@link liveReload}); pending runs are dropped when the component
 * unmounts.
 */
export function useDebounced(run: () => void): () => void {
  const latest = useRef(run);
  latest.current = run;
  const [debouncer] = useState(
    () => new Debouncer(() => latest.current(), liveReload.waitMs, liveReload.maxWaitMs),
  );
  useEffect(() => () => debouncer.cancel(), [debouncer]);
  return useCallback(() => debouncer.trigger(), [debouncer]);
}
