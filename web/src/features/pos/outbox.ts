/**
 * The sales outbox: every sale is first written here (IndexedDB), then sent. Online and
 * offline are one path: the till never posts a sale from a component; it enqueues, and the
 * outbox delivers in `seq` order, now if it can, later if it cannot.
 *
 * Delivery rules:
 * - **In order, one terminal at a time**: entries go out by ascending seq; a failure stops
 *   that terminal's queue, because the server refuses a later seq until the earlier one lands.
 * - **Idempotent**: an entry is resent with the same mutation id and body until the server
 *   answers; a replay of a sale it already booked returns the original answer (201), so a
 *   lost response never makes a second sale.
 * - **Never dropped**: an answered entry is marked `sent` (kept for reprinting; the oldest are
 *   pruned beyond {@link KEEP_SENT}); a refusal marks it `failed` with the server's error, for
 *   a person to look at. Network failures and 5xx leave it `pending` for the next attempt.
 * - **One sender per origin**: sending runs under the Web Lock `chainsync-outbox` (where the
 *   browser has Web Locks), so two tabs never post the same entry at once.
 */
import { type PosDb, getAll, promised, transact } from "../../platform/db/posDb";
import type { Api } from "../../platform/net/api";
import { ApiError } from "../../platform/net/errors";
import { type TillBinding, receiptNumber } from "./till";
import type { Approval, ReturnMutation, SaleMutation, SaleView, VoidMutation } from "./types";

export const KEEP_SENT = 50;

/** What the customer was shown, kept with the sale for the receipt and reprints. */
export interface ReceiptSnapshot {
  store: { name: string; address: string | null; city: string | null; tax_id: string | null };
  currency: string;
  locale: string;
  cashier: string;
  customer?: string;
  terminal_code: string;
  names: Record<string, string>;
  priced: import("./types").PricedCart;
  change_minor: number;
  cash_due_minor: number;
}

/** What a return gave back, for the till's messages and the refused-sales list. */
export interface ReturnSummary {
  sale_receipt: string;
  currency: string;
  refund_minor: number;
  /** How the money went back: cash, to the card, exchange credit, or a void (its own tenders). */
  refund_kind?: "cash" | "card" | "exchange" | "void";
}

export type OutboxEntry = SaleEntry | ReturnEntry;

interface EntryBase {
  id: string;
  store_id: string;
  terminal_id: string;
  seq: number;
  status: "pending" | "sent" | "failed";
  attempts: number;
  created_at: string;
  sent_at?: string;
  error?: { status: number; code: string; message: string; field: string | null };
}

export interface SaleEntry extends EntryBase {
  kind: "sale";
  mutation: SaleMutation;
  receipt: ReceiptSnapshot;
  /** The server's answer once sent. */
  result?: SaleView;
}

/**
 * A return. A manager's approval (email and PIN or password) is never written to IndexedDB:
 * the outbox holds it in memory only ({@link Outbox.approve}) until the server has answered.
 */
export interface ReturnEntry extends EntryBase {
  kind: "return";
  /** A return, or — with {@link ReturnEntry.void_of} — a void of the whole sale. */
  mutation: ReturnMutation | VoidMutation;
  /** The sale voided (the void goes to `.../sales/{void_of}/void`). */
  void_of?: string;
  summary: ReturnSummary;
  result?: unknown;
}

export interface OutboxState {
  pending: number;
  failed: OutboxEntry[];
  sending: boolean;
  /** Why the last attempt stopped (network, server), when entries are still pending. */
  lastProblem: string | null;
}

/**
 * Puts a sale in the outbox under the terminal's next seq and receipt number, and advances the
 * seq, in one transaction. `build` makes the mutation from the seq and receipt number.
 */
export async function enqueueSale(
  pos: PosDb,
  storeId: string,
  build: (seq: number, receipt: string, binding: TillBinding) => SaleMutation,
  receipt: Omit<ReceiptSnapshot, "terminal_code">,
): Promise<SaleEntry> {
  return enqueue(pos, storeId, (seq, number, binding) => {
    const mutation = build(seq, number, binding);
    return {
      ...envelope(mutation.id, storeId, binding, seq),
      kind: "sale",
      mutation,
      receipt: { ...receipt, terminal_code: binding.code },
    };
  }) as Promise<SaleEntry>;
}

