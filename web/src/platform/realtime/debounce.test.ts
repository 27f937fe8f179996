import { describe, expect, it } from "vitest";
import { Debouncer, type Timers } from "./debounce";

/** Timers on a hand-driven clock. */
function clock() {
  let now = 0;
  let pending: { at: number; fn: () => void; id: number }[] = [];
  let next = 1;
  const timers: Timers = {
    set: (fn, ms) => {
      const id = next++;
      pending.push({ at: now + ms, fn, id });
      return id;
    },
    clear: (h) => {
      pending = pending.filter((p) => p.id !== h);
    },
    now: () => now,
  };
  const advance = (ms: number) => {
    const until = now + ms;
    for (;;) {
      const due = pending.filter((p) => p.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      pending = pending.filter((p) => p !== due);
      now = due.at;
      due.fn();
    }
    now = until;
  };
  return { timers, advance };
}

describe("Debouncer", () => {
  it("runs once after a burst has been quiet for the wait", () => {
    const { timers, advance } = clock();
    let runs = 0;
    const d = new Debouncer(() => runs++, 500, 3000, timers);
    d.trigger();
    advance(200);
    d.trigger();
    advance(200);
    d.trigger();
    advance(499);
    expect(runs).toBe(0);
    advance(1);
    expect(runs).toBe(1);
    advance(5000);
    expect(runs).toBe(1);
  });

  it("still runs every max wait while triggers never stop", () => {
    const { timers, advance } = clock();
    let runs = 0;
    const d = new Debouncer(() => runs++, 500, 2000, timers);
    for (let t = 0; t < 4000; t += 100) {
      d.trigger();
      advance(100);
    }
    // 40 triggers 100 ms apart: a plain debounce would not have run at all.
    expect(runs).toBe(2);
  });

  it("runs nothing after cancel, and flush runs at once", () => {
    const { timers, advance } = clock();
    let runs = 0;
    const d = new Debouncer(() => runs++, 500, 2000, timers);
    d.trigger();
    d.cancel();
    advance(5000);
    expect(runs).toBe(0);
    d.flush();
    expect(runs).toBe(0);
    d.trigger();
    expect(d.pending).toBe(true);
    d.flush();
    expect(runs).toBe(1);
    expect(d.pending).toBe(false);
  });
});
