import "fake-indexeddb/auto";
import { IDBFactory } from "fake-indexeddb";
import { describe, expect, it } from "vitest";
import { type PosDb, openPosDb, putOne } from "../../platform/db/posDb";
import { apiError, fakeApi } from "../../testing/fakeServer";
import { Outbox, enqueueSale } from "./outbox";
import type { TillBinding } from "./till";
import type { SaleMutation } from "./types";

const receipt = {
  store: { name: "Berlin", address: null, city: null, tax_id: null },
  currency: "EUR",
  locale: "en-GB",
  cashier: "C",
  names: {},
  priced: {} as never,
  change_minor: 0,
  cash_due_minor: 0,
};

async function till(): Promise<PosDb> {
  const pos = await openPosDb(new IDBFactory());
  const binding: TillBinding = {
    store_id: "s1",
    terminal_id: "t1",
    code: "BER-T1",
    name: "Till 1",
    next_seq: 5,
  };
  await putOne(pos, "terminals", binding);
  return pos;
}

let n = 0;
const sale = (seq: number, receiptNumber: string): SaleMutation => ({
  id: `m${++n}`,
  terminal_id: "t1",
  seq,
  occurred_at: "2026-11-26T10:00:00Z",
  receipt_number: receiptNumber,
  lines: [{ product_id: "p1", quantity: 1 }],
  payments: [{ kind: "cash", tendered_minor: 500 }],
});

/** A sales endpoint with the server's rules: idempotent by id, seq in order. */
function salesServer(opts: { failNext?: "network" | "lose_answer" | number } = {}) {
  const booked = new Map<string, { body: unknown; seq: number }>();
  let lastSeq = 4;
  const server = fakeApi({
    "POST /api/stores/:store/sales": ({ body }) => {
      const m = body as SaleMutation;
      if (opts.failNext === "network") {
        opts.failNext = undefined;
        return { status: 0 };
      }
      const seen = booked.get(m.id);
      if (seen) return { status: 201, body: seen.body };
      if (typeof opts.failNext === "number") {
        const status = opts.failNext;
        opts.failNext = undefined;
        return apiError(
          status,
          status === 422 ? "unknown_product" : "internal_error",
          "no",
          "lines[0].product_id",
        );
      }
      if (m.seq !== lastSeq + 1)
        return apiError(409, "sequence_gap", `expected seq ${lastSeq + 1}`, "seq");
      lastSeq = m.seq;
      const answer = { id: `sale-${m.id}`, receipt_number: m.receipt_number, seq: m.seq };
      booked.set(m.id, { body: answer, seq: m.seq });
      if (opts.failNext === "lose_answer") {
        opts.failNext = undefined;
        return { status: 0 };
      }
      return { status: 201, body: answer };
    },
  });
  return { ...server, booked, opts };
}

describe("the sales outbox", () => {
  it("gives each sale the till's next seq and receipt number, and sends them in order", async () => {
    const pos = await till();
    const a = await enqueueSale(pos, "s1", sale, receipt);
    const b = await enqueueSale(pos, "s1", sale, receipt);
    expect([a.seq, b.seq]).toEqual([5, 6]);
    expect(b.mutation.receipt_number).toBe("BER-T1-000006");

    const server = salesServer();
    const outbox = new Outbox(pos, server.api);
    await outbox.flush();

    expect([...server.booked.values()].map((s) => s.seq)).toEqual([5, 6]);
    expect(outbox.getState()).toMatchObject({ pending: 0, failed: [], lastProblem: null });
    expect((await outbox.get(a.id))?.result).toMatchObject({ id: `sale-${a.id}` });
  });

  it("keeps sales while the server cannot be reached and sends them later", async () => {
    const pos = await till();
    await enqueueSale(pos, "s1", sale, receipt);
    const server = salesServer({ failNext: "network" });
    const outbox = new Outbox(pos, server.api);

    await outbox.flush();
    expect(outbox.getState().pending).toBe(1);
    expect(outbox.getState().lastProblem).toMatch(/cannot be reached/);
    expect(server.booked.size).toBe(0);

    await outbox.flush();
    expect(outbox.getState().pending).toBe(0);
    expect(server.booked.size).toBe(1);
  });

  it("records a sale once when the answer was lost and it is sent again", async () => {
    const pos = await till();
    const a = await enqueueSale(pos, "s1", sale, receipt);
    const server = salesServer({ failNext: "lose_answer" });
    const outbox = new Outbox(pos, server.api);

    await outbox.flush();
    expect(outbox.getState().pending).toBe(1);
    await outbox.flush();

    expect(server.booked.size).toBe(1);
    expect((await outbox.get(a.id))?.status).toBe("sent");
    expect(server.calls.filter((c) => c.startsWith("POST")).length).toBe(2);
  });

  it("marks a refused sale failed, keeps it, and holds back the till's later sales", async () => {
    const pos = await till();
    const a = await enqueueSale(pos, "s1", sale, receipt);
    const b = await enqueueSale(pos, "s1", sale, receipt);
    const server = salesServer({ failNext: 422 });
    const outbox = new Outbox(pos, server.api);

    await outbox.flush();

    const state = outbox.getState();
    expect(state.failed.map((e) => e.id)).toEqual([a.id]);
    expect(state.failed[0]!.error).toMatchObject({
      code: "unknown_product",
      field: "lines[0].product_id",
    });
    expect(state.pending).toBe(1);
    expect((await outbox.get(b.id))?.status).toBe("pending");
    expect(server.calls.filter((c) => c.startsWith("POST")).length).toBe(1);
  });

  it("sends a refused sale again when asked, in order with the ones it held back", async () => {
    const pos = await till();
    const a = await enqueueSale(pos, "s1", sale, receipt);
    const b = await enqueueSale(pos, "s1", sale, receipt);
    const server = salesServer({ failNext: 422 });
    const outbox = new Outbox(pos, server.api);
    await outbox.flush();
    expect(outbox.getState().failed).toHaveLength(1);

    await outbox.retry(a.id);

    expect(outbox.getState()).toMatchObject({ pending: 0, failed: [] });
    expect([...server.booked.keys()]).toEqual([a.id, b.id]);
  });

  it("refuses to sell when the browser is not a till of the store", async () => {
    const pos = await till();
    await expect(enqueueSale(pos, "other-store", sale, receipt)).rejects.toThrow(
      /not set up as a till/,
    );
  });
});