/** Puts a return in the outbox under the till's next seq and receipt number. */
export async function enqueueReturn(
  pos: PosDb,
  storeId: string,
  build: (seq: number, receipt: string, binding: TillBinding) => ReturnMutation,
  summary: ReturnSummary,
): Promise<ReturnEntry> {
  return enqueue(pos, storeId, (seq, number, binding) => {
    const mutation = build(seq, number, binding);
    return { ...envelope(mutation.id, storeId, binding, seq), kind: "return", mutation, summary };
  }) as Promise<ReturnEntry>;
}

/**
 * Puts a void of a whole sale in the outbox (its own seq and return receipt number, like a
 * return). The manager's approval goes in with {@link Outbox.approve}, in memory only.
 */
export async function enqueueVoid(
  pos: PosDb,
  storeId: string,
  saleId: string,
  build: (seq: number, receipt: string, binding: TillBinding) => VoidMutation,
  summary: ReturnSummary,
): Promise<ReturnEntry> {
  return enqueue(pos, storeId, (seq, number, binding) => {
    const mutation = build(seq, number, binding);
    return {
      ...envelope(mutation.id, storeId, binding, seq),
      kind: "return",
      void_of: saleId,
      mutation,
      summary: { ...summary, refund_kind: "void" },
    };
  }) as Promise<ReturnEntry>;
}

/** Where an entry is sent. */
export function pathOf(entry: OutboxEntry): string {
  const store = `/api/stores/${entry.store_id}`;
  if (entry.kind === "sale") return `${store}/sales`;
  return entry.void_of ? `${store}/sales/${entry.void_of}/void` : `${store}/returns`;
}

function envelope(id: string, storeId: string, binding: TillBinding, seq: number): EntryBase {
  return {
    id,
    store_id: storeId,
    terminal_id: binding.terminal_id,
    seq,
    status: "pending",
    attempts: 0,
    created_at: new Date().toISOString(),
  };
}

/** Takes the till's next seq and writes the entry, in one transaction. */
function enqueue(
  pos: PosDb,
  storeId: string,
  make: (seq: number, receipt: string, binding: TillBinding) => OutboxEntry,
): Promise<OutboxEntry> {
  return transact(pos, ["terminals", "outbox"], "readwrite", async (tx) => {
    const terminals = tx.objectStore("terminals");
    const binding = (await promised(terminals.get(storeId))) as TillBinding | undefined;
    if (!binding) throw new Error("This browser is not set up as a till for this store.");
    const seq = binding.next_seq;
    const entry = make(seq, receiptNumber(binding.code, seq), binding);
    tx.objectStore("outbox").add(entry);
    terminals.put({ ...binding, next_seq: seq + 1 });
    return entry;
  });
}

async function save(pos: PosDb, entry: OutboxEntry): Promise<void> {
  await transact(pos, ["outbox"], "readwrite", (tx) => {
    tx.objectStore("outbox").put(entry);
  });
}

/** Drops the oldest sent entries beyond KEEP_SENT. */
async function prune(pos: PosDb): Promise<void> {
  const sent = (await getAll<OutboxEntry>(pos, "outbox"))
    .filter((e) => e.status === "sent")
    .sort((a, b) => (a.sent_at ?? "").localeCompare(b.sent_at ?? ""));
  const extra = sent.slice(0, Math.max(0, sent.length - KEEP_SENT));
  if (!extra.length) return;
  await transact(pos, ["outbox"], "readwrite", (tx) => {
    for (const e of extra) tx.objectStore("outbox").delete(e.id);
  });
}

function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== "undefined" ? navigator.locks : undefined;
  return locks ? (locks.request("chainsync-outbox", fn) as Promise<T>) : fn();
}

