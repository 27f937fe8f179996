/**
 * Coalesces bursts of live events into few REST reloads: `trigger()` schedules `run` after
 * `waitMs` of quiet, but never later than `maxWaitMs` after the first trigger of a burst, so a
 * steady stream of sales (a busy store never goes quiet) still refreshes every `maxWaitMs`.
 *
 * Screens reload from REST instead of adding an event's figures to what they show: the server's
 * figures stay the truth (returns, voids, tax and rounding, the store's calendar day, events
 * that arrived while a load was in flight), and a missed or repeated event cannot make a figure
 * drift. Pure: timers are injected, so tests drive it without waiting.
 */
export interface Timers {
  set: (fn: () => void, ms: number) => unknown;
  clear: (handle: unknown) => void;
  now: () => number;
}

const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

export class Debouncer {
  private handle: unknown = null;
  private firstAt: number | null = null;

  constructor(
    private readonly run: () => void,
    private readonly waitMs: number,
    private readonly maxWaitMs: number,
    private readonly timers: Timers = realTimers,
  ) {}

  trigger(): void {
    const now = this.timers.now();
    if (this.firstAt === null) this.firstAt = now;
    if (this.handle !== null) this.timers.clear(this.handle);
    const due = Math.min(this.waitMs, this.firstAt + this.maxWaitMs - now);
    this.handle = this.timers.set(() => this.fire(), Math.max(0, due));
  }

  /** Runs now if something is pending. */
  flush(): void {
    if (this.handle !== null) this.fire();
  }

  /** Drops what is pending (the screen closed). */
  cancel(): void {
    if (this.handle !== null) this.timers.clear(this.handle);
    this.handle = null;
    this.firstAt = null;
  }

  get pending(): boolean {
    return this.handle !== null;
  }

  private fire() {
    if (this.handle !== null) this.timers.clear(this.handle);
    this.handle = null;
    this.firstAt = null;
    this.run();
  }
}
