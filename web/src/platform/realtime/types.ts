/** The wire types of the real-time protocol (docs/websocket-protocol.md, version 1). */

export type EventType = "inventory_alert" | "sales_update" | "system_alert" | "ai_insight";
export type Priority = "low" | "medium" | "high" | "critical";

export interface LiveEvent {
  id: string;
  type: EventType;
  /** The domain event, e.g. `sale.completed`. */
  kind: string;
  priority: Priority;
  title: string;
  message: string;
  data: Record<string, unknown>;
  store_id: string | null;
  time: string;
  /** On user channels only. */
  notification?: { id: string; push: boolean; browser: boolean };
}

export interface EventFrame {
  type: "event";
  channel: string;
  epoch: string;
  offset: number;
  event: LiveEvent;
}

/** Where a client is in one channel. */
export interface Position {
  epoch: string;
  offset: number;
}

/** The part of the browser's WebSocket the client uses (so tests can pass a fake). */
export interface SocketLike {
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number): void;
}
