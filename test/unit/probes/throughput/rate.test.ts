/** The rate of a transfer from its progress marks: units, the first read, warm-up, held-back bytes. */
import { describe, expect, it } from 'vitest';
import { rateOf } from '../../../../agent/src/probes/throughput/rate.ts';
import type { ProgressMark } from '../../../../shared/src/throughput.ts';

/** Marks every `stepMs` of a curve bytes(t), from t = 0 to `endMs`. */
function curve(endMs: number, stepMs: number, bytesAt: (t: number) => number): ProgressMark[] {
  const out: ProgressMark[] = [];
  for (let t = 0; t <= endMs; t += stepMs) out.push({ tMs: t, bytes: Math.round(bytesAt(t)) });
  return out;
}

const ok = (r: ReturnType<typeof rateOf>) => {
  if (!r.ok) throw new Error(r.problem);
  return r.value;
};

describe('rate computation', () => {
  it('is payload bits per second between the first read and the last (bytes × 8, kilo = 1000)', () => {
    // 250,000 bytes per second after a first read of 65,536 bytes: 2,000,000 bit/s.
    const marks = curve(4000, 50, (t) => 65_536 + t * 250);
    expect(ok(rateOf(marks, { warmupMs: 0 }))).toEqual({
      bps: 2_000_000,
      bytes: 1_000_000,
      windowMs: 4000,
      warmupMs: 0,
      idleMs: 0,
      lateEndMs: 0,
      bestHalfBps: 2_000_000,
    });
  });

  it('does not count the first read: its bytes arrived before the clock started', () => {
    // A huge first read (a shaper's burst, the socket's backlog) changes nothing.
    const small = ok(
      rateOf(
        [
          { tMs: 0, bytes: 1 },
          { tMs: 1000, bytes: 125_001 },
        ],
        { warmupMs: 0 },
      ),
    );
    const big = ok(
      rateOf(
        [
          { tMs: 0, bytes: 500_000 },
          { tMs: 1000, bytes: 625_000 },
        ],
        { warmupMs: 0 },
      ),
    );
    expect(small.bps).toBe(1_000_000);
    expect(big.bps).toBe(1_000_000);
  });

  it('says why a transfer cannot be timed', () => {
    expect(rateOf([], { warmupMs: 0 })).toEqual({ ok: false, problem: 'the payload arrived in a single read: too little to time (raise sizeBytes)' });
    expect(rateOf([{ tMs: 0, bytes: 10 }], { warmupMs: 0 })).toEqual({
      ok: false,
      problem: 'the payload arrived in a single read: too little to time (raise sizeBytes)',
    });
    expect(
      rateOf(
        [
          { tMs: 0, bytes: 10 },
          { tMs: 0, bytes: 20 },
        ],
        { warmupMs: 0 },
      ),
    ).toEqual({ ok: false, problem: 'the payload arrived all at once: too little to time (raise sizeBytes)' });
    expect(
      rateOf(
        [
          { tMs: 0, bytes: 10 },
          { tMs: 5, bytes: 5 },
        ],
        { warmupMs: 0 },
      ),
    ).toEqual({ ok: false, problem: 'progress marks go backwards at mark 1' });
  });
});

describe('warm-up exclusion', () => {
  // Slow start: 1 Mbit/s for the first second, then 4 Mbit/s for four seconds.
  const slowStart = curve(5000, 50, (t) => (t <= 1000 ? t * 125 : 125_000 + (t - 1000) * 500));

  it("leaves the warm-up out, so the rate is the link's steady rate", () => {
    expect(ok(rateOf(slowStart, { warmupMs: 1000 }))).toEqual({
      bps: 4_000_000,
      bytes: 2_000_000,
      windowMs: 4000,
      warmupMs: 1000,
      idleMs: 0,
      lateEndMs: 0,
      bestHalfBps: 4_000_000,
    });
  });

  it('warmupMs 0 is the whole transfer, slow start included', () => {
    expect(ok(rateOf(slowStart, { warmupMs: 0 })).bps).toBe(3_400_000);
  });

  it('a transfer too short to leave half its time after the warm-up is measured whole', () => {
    // 1.5 s in all: a 1 s warm-up would leave a third of it.
    const short = curve(1500, 50, (t) => t * 250);
    expect(ok(rateOf(short, { warmupMs: 1000 }))).toEqual({
      bps: 2_000_000,
      bytes: 375_000,
      windowMs: 1500,
      warmupMs: 0,
      idleMs: 0,
      lateEndMs: 0,
      bestHalfBps: 2_000_000,
    });
  });

  it('a start where bytes were held back (TCP repairing a loss) cannot inflate the rate', () => {
    // The link delivers 2 Mbit/s steadily; the application saw nothing from 500 to 1500 ms (the
    // segments behind a lost one waited for its retransmission), then all of them at once.
    const app = curve(5000, 50, (t) => (t > 500 && t < 1500 ? 500 * 250 : t * 250));
    const naive = ((app.at(-1)!.bytes - app.find((m) => m.tMs >= 1000)!.bytes) * 8000) / (5000 - 1000);
    expect(naive).toBeGreaterThan(2_200_000); // the first mark after the warm-up sits in the hole
    const r = ok(rateOf(app, { warmupMs: 1000 }));
    expect(r.bps).toBe(2_000_000);
    expect(r.warmupMs).toBeGreaterThanOrEqual(1500);
  });

  it('a short loss of link time late in the transfer weighs over the longest clean window, not the shortest', () => {
    // 2 Mbit/s with 21 ms of link time lost at 3.5 s (a spurious retransmission): every window
    // holding it reads low; the lowest-rate start would be the latest candidate (2.1 s: −1.0 %), the
    // earliest clean one (1 s) spreads it over 3.2 s (−0.66 %), as a whole-run figure would.
    const marks = curve(4200, 50, (t) => 250 * (t <= 3500 ? t : Math.max(3500, t - 21)));
    const r = ok(rateOf(marks, { warmupMs: 1000 }));
    expect(r.warmupMs).toBe(1000);
    expect(r.windowMs).toBe(3200);
    expect(r.bps).toBeCloseTo((2_000_000 * (3200 - 21)) / 3200, -2);
  });

  it('a late read (a busy event loop) at a candidate start is passed over the same way', () => {
    const app = curve(4000, 50, (t) => t * 250);
    // The read due at 1000 ms happened then, but the loop had not yet taken what arrived after 950 ms.
    const late = app.map((m) => (m.tMs === 1000 ? { tMs: 1000, bytes: 950 * 250 } : m));
    expect(((1_000_000 - 950 * 250) * 8000) / 3000).toBeGreaterThan(2_030_000); // what that mark alone would say
    expect(ok(rateOf(late, { warmupMs: 1000 })).bps).toBe(2_000_000);
  });
});

