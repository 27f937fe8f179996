import "fake-indexeddb/auto";
import { IDBFactory } from "fake-indexeddb";
import { describe, expect, it } from "vitest";
import { openPosDb } from "../../platform/db/posDb";
import { fakeApi } from "../../testing/fakeServer";
import { enqueueSale } from "./outbox";
import { bindTill, getBinding, receiptNumber, reconcileTill } from "./till";
import type { SaleMutation, Terminal } from "./types";

const terminal = (last_seq: number, active = true): Terminal => ({
  id: "t1",
  store_id: "s1",
  code: "BER-T1",
  name: "Till 1",
  active,
  last_seq,
  created_at: "",
  revoked_at: active ? null : "2026-01-01T00:00:00Z",
});

function server(state: { t: Terminal }) {
  return fakeApi({ "GET /api/stores/:s/terminals/:t": () => ({ status: 200, body: state.t }) });
}

const receipt = {
  store: { name: "B", address: null, city: null, tax_id: null },
  currency: "EUR",
  locale: "en-GB",
  cashier: "C",
  names: {},
  priced: {} as never,
  change_minor: 0,
  cash_due_minor: 0,
};
const sale = (seq: number, r: string): SaleMutation => ({
  id: `m${seq}`,
  terminal_id: "t1",
  seq,
  occurred_at: "2026-11-26T10:00:00Z",
  receipt_number: r,
  lines: [],
  payments: [],
});

describe("the till binding", () => {
  it("continues the terminal's numbering from the server", async () => {
    const pos = await openPosDb(new IDBFactory());
    const { api } = server({ t: terminal(41) });
    const b = await bindTill(pos, api, terminal(0));
    expect(b).toMatchObject({ terminal_id: "t1", code: "BER-T1", next_seq: 42 });
    expect(await getBinding(pos, "s1")).toEqual(b);
    expect(receiptNumber("BER-T1", 42)).toBe("BER-T1-000042");
  });

  it("moves past sales the terminal made in another browser, but not past its own unsent ones", async () => {
    const pos = await openPosDb(new IDBFactory());
    const state = { t: terminal(0) };
    const { api } = server(state);
    let b = await bindTill(pos, api, state.t);
    state.t = terminal(5); // another browser sold as this till
    const r = await reconcileTill(pos, api, b);
    expect(r).toMatchObject({ usedElsewhere: true, revoked: false });
    expect(r.binding.next_seq).toBe(6);

    b = r.binding;
    await enqueueSale(pos, "s1", sale, receipt); // seq 6, not sent yet
    state.t = terminal(9, false);
    const again = await reconcileTill(pos, api, (await getBinding(pos, "s1"))!);
    expect(again).toMatchObject({ usedElsewhere: false, revoked: true });
    expect(again.binding.next_seq).toBe(7);
  });
});
