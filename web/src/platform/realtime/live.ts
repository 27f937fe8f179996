/**
 * React glue for the real-time client: one {@link RealtimeClient} per signed-in {@link Api}
 * (so every component of a tab shares one socket), and hooks to listen to a channel.
 *
 * Channels: `store:<id>` (everything in a store: sales ticker, stock changes), `user:<id>`
 * (your notifications), `org:<id>` (organisation-wide alerts). See docs/websocket-protocol.md.
 */
import { useEffect, useRef, useState } from "react";
import type { Api } from "../net/api";
import { RealtimeClient, type Status } from "./client";
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
 * Calls `onEvent` for every event of `channel` (null: none), exactly once and in order, across
 * reconnects; `onReset` when the history window passed and the caller must reload from REST.
 * The latest callbacks are used without resubscribing.
 */
export function useLiveEvents(
  api: Api,
  channel: string | null,
  onEvent: (frame: EventFrame) => void,
  onReset?: () => void,
): void {
  const handlers = useRef({ onEvent, onReset });
  handlers.current = { onEvent, onReset };
  useEffect(() => {
    if (!channel) return;
    return realtimeFor(api).subscribe(
      channel,
      (frame) => handlers.current.onEvent(frame),
      () => handlers.current.onReset?.(),
    );
  }, [api, channel]);
}

/** The connection status, for a live indicator. */
export function useLiveStatus(api: Api): Status {
  const client = realtimeFor(api);
  const [status, setStatus] = useState<Status>(client.status);
  useEffect(() => client.onStatus(setStatus), [client]);
  return status;
}
