// Pure pusher rules: back-off with full jitter, Retry-After parsing, batch formation (lanes).
import { describe, expect, it } from 'vitest';
import { backoffDelayMs, parseRetryAfter, RETRY_AFTER_CAP_MS } from '../../../agent/src/push/backoff.ts';
import { msAheadOfCollector } from '../../../agent/src/push/pusher.ts';
import { sortRefused } from '../../../agent/src/push/refused.ts';
import type { SpooledBatch } from '../../../agent/src/spool/spool.ts';
import { INITIAL_LANE_STATE, planBatch, type Lane, type LaneState, type QueueView } from '../../../agent/src/push/lanes.ts';

describe('backoffDelayMs (full jitter)', () => {
  const opts = { baseMs: 1000, maxMs: 300_000 };

  it('doubles the ceiling per attempt up to maxMs, and draws uniformly below it', () => {
    const ceiling = (attempt: number): number => backoffDelayMs(attempt, opts, () => 0.999999) + 1;
    expect([0, 1, 2, 3, 8, 9, 20, 1000].map(ceiling)).toEqual([1000, 2000, 4000, 8000, 256_000, 300_000, 300_000, 300_000]);
    expect(backoffDelayMs(5, opts, () => 0)).toBe(0);
    expect(backoffDelayMs(5, opts, () => 0.5)).toBe(16_000);
  });

  it('stays within [0, ceiling) with the real random source', () => {
    for (let i = 0; i < 200; i++) {
      const d = backoffDelayMs(3, opts);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(8000);
    }
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-25T12:00:00Z');

  it('reads delta-seconds', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 5 ', now)).toBe(5000);
    expect(parseRetryAfter(['7', '9'], now)).toBe(7000);
  });

  it('reads the three HTTP date forms', () => {
    expect(parseRetryAfter('Wed, 25 Nov 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wednesday, 25-Nov-26 12:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Wed Nov 25 12:00:10 2026', now)).toBe(10_000);
  });

  it('treats a past date as now and clamps absurd waits', () => {
    expect(parseRetryAfter('Tue, 24 Nov 2026 12:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('99999999', now)).toBe(RETRY_AFTER_CAP_MS);
    expect(parseRetryAfter('Fri, 01 Jan 2100 00:00:00 GMT', now)).toBe(RETRY_AFTER_CAP_MS);
  });

  it('ignores what is neither', () => {
    for (const bad of [undefined, '', '-1', '1.5', 'soon', '2026-11-25T12:00:30Z', 'Wed, 99 Foo 2026 GMT']) {
      expect(parseRetryAfter(bad, now), String(bad)).toBeUndefined();
    }
  });
});

/** An in-memory queue of seqs standing in for the spool, driving the real planner. */
class Queue implements QueueView {
  pendingSeqs: number[] = [];
  newestSeq = 0;
  get pending(): number {
    return this.pendingSeqs.length;
  }
  hasAtOrBelow(seq: number): boolean {
    return this.pendingSeqs.some((s) => s <= seq);
  }
  hasAbove(seq: number): boolean {
    return this.pendingSeqs.some((s) => s > seq);
  }
  add(n: number): number[] {
    const added = Array.from({ length: n }, () => ++this.newestSeq);
    this.pendingSeqs.push(...added);
    return added;
  }
  /** Forms the batch the planner selected and acknowledges it at once. */
  take(state: LaneState, batchSamples: number): { state: LaneState; lane: Lane | undefined; seqs: number[] } {
    const plan = planBatch(state, this, batchSamples);
    if (plan.selection === undefined) return { state: plan.state, lane: undefined, seqs: [] };
    const { afterSeq, throughSeq, limit } = plan.selection;
    const seqs = this.pendingSeqs.filter((s) => s > afterSeq && s <= throughSeq).slice(0, limit);
    this.pendingSeqs = this.pendingSeqs.filter((s) => !seqs.includes(s));
    return { state: plan.state, lane: plan.selection.lane, seqs };
  }
}

describe('planBatch (batch formation and the lane rule)', () => {
  it('sends the oldest samples in one batch when no more than a batch is waiting', () => {
    const q = new Queue();
    q.add(7);
    const r = q.take(INITIAL_LANE_STATE, 10);
    expect(r).toEqual({ state: INITIAL_LANE_STATE, lane: 'normal', seqs: [1, 2, 3, 4, 5, 6, 7] });
    expect(q.take(r.state, 10).lane).toBeUndefined();
  });

  it('drains a backlog oldest first, every other batch carrying the live samples', () => {
    const q = new Queue();
    q.add(50); // five batches of backlog when the collector comes back
    let state = INITIAL_LANE_STATE;
    const sent: Array<{ lane: Lane | undefined; seqs: number[] }> = [];
    for (let round = 0; round < 12; round++) {
      if (round >= 1 && round <= 6) q.add(3); // live samples keep arriving while the backlog drains
      if (round === 8) q.add(2);
      const r = q.take(state, 10);
      state = r.state;
      if (r.lane !== undefined) sent.push({ lane: r.lane, seqs: r.seqs });
    }
    expect(sent.map((s) => s.lane)).toEqual(['backlog', 'live', 'backlog', 'live', 'backlog', 'live', 'backlog', 'live', 'backlog', 'normal']);
    // backlog: 1..50 in order, ten at a time
    expect(sent.filter((s) => s.lane === 'backlog').flatMap((s) => s.seqs)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    // a live sample waits behind at most one backlog batch
    expect(sent[1]?.seqs).toEqual([51, 52, 53]);
    expect(sent[3]?.seqs).toEqual([54, 55, 56, 57, 58, 59]);
    // everything exactly once
    const all = sent.flatMap((s) => s.seqs).sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: q.newestSeq }, (_, i) => i + 1));
  });

  it('keeps draining the backlog back to back when nothing live arrives', () => {
    const q = new Queue();
    q.add(25);
    let state = INITIAL_LANE_STATE;
    const lanes: Array<Lane | undefined> = [];
    const seqs: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = q.take(state, 10);
      state = r.state;
      lanes.push(r.lane);
      seqs.push(...r.seqs);
    }
    expect(lanes).toEqual(['backlog', 'backlog', 'backlog', undefined]);
    expect(seqs).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });
});

