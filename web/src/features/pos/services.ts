/**
 * The till's long-lived parts, one per tab: the local database and the outbox, with the
 * triggers that send it (at once after a sale, when the browser comes back online, and every
 * 15 seconds while anything is waiting). Components reach them through these functions, never
 * by opening IndexedDB or posting sales themselves.
 */
import { useEffect, useSyncExternalStore } from "react";
import { type PosDb, openPosDb } from "../../platform/db/posDb";
import type { Api } from "../../platform/net/api";
import { Outbox, type OutboxState } from "./outbox";

let db: Promise<PosDb> | null = null;
let outbox: Outbox | null = null;
const RETRY_MS = 15_000;

export function posDb(): Promise<PosDb> {
  return (db ??= openPosDb());
}

export function outboxFor(pos: PosDb, api: Api): Outbox {
  return (outbox ??= new Outbox(pos, api));
}

/** Keeps the outbox sending while the till is open; returns its state for the status bar. */
export function useOutbox(box: Outbox | null): OutboxState | null {
  useEffect(() => {
    if (!box) return;
    const kick = () => void box.flush().catch(() => undefined);
    kick();
    window.addEventListener("online", kick);
    const timer = window.setInterval(() => {
      const s = box.getState();
      if (s.pending > 0 && !s.sending) kick();
    }, RETRY_MS);
    return () => {
      window.removeEventListener("online", kick);
      window.clearInterval(timer);
    };
  }, [box]);
  const noop = () => () => undefined;
  return useSyncExternalStore(box?.subscribe ?? noop, () => box?.getState() ?? null);
}
