/**
 * SeriesStore.rawMany (the rule evaluator's window loads) answers exactly what raw() per series
 * answers — on the SQLite store inline and in its worker thread, through both of its ways (one
 * ordered scan of the minutes for many series over a short range; a query per series for few
 * series or a wide range), with late and overwritten samples, unknown ids and empty series.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../shared/src/log.ts';
import { openThreadedSqliteStore } from '../../../collector/src/storage/threaded/index.ts';
import type { RawColumns, RawPoint, SeriesStore } from '../../../collector/src/storage/types.ts';
import { RETENTION, rng, tmpStore, type TmpStore } from './store-helpers.ts';

const M = 60_000;
const T0 = Date.UTC(2026, 10, 2, 9, 0);
const SERIES = 150;
const MINUTES = 30;

function columnsToLists(cols: RawColumns, n: number): RawPoint[][] {
  const out: RawPoint[][] = [];
  for (let i = 0; i < n; i++) {
    const pts: RawPoint[] = [];
    for (let k = cols.offsets[i] as number; k < (cols.offsets[i + 1] as number); k++) pts.push({ ts: cols.ts[k] as number, value: cols.values[k] as number });
    out.push(pts);
  }
  return out;
}

async function fill(store: SeriesStore): Promise<string[]> {
  const rand = rng(16);
  for (let m = 0; m < MINUTES; m++) {
    const samples = [];
    for (let s = 0; s < SERIES; s++) {
      if (s % 7 === 3 && m % 5 === 0) continue; // gaps
      const n = s % 11 === 0 ? 3 : 1; // some series several times a minute
      for (let k = 0; k < n; k++)
        samples.push({ metric: `m${s % 5}`, labels: { target: `t${s}`, role: 'lan-gateway' }, ts: T0 + m * M + Math.floor(rand() * M), value: rand() * 100 });
    }
    await store.write({ practice: 'A81001', agent: 'srv1', samples });
  }
  // Late samples into early minutes, and an overwrite of an existing (series, ts).
  const late = [];
  for (let s = 0; s < SERIES; s += 9) late.push({ metric: `m${s % 5}`, labels: { target: `t${s}`, role: 'lan-gateway' }, ts: T0 + 2 * M + 17 * s, value: -s });
  await store.write({ practice: 'A81001', agent: 'srv1', samples: late });
  await store.write({ practice: 'A81002', agent: 'srv1', samples: [{ metric: 'm0', labels: { target: 'other' }, ts: T0 + 5 * M, value: 1 }] });
  const found = await store.findSeries({ practice: 'A81001' });
  expect(found.length).toBe(SERIES);
  return found.map((s) => s.id);
}

async function expectSameAsRaw(store: SeriesStore, ids: readonly string[], from: number, to: number): Promise<number> {
  const cols = await (store.rawMany as NonNullable<SeriesStore['rawMany']>).call(store, ids, from, to);
  expect(cols.offsets.length).toBe(ids.length + 1);
  const got = columnsToLists(cols, ids.length);
  const want = await Promise.all(ids.map((id) => store.raw(id, from, to)));
  expect(got).toEqual(want);
  return want.reduce((n, l) => n + l.length, 0);
}

describe.each(['inline', 'worker thread'] as const)('rawMany on the SQLite store (%s)', (mode) => {
  let t: TmpStore;
  let store: SeriesStore;
  let ids: string[];

  beforeAll(async () => {
    t = tmpStore();
    if (mode === 'worker thread') {
      await t.store.close();
      store = openThreadedSqliteStore({ dir: t.dir, retention: RETENTION, log: silentLogger(), synchronous: 'normal' });
    } else store = t.store;
    ids = await fill(store);
    await store.maintain(T0 + 10 * M); // some minutes rolled up; raw samples stay
  }, 30_000);

  afterAll(async () => {
    if (mode === 'worker thread') await store.close();
    await t.cleanup();
  });

  it('answers as raw() per series for many series over a short range (the scan), in the order asked', async () => {
    const shuffled = [...ids].reverse();
    expect(await expectSameAsRaw(store, shuffled, T0 + 14 * M, T0 + 15 * M)).toBeGreaterThan(SERIES);
    expect(await expectSameAsRaw(store, ids, T0 + M + 12_345, T0 + 17 * M + 999)).toBeGreaterThan(SERIES * 15);
    expect(await expectSameAsRaw(store, ids, T0, T0 + MINUTES * M)).toBeGreaterThan(SERIES * MINUTES);
  });

  it('answers as raw() for few series and for a wide range (a query per series)', async () => {
    expect(await expectSameAsRaw(store, ids.slice(0, 5), T0, T0 + MINUTES * M)).toBeGreaterThan(5 * (MINUTES - 6));
    expect(await expectSameAsRaw(store, ids, T0 - 5 * 86_400_000, T0 + 3 * 86_400_000)).toBeGreaterThan(SERIES * MINUTES);
  });

  it('gives unknown and malformed ids, empty ranges and series without samples in range no points', async () => {
    await expectSameAsRaw(store, [...ids.slice(0, 80), '999999', 'x', '0'], T0 + 3 * M, T0 + 4 * M);
    const cols = await (store.rawMany as NonNullable<SeriesStore['rawMany']>).call(store, ids, T0 + 5 * M, T0 + 5 * M);
    expect(Array.from(cols.offsets).every((o) => o === 0)).toBe(true);
    await expectSameAsRaw(store, ids, T0 + 40 * M, T0 + 50 * M);
  });
});