describe("msAheadOfCollector (is a 400 about samples from the collector's future?)", () => {
  const now = Date.parse('2026-11-25T12:00:00Z');
  const batchAt = (...ts: number[]): SpooledBatch => ({
    batchId: 'x-1',
    lane: 'normal',
    firstSeq: 1,
    lastSeq: ts.length,
    samples: ts.map((t) => ({ metric: 'tcp_connect_ms', labels: {}, ts: t, value: 1 })),
  });
  const date = new Date(now).toUTCString();
  const limit = 10 * 60_000;

  it('measures the newest sample against the collector clock from the Date header', () => {
    expect(msAheadOfCollector(batchAt(now, now + limit + 5000), date, now + 999_999, undefined)).toBe(5000);
    expect(msAheadOfCollector(batchAt(now + limit - 30_000), date, now, undefined)).toBe(0); // near the edge: retry, do not set aside
  });

  it('falls back to the measured skew without a Date header', () => {
    expect(msAheadOfCollector(batchAt(now + limit + 1000), undefined, now + 20_000, 20_000)).toBe(1000);
  });

  it('says undefined for batches well inside the window (a 400 about something else)', () => {
    expect(msAheadOfCollector(batchAt(now - 5000, now), date, now, undefined)).toBeUndefined();
    expect(msAheadOfCollector(batchAt(1_700_000_000_000), date, now, undefined)).toBeUndefined();
  });
});

describe('sortRefused (what to do with the samples a collector refused in a stored batch)', () => {
  const now = Date.parse('2026-11-25T12:00:00Z');
  const limit = 10 * 60_000;
  const sample = (check: string, ts = now) => ({ metric: 'tcp_connect_ms', labels: { check }, ts, value: 1 });
  const batch: SpooledBatch = {
    batchId: 'x-7',
    lane: 'normal',
    firstSeq: 1,
    lastSeq: 4,
    samples: [sample('a'), sample('b'), sample('c', now + limit + 30_000), sample('d', now + limit + 2 * 3_600_000)],
  };
  const ack = (refused: Array<{ index: number; rule: string; problem?: string }>) => ({
    batchId: 'x-7',
    accepted: 4 - refused.length,
    duplicate: false,
    serverTime: now,
    refused,
  });

  it("is undefined when nothing was refused (an old collector's answer, or an empty list)", () => {
    expect(sortRefused(batch, { batchId: 'x-7', accepted: 4, duplicate: false, serverTime: now })).toBeUndefined();
    expect(sortRefused(batch, ack([]))).toBeUndefined();
  });

  it("sets each refused sample aside alone with its check and reason; holds one only slightly in the collector's future", () => {
    const r = sortRefused(
      batch,
      ack([
        { index: 1, rule: 'label_reserved', problem: 'samples[1].labels.__x: reserved label name (names starting with __ are reserved)' },
        { index: 2, rule: 'ts_future', problem: 'samples[2].ts: …' },
        { index: 3, rule: 'ts_future' },
      ]),
    );
    expect(r?.retry).toEqual([batch.samples[2]]);
    expect(r?.retryAfterMs).toBe(30_000 + 1000);
    expect(r?.setAside).toEqual([
      {
        sample: batch.samples[1],
        check: 'b',
        status: 200,
        reason: 'label_reserved: samples[1].labels.__x: reserved label name (names starting with __ are reserved)',
        problems: ['samples[1].labels.__x: reserved label name (names starting with __ are reserved)'],
        batchId: 'x-7',
      },
      {
        sample: batch.samples[3],
        check: 'd',
        status: 200,
        reason: 'ts_future: samples[3]: refused (ts_future)',
        problems: ['samples[3]: refused (ts_future)'],
        batchId: 'x-7',
      },
    ]);
  });

  it('ignores indexes out of range or repeated (a confused answer never sets aside the wrong sample)', () => {
    const r = sortRefused(
      batch,
      ack([
        { index: 0, rule: 'schema' },
        { index: 0, rule: 'schema' },
        { index: 9, rule: 'schema' },
        { index: -1, rule: 'schema' },
      ]),
    );
    expect(r?.setAside.map((s) => s.check)).toEqual(['a']);
    expect(sortRefused(batch, ack([{ index: 9, rule: 'schema' }]))).toBeUndefined();
  });
});
