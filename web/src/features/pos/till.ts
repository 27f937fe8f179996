/**
 * Which till this browser is, per store: the terminal's id and code, and the next `seq` it
 * will use. The seq is the terminal's own counter (1, 2, 3 ...): every sale takes the next one
 * in the same IndexedDB transaction that puts the sale in the outbox, so a number is never
 * used twice and never skipped, whatever crashes. The receipt number is the terminal code and
 * the seq (`BER-T1-000042`): unique without asking the server, so it exists offline too.
 */
import type { Api } from "../../platform/net/api";
import { type PosDb, getOne, promised, putOne, transact } from "../../platform/db/posDb";
import type { Terminal } from "./types";

export interface TillBinding {
  store_id: string;
  terminal_id: string;
  code: string;
  name: string;
  /** The seq the next sale will carry. */
  next_seq: number;
}

export function receiptNumber(code: string, seq: number): string {
  return `${code}-${String(seq).padStart(6, "0")}`;
}

export function getBinding(pos: PosDb, storeId: string): Promise<TillBinding | undefined> {
  return getOne<TillBinding>(pos, "terminals", storeId);
}

/** Highest seq this browser still holds unsent for a terminal (0 when none). */
async function highestPendingSeq(pos: PosDb, terminalId: string): Promise<number> {
  return transact(pos, ["outbox"], "readonly", async (tx) => {
    const idx = tx.objectStore("outbox").index("by_terminal_seq");
    const range = IDBKeyRange.bound([terminalId, 0], [terminalId, Number.MAX_SAFE_INTEGER]);
    const cursor = await promised(idx.openCursor(range, "prev"));
    return cursor ? (cursor.value as { seq: number }).seq : 0;
  });
}

/**
 * Makes this browser the terminal: the next seq continues after the server's last one (or
 * after this browser's own unsent sales, if it has any).
 */
export async function bindTill(pos: PosDb, api: Api, terminal: Terminal): Promise<TillBinding> {
  const fresh = await api.get<Terminal>(
    `/api/stores/${terminal.store_id}/terminals/${terminal.id}`,
  );
  const pending = await highestPendingSeq(pos, fresh.id);
  const binding: TillBinding = {
    store_id: fresh.store_id,
    terminal_id: fresh.id,
    code: fresh.code,
    name: fresh.name,
    next_seq: Math.max(fresh.last_seq, pending) + 1,
  };
  await putOne(pos, "terminals", binding);
  return binding;
}

/**
 * At start-up, online: if the server has seen more of this terminal than this browser knows
 * (the till was used from another browser), move past it so the next sale is not refused as a
 * reused sequence. Returns the binding as it now is, and whether the till was used elsewhere.
 */
export async function reconcileTill(
  pos: PosDb,
  api: Api,
  binding: TillBinding,
): Promise<{ binding: TillBinding; usedElsewhere: boolean; revoked: boolean }> {
  const t = await api.get<Terminal>(
    `/api/stores/${binding.store_id}/terminals/${binding.terminal_id}`,
  );
  const pending = await highestPendingSeq(pos, binding.terminal_id);
  const usedElsewhere = pending === 0 && t.last_seq >= binding.next_seq;
  if (!usedElsewhere) return { binding, usedElsewhere, revoked: !t.active };
  const next = { ...binding, next_seq: t.last_seq + 1 };
  await putOne(pos, "terminals", next);
  return { binding: next, usedElsewhere, revoked: !t.active };
}

export async function unbindTill(pos: PosDb, storeId: string): Promise<void> {
  await transact(pos, ["terminals"], "readwrite", (tx) => {
    tx.objectStore("terminals").delete(storeId);
  });
}