/** Retryable: nobody refused the sale, the answer just did not arrive. */
function transient(err: unknown): boolean {
  return (
    !(err instanceof ApiError) ||
    err.status === 0 ||
    err.status === 401 ||
    err.status === 429 ||
    err.status >= 500
  );
}

export class Outbox {
  private state: OutboxState = { pending: 0, failed: [], sending: false, lastProblem: null };
  private listeners = new Set<() => void>();
  private running: Promise<void> | null = null;
  private again = false;
  private onSent = new Set<(e: OutboxEntry) => void>();
  private approvals = new Map<string, Approval>();

  constructor(
    private readonly pos: PosDb,
    private readonly api: Api,
  ) {}

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };
  getState = (): OutboxState => this.state;

  /** A manager's approval for a return, kept in memory only until the server answers. */
  approve(id: string, approval: Approval): void {
    this.approvals.set(id, approval);
  }

  /** Called with each entry the server has answered. */
  whenSent(fn: (e: OutboxEntry) => void): () => void {
    this.onSent.add(fn);
    return () => this.onSent.delete(fn);
  }

  private set(patch: Partial<OutboxState>) {
    this.state = { ...this.state, ...patch };
    for (const fn of this.listeners) fn();
  }

  async refresh(): Promise<OutboxEntry[]> {
    const all = await getAll<OutboxEntry>(this.pos, "outbox");
    this.set({
      pending: all.filter((e) => e.status === "pending").length,
      failed: all.filter((e) => e.status === "failed"),
    });
    return all;
  }

  async get(id: string): Promise<OutboxEntry | undefined> {
    return (await getAll<OutboxEntry>(this.pos, "outbox")).find((e) => e.id === id);
  }

  /**
   * Puts a refused entry back in the queue (after the cause was fixed, e.g. the cashier's role
   * restored) and sends. Same id and body: if the server had in fact booked it, it replays.
   */
  async retry(id: string): Promise<void> {
    const entry = await this.get(id);
    if (!entry || entry.status !== "failed") return;
    entry.status = "pending";
    delete entry.error;
    await save(this.pos, entry);
    await this.refresh();
    await this.flush();
  }

  /** Sends what is pending; concurrent calls share one run (and one more if asked meanwhile). */
  flush(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await withLock(() => this.sendAll());
        } while (this.again);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  private async sendAll(): Promise<void> {
    this.set({ sending: true });
    let problem: string | null = null;
    try {
      const all = await this.refresh();
      const blocked = new Set(all.filter((e) => e.status === "failed").map((e) => e.terminal_id));
      const queue = all
        .filter((e) => e.status === "pending")
        .sort((a, b) => a.terminal_id.localeCompare(b.terminal_id) || a.seq - b.seq);
      for (const entry of queue) {
        if (blocked.has(entry.terminal_id)) continue;
        entry.attempts++;
        try {
          const approval = this.approvals.get(entry.id);
          const result = await this.api.post<SaleView>(
            pathOf(entry),
            approval ? { ...entry.mutation, approval } : entry.mutation,
          );
          this.approvals.delete(entry.id);
          entry.status = "sent";
          entry.sent_at = new Date().toISOString();
          entry.result = result;
          delete entry.error;
          await save(this.pos, entry);
          for (const fn of this.onSent) fn(entry);
        } catch (err) {
          if (transient(err)) {
            await save(this.pos, entry);
            problem =
              err instanceof ApiError && err.status === 0
                ? "The server cannot be reached; sales are kept on this till and sent when it can be."
                : "The server could not take the sale just now; it will be sent again shortly.";
            break;
          }
          const e = err as ApiError;
          entry.status = "failed";
          entry.error = { status: e.status, code: e.code, message: e.message, field: e.field };
          this.approvals.delete(entry.id);
          await save(this.pos, entry);
          blocked.add(entry.terminal_id);
        }
      }
      await prune(this.pos);
    } finally {
      await this.refresh().catch(() => undefined);
      this.set({ sending: false, lastProblem: problem });
    }
  }
}
