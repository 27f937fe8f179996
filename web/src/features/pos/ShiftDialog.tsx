/**
 * The till's shift: open it with the float in the drawer, record money paid in or out and
 * no-sale drawer openings, and close it with the counted cash, which freezes the Z report
 * (expected against counted cash, per tender). Sales are attached to the open shift by the
 * server; selling without an open shift is allowed (the status line says so).
 */
import { type FormEvent, useState } from "react";
import { useApp } from "../../app/context";
import { formatDateTime } from "../../platform/format";
import { parseMoney } from "../../platform/money";
import { describeError } from "../../platform/net/errors";
import { useAsync } from "../../ui/hooks";
import { Modal } from "../../ui/Modal";
import { ErrorAlert, LoadError, Loading, SelectField, TextField } from "../../ui/ui";
import type { Money } from "./CartView";

interface TenderTotals {
  sales_minor: number;
  refunds_minor: number;
  net_minor: number;
}
export interface ZReport {
  opening_float_minor: number;
  sales_count: number;
  returns_count: number;
  gross_sales_minor: number;
  refunds_minor: number;
  net_sales_minor: number;
  tax_minor: number;
  discounts_minor: number;
  cash: TenderTotals;
  card: TenderTotals;
  other: TenderTotals;
  paid_in_minor: number;
  paid_out_minor: number;
  no_sale_count: number;
  cash_rounding_minor: number;
  expected_cash_minor: number;
  counted_cash_minor: number | null;
  cash_difference_minor: number | null;
}
export interface Shift {
  id: string;
  terminal_id: string;
  status: "open" | "closed";
  opened_at: string;
  closed_at: string | null;
  opening_float_minor: number;
  report: ZReport;
}

