/**
 * The engine's integer arithmetic (crates/chainsync-domain/src/pricing/arith.rs): the one
 * rounding rule, half away from zero, and largest-remainder allocation. Products of amounts,
 * quantities and basis points exceed 2^53, so they are computed with BigInt; every input and
 * result is a safe integer (the validator bounds them), returned as a number.
 */

/** n / d rounded half away from zero (d > 0). */
export function divRound(n: bigint, d: bigint): bigint {
  const q = n / d; // truncates toward zero
  const r = n % d;
  const abs = r < 0n ? -r : r;
  if (2n * abs >= d) return q + (n < 0n ? -1n : 1n);
  return q;
}

export function percentOf(amount: number, bps: number): number {
  return Number(divRound(BigInt(amount) * BigInt(bps), 10_000n));
}

/** Splits `total` over `weights` so the parts sum exactly to it (ties: the earlier part). */
export function allocate(total: number, weights: number[]): number[] {
  const sum = weights.reduce((s, w) => s + BigInt(w), 0n);
  if (sum <= 0n || total === 0) return weights.map(() => 0);
  const t = BigInt(total);
  const parts: bigint[] = [];
  const remainders: [bigint, number][] = [];
  weights.forEach((w, i) => {
    const exact = t * BigInt(w);
    // Euclidean division (sum > 0): floor for non-negative, and a non-negative remainder.
    let q = exact / sum;
    let r = exact % sum;
    if (r < 0n) {
      q -= 1n;
      r += sum;
    }
    parts.push(q);
    remainders.push([r, i]);
  });
  let left = t - parts.reduce((s, p) => s + p, 0n);
  remainders.sort((a, b) => (a[0] === b[0] ? a[1] - b[1] : a[0] > b[0] ? -1 : 1));
  for (const [, i] of remainders) {
    if (left <= 0n) break;
    parts[i]! += 1n;
    left -= 1n;
  }
  return parts.map(Number);
}

export function cashRound(amount: number, rounding: { kind: string; increment_minor?: number }) {
  if (rounding.kind !== "nearest") return amount;
  const inc = BigInt(rounding.increment_minor!);
  return Number(divRound(BigInt(amount), inc) * inc);
}
