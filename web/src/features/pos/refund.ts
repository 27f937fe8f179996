/**
 * What returning part of a sale line refunds, by the server's rule
 * (crates/chainsync-domain/src/returns.rs): the rest of the line when every remaining unit
 * comes back, otherwise paid × quantity ÷ sold rounded half up, never more than what is left
 * to refund on the line. Pure, tested; the server computes it again and refuses a mismatch.
 */
import type { ReturnableLine } from "./types";

function proRata(amount: number, part: number, whole: number): number {
  if (whole === 0) return 0;
  const n = BigInt(amount) * BigInt(part);
  const d = BigInt(whole);
  const half = d / 2n;
  return Number(n >= 0n ? (n + half) / d : (n - half) / d);
}

export function lineRefund(line: ReturnableLine, quantity: number): number {
  if (quantity <= 0) return 0;
  if (quantity >= line.quantity_returnable) return line.refundable_minor;
  return Math.max(
    0,
    Math.min(proRata(line.paid_minor, quantity, line.quantity_sold), line.refundable_minor),
  );
}
