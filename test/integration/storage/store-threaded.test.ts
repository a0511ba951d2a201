/**
 * The SQLite store in a worker thread (collector/src/storage/threaded/), as the collector opens it
 * through the registry: it must answer exactly as the store it runs, refuse and fail the same
 * way (open errors thrown at open), keep acknowledged writes across kill -9, relay the store's
 * logs, and never keep an idle process alive.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openThreadedSqliteStore } from '../../../collector/src/storage/threaded/index.ts';
import { openSqliteStore } from '../../../collector/src/storage/sqlite/index.ts';
import { openStore } from '../../../collector/src/storage/registry.ts';
import type { Bucket, SeriesStore } from '../../../collector/src/storage/types.ts';
import { HOUR_MS, MINUTE_MS } from '../../../collector/src/storage/summary.ts';
import { createLogger, silentLogger } from '../../../shared/src/log.ts';
import { isN3monError } from '../../../shared/src/errors.ts';
import type { WireSample } from '../../../shared/src/wire.ts';
import { CRASH_SERIES, CRASH_STEP_MS, CRASH_T0, crashBatch } from './crash-writer.ts';
import { RETENTION, rng, runAndKill } from './store-helpers.ts';

const dirs: string[] = [];
const stores: SeriesStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'n3mon-threaded-'));
  dirs.push(d);
  return d;
}

function threaded(dir: string, log = silentLogger()): SeriesStore {
  const s = openThreadedSqliteStore({ dir, retention: RETENTION, log, synchronous: 'normal' });
  stores.push(s);
  return s;
}

const T0 = Date.UTC(2026, 9, 5, 10);

/** Batches over 30 series and 3 hours, in time order, with some late and re-sent samples. */
function batches(): { practice: string; agent: string; samples: WireSample[] }[] {
  const r = rng(7);
  const out: { practice: string; agent: string; samples: WireSample[] }[] = [];
  for (let b = 0; b < 60; b++) {
    const samples: WireSample[] = [];
    for (let i = 0; i < 200; i++) {
      const s = i % 30;
      samples.push({
        metric: s % 2 === 0 ? 'icmp_rtt_avg_ms' : 'http_total_ms',
        labels: { check: `c${s}`, target: `10.0.0.${s}`, role: 'n3-gateway' },
        ts: T0 + b * 180_000 + Math.floor(i / 30) * 20_000 + s,
        value: Math.round(r() * 100_000) / 1000,
      });
    }
    if (b % 10 === 9) samples.push({ ...(out[b - 5]?.samples[3] as WireSample), value: -1 }); // a re-sent sample, new value
    out.push({ practice: b % 3 === 0 ? 'A81001' : 'B82002', agent: 'main', samples });
  }
  return out;
}

function plain(m: Map<string, Bucket[]>): Record<string, unknown[]> {
  const o: Record<string, unknown[]> = {};
  for (const [id, bs] of m)
    o[id] = bs.map((b) => ({
      start: b.start,
      count: b.count,
      sum: b.sum,
      min: b.min,
      max: b.max,
      sketch: [b.sketch.count, b.sketch.quantile(0.5), b.sketch.quantile(0.95), [...b.sketch.encode()]],
    }));
  return o;
}