describe('idle time (a stall the reading cannot hide)', () => {
  /** Reads every 50 ms while bytes arrive; none while nothing does. */
  const reads = (endMs: number, bytesAt: (t: number) => number): ProgressMark[] => {
    const out: ProgressMark[] = [];
    for (let t = 0; t <= endMs; t += 50) {
      const bytes = Math.round(bytesAt(t));
      if (out.length === 0 || bytes > (out.at(-1) as ProgressMark).bytes) out.push({ tMs: t, bytes });
    }
    return out;
  };

  it('bytes held back and handed over later leave no idle time: the link was busy', () => {
    // 2 Mbit/s throughout; the application saw nothing from 2000 to 2600 ms (a loss being
    // repaired), then the held bytes over the next 300 ms.
    const held = reads(5000, (t) => (t <= 2000 ? t * 250 : t < 2600 ? 2000 * 250 : t < 2900 ? 2000 * 250 + (t - 2600) * 750 : t * 250));
    const r = ok(rateOf(held, { warmupMs: 500 }));
    expect(r.bps).toBe(2_000_000);
    expect(r.idleMs).toBeLessThan(1);
  });

  it('a stall in the second half reads below the best half of the window; bytes held back do not', () => {
    // 2 Mbit/s; the link carries nothing from 3500 to 4300 ms (a retransmission timeout).
    const stalled = ok(
      rateOf(
        reads(5800, (t) => 250 * (t <= 3500 ? t : t <= 4300 ? 3500 : t - 800)),
        { warmupMs: 500 },
      ),
    );
    expect(stalled.bps).toBeLessThan(0.9 * stalled.bestHalfBps);
    expect(stalled.bestHalfBps).toBeCloseTo(2_000_000, -4);
    const held = ok(
      rateOf(
        reads(5000, (t) => (t <= 2800 ? t * 250 : t < 3400 ? 2800 * 250 : t < 3700 ? 2800 * 250 + (t - 3400) * 750 : t * 250)),
        { warmupMs: 500 },
      ),
    );
    expect(held.bps).toBe(2_000_000);
    expect(held.bestHalfBps).toBeLessThanOrEqual(held.bps * 1.01);
  });

  it('the link idle for 800 ms shows as about that much idle time, in the middle or near the end', () => {
    for (const at of [1500, 2200, 4000]) {
      const idle = reads(5800, (t) => 250 * (t <= at ? t : t <= at + 800 ? at : t - 800));
      const r = ok(rateOf(idle, { warmupMs: 500 }));
      expect(r.bps, `idle at ${at} ms`).toBeLessThan(2_000_000);
      expect(r.idleMs, `idle at ${at} ms`).toBeGreaterThan(500);
      expect(r.idleMs, `idle at ${at} ms`).toBeLessThanOrEqual(800 * (2_000_000 / r.bps) + 1);
    }
  });
});

describe('the end of the window', () => {
  it('a last read that came late (a busy receiver) does not lower the rate: the read before it ends the window', () => {
    // 2 Mbit/s, read every 50 ms; the last 10,000 bytes arrived by 4040 ms, but the loop read them at 4400 ms.
    const marks = curve(4000, 50, (t) => 65_536 + t * 250);
    const late = [...marks, { tMs: 4400, bytes: 65_536 + 4000 * 250 + 10_000 }];
    const r = ok(rateOf(late, { warmupMs: 500 }));
    expect(r.bps).toBe(2_000_000);
    expect(r.lateEndMs).toBeCloseTo(400 - 40, 6);
    // Timed to the late read it would have read 1.86 Mbit/s.
    expect((((late.at(-1) as ProgressMark).bytes - 65_536 - 500 * 250) * 8000) / 3900).toBeLessThan(1_900_000);
  });

  it('a last read on time is the end', () => {
    const marks = curve(4000, 50, (t) => 65_536 + t * 250);
    expect(ok(rateOf([...marks, { tMs: 4040, bytes: 65_536 + 4040 * 250 }], { warmupMs: 500 })).windowMs).toBe(4040 - 500);
  });
});
