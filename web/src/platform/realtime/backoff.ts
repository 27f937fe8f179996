/**
 * Reconnect delays as docs/websocket-protocol.md recommends: `min(30 s, 0.5 s × 2^attempt)`
 * with ±50 % jitter, so a fleet of clients cut off together does not return together.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(30_000, 500 * 2 ** Math.max(0, attempt));
  return Math.round(base * (0.5 + random()));
}