export function ShiftDialog({
  storeId,
  terminalId,
  currency,
  money,
  onClose,
  onChanged,
}: {
  storeId: string;
  terminalId: string;
  currency: string;
  money: Money;
  onClose: () => void;
  onChanged: (open: boolean) => void;
}) {
  const { api, me } = useApp();
  const base = `/api/stores/${storeId}/shifts`;
  const open = useAsync(async () => {
    const page = await api.get<{ items: Shift[] }>(base, { status: "open", limit: 200 });
    return page.items.find((s) => s.terminal_id === terminalId) ?? null;
  }, [api, base, terminalId]);
  const [closed, setClosed] = useState<Shift | null>(null);
  const [amount, setAmount] = useState("");
  const [counted, setCounted] = useState("");
  const [kind, setKind] = useState("paid_in");
  const [reason, setReason] = useState("");
  const [error, setError] = useState<{ field: string; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const shift = open.data;

  const run = async (field: string, work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
      setAmount("");
      setCounted("");
      setReason("");
    } catch (e) {
      setError({ field, message: describeError(e) });
    } finally {
      setBusy(false);
    }
  };
  const parsed = (field: string, allowZero = false, text = amount): number | null => {
    const v = parseMoney(text || (allowZero ? "0" : ""), currency);
    if (v === null) setError({ field, message: "Type an amount like 150 or 150.00." });
    return v;
  };

  const openShift = (e: FormEvent) => {
    e.preventDefault();
    const v = parsed("float", true);
    if (v === null) return;
    void run("float", async () => {
      await api.post(base, { terminal_id: terminalId, opening_float_minor: v });
      open.reload();
      onChanged(true);
    });
  };
  const cashEvent = (e: FormEvent) => {
    e.preventDefault();
    const v = kind === "no_sale" ? 0 : parsed("amount");
    if (v === null || !shift) return;
    void run("amount", async () => {
      await api.post(`${base}/${shift.id}/cash-events`, {
        kind,
        amount_minor: v,
        reason: reason.trim() || null,
      });
      open.reload();
    });
  };
  const close = (e: FormEvent) => {
    e.preventDefault();
    const v = parsed("counted", true, counted);
    if (v === null || !shift) return;
    void run("counted", async () => {
      setClosed(await api.post<Shift>(`${base}/${shift.id}/close`, { counted_cash_minor: v }));
      onChanged(false);
    });
  };

  return (
    <Modal
      title={closed ? "Shift closed: Z report" : "Shift"}
      onClose={onClose}
      className="shift-dialog"
    >
      {closed ? (
        <ZReportView report={closed.report} money={money} />
      ) : open.status === "error" ? (
        <LoadError error={open.error} retry={open.reload} />
      ) : open.status === "loading" && shift === null ? (
        <Loading />
      ) : !shift ? (
        <form onSubmit={openShift} noValidate>
          <p>No shift is open on this till. Count the float in the drawer and open one.</p>
          <TextField
            label="Opening float"
            name="float"
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
            error={error?.field === "float" ? error.message : undefined}
            inputMode="decimal"
            autoComplete="off"
            data-autofocus
          />
          <button type="submit" className="btn btn-primary" disabled={busy}>
            Open shift
          </button>
        </form>
      ) : (
        <>
          <p>
            Open since {formatDateTime(shift.opened_at, me.organisation.locale)} with a float of{" "}
            {money(shift.opening_float_minor)}.
          </p>
          <ZReportView report={shift.report} money={money} />
          <form onSubmit={cashEvent} noValidate className="inline-form">
            <h3>Drawer</h3>
            <div className="row">
              <SelectField
                label="What"
                name="kind"
                value={kind}
                onChange={(e) => setKind(e.target.value)}
              >
                <option value="paid_in">Paid in</option>
                <option value="paid_out">Paid out</option>
                <option value="no_sale">No sale (open the drawer)</option>
              </SelectField>
              <TextField
                label="Amount"
                name="amount"
                value={amount}
                disabled={kind === "no_sale"}
                onChange={(e) => setAmount(e.target.value)}
                error={error?.field === "amount" ? error.message : undefined}
                inputMode="decimal"
                autoComplete="off"
              />
            </div>
            <TextField
              label="Reason"
              name="reason"
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              maxLength={200}
            />
            <button type="submit" className="btn" disabled={busy}>
              Record
            </button>
          </form>
          <form onSubmit={close} noValidate className="inline-form">
            <h3>Close the shift</h3>
            <TextField
              label="Cash counted in the drawer"
              name="counted"
              value={counted}
              onChange={(e) => setCounted(e.target.value)}
              error={error?.field === "counted" ? error.message : undefined}
              hint={`Expected: ${money(shift.report.expected_cash_minor)}.`}
              inputMode="decimal"
              autoComplete="off"
            />
            <button type="submit" className="btn btn-primary" disabled={busy}>
              Close shift and print the Z report
            </button>
          </form>
        </>
      )}
      {error && !["float", "amount", "counted"].includes(error.field) ? (
        <ErrorAlert error={error.message} />
      ) : null}
      <div className="dialog-actions">
        {closed ? (
          <button type="button" className="btn" onClick={() => window.print()}>
            Print
          </button>
        ) : null}
        <button
          type="button"
          className="btn"
          onClick={onClose}
          data-autofocus={closed ? true : undefined}
        >
          Close <kbd>Esc</kbd>
        </button>
      </div>
    </Modal>
  );
}

export function ZReportView({ report: r, money }: { report: ZReport; money: Money }) {
  const rows: [string, string][] = [
    ["Sales", `${r.sales_count} · ${money(r.gross_sales_minor)}`],
    ["Returns", `${r.returns_count} · −${money(r.refunds_minor)}`],
    ["Net sales", money(r.net_sales_minor)],
    ["Tax in net sales", money(r.tax_minor)],
    ["Discounts given", money(r.discounts_minor)],
    ["Cash (sales − refunds)", money(r.cash.net_minor)],
    ["Card", money(r.card.net_minor)],
    ["Other", money(r.other.net_minor)],
    ["Opening float", money(r.opening_float_minor)],
    ["Paid in / out", `${money(r.paid_in_minor)} / ${money(r.paid_out_minor)}`],
    ["No-sale openings", String(r.no_sale_count)],
    ["Cash rounding", money(r.cash_rounding_minor)],
    ["Expected cash", money(r.expected_cash_minor)],
  ];
  if (r.counted_cash_minor !== null) rows.push(["Counted cash", money(r.counted_cash_minor)]);
  if (r.cash_difference_minor !== null)
    rows.push([
      r.cash_difference_minor < 0 ? "Short" : r.cash_difference_minor > 0 ? "Over" : "Difference",
      money(r.cash_difference_minor),
    ]);
  return (
    <dl className="details z-report receipt-paper" data-testid="z-report">
      {rows.map(([k, v]) => (
        <div key={k} className="z-row">
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