describe('SQLite store in a worker thread', () => {
  it('answers exactly as the store it runs: writes, series, raw, aggregates before and after maintain', async () => {
    const inline = openSqliteStore({ dir: tmp(), retention: RETENTION, log: silentLogger(), synchronous: 'normal' });
    stores.push(inline);
    const worker = threaded(tmp());
    const both = [inline, worker];
    for (const req of batches()) {
      const [a, b] = await Promise.all(both.map((s) => s.write(req)));
      expect(b).toEqual(a);
    }
    const check = async (): Promise<void> => {
      const [sa, sb] = await Promise.all(both.map((s) => s.findSeries({ practice: ['A81001', 'B82002'] })));
      expect(sb).toEqual(sa);
      const ids = sa!.map((s) => s.id);
      for (const id of ids.slice(0, 5)) expect(await worker.raw(id, T0, T0 + 4 * HOUR_MS)).toEqual(await inline.raw(id, T0, T0 + 4 * HOUR_MS));
      for (const stepMs of [HOUR_MS, 5 * MINUTE_MS, 45_000]) {
        const q = { seriesIds: ids, from: T0 - HOUR_MS, to: T0 + 4 * HOUR_MS, stepMs };
        expect(plain(await worker.aggregate(q))).toEqual(plain(await inline.aggregate(q)));
      }
      const { diskBytes: _a, ...statsA } = inline.stats();
      const { diskBytes: _b, ...statsB } = worker.stats();
      expect(statsB).toEqual(statsA);
    };
    await check();
    await Promise.all(both.map((s) => s.maintain(T0 + 2 * HOUR_MS)));
    await check();
    expect(worker.stats().series).toBe(30 * 2);
  });

  it('concurrent writes of many pieces each store every sample of every batch, once', async () => {
    const worker = threaded(tmp());
    // 12 batches of 1,500 samples (4 pieces each on the wire), all in flight at once: each write
    // must take its own pieces, not the next one's.
    const reqs = Array.from({ length: 12 }, (_, b) => ({
      practice: 'A81001',
      agent: 'main',
      samples: Array.from(
        { length: 1500 },
        (_, i): WireSample => ({ metric: 'icmp_rtt_avg_ms', labels: { check: `b${b}` }, ts: T0 + i * 1000, value: b * 10_000 + i }),
      ),
    }));
    const results = await Promise.all(reqs.map((r) => worker.write(r)));
    expect(results.map((r) => r.written)).toEqual(reqs.map(() => 1500));
    for (const s of await worker.findSeries({ practice: ['A81001'] })) {
      const b = Number(s.labels.check?.slice(1));
      const points = await worker.raw(s.id, T0, T0 + 1500 * 1000);
      expect(points.length).toBe(1500);
      expect(points.every((p, i) => p.value === b * 10_000 + i)).toBe(true);
    }
  });

  it('refuses and fails as the store does: bad writes, bad retention and a newer schema at open, calls after close', async () => {
    const dir = tmp();
    const s = threaded(dir);
    const refused = await s.write({ practice: 'A81001', agent: 'main', samples: [{ metric: 'm', labels: {}, ts: -1, value: 1 }] }).catch((e: unknown) => e);
    expect(isN3monError(refused, 'N3MON_ERR_STORE')).toBe(true);
    expect((refused as { problems: string[] }).problems[0]).toMatch(/^samples\[0\]\.ts: /);
    expect(() => openThreadedSqliteStore({ dir: tmp(), retention: { rawDays: 30, minuteDays: 10, hourDays: 800 }, log: silentLogger() })).toThrow(
      /retention\.minuteDays/,
    );
    await s.close();
    const closed = await s.findSeries({}).catch((e: unknown) => e);
    expect(isN3monError(closed, 'N3MON_ERR_UNAVAILABLE')).toBe(true);
    const db = new Database(join(dir, 'series.db'));
    db.pragma('user_version = 99');
    db.close();
    let opened: unknown;
    try {
      opened = openThreadedSqliteStore({ dir, retention: RETENTION, log: silentLogger() });
    } catch (err) {
      opened = err;
    }
    expect(isN3monError(opened, 'N3MON_ERR_STORE')).toBe(true);
    expect((opened as Error).message).toMatch(/schema version 99/);
  });

  it('is what the registry opens, and relays the store log lines through the caller logger', async () => {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const l of chunk.toString().split('\n')) if (l !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
        cb();
      },
    });
    const log = createLogger({ level: 'debug', destination }).child({ component: 'test' });
    const s = openStore('sqlite', { dataDir: tmp(), retention: RETENTION, log });
    stores.push(s);
    await s.maintain(T0);
    await s.close();
    const open = lines.find((l) => l.msg === 'series store open');
    expect(open).toMatchObject({ level: 30, component: 'store', backend: 'sqlite', synchronous: 'full' });
    expect(lines.find((l) => l.msg === 'store maintained')).toMatchObject({ level: 20 });
  });

  it('kill -9 of a process writing through the worker (synchronous=full) loses no acknowledged write', async () => {
    const dir = tmp();
    const killAfter = 60 + Math.floor(Math.random() * 60);
    const { acked, signal, stderr } = await runAndKill(join(import.meta.dirname, 'threaded-child.ts'), ['crash', dir], killAfter, 60_000);
    expect(stderr).not.toMatch(/store worker failed/);
    expect(signal).toBe('SIGKILL');
    expect(acked.size).toBeGreaterThanOrEqual(killAfter);
    const store = threaded(dir);
    const series = await store.findSeries({ practice: 'A81001' });
    const last = Math.max(...acked);
    const stored = new Set<string>();
    for (const s of series)
      for (const p of await store.raw(s.id, CRASH_T0 - HOUR_MS, CRASH_T0 + (last + 2) * CRASH_STEP_MS)) stored.add(`${s.labels.target} ${p.ts} ${p.value}`);
    let missing = 0;
    for (const n of acked) for (const x of crashBatch(n)) if (!stored.has(`${x.labels.target} ${x.ts} ${x.value}`)) missing++;
    expect(missing).toBe(0);
    expect(stored.size).toBeGreaterThanOrEqual(acked.size * CRASH_SERIES);
  }, 90_000);

  it('waits for a pending write, but an idle store does not keep the process alive', async () => {
    const dir = tmp();
    const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'threaded-child.ts'), 'linger', dir], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('error', reject);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve({ code: c, out });
      });
    });
    expect(out).toBe('acked\n');
    expect(code).toBe(0);
  }, 40_000);
});
