/**
 * The SQLite series store on its own (no HTTP): write throughput per synchronous mode, maintain
 * (rollup) throughput, and the monthly-report read path (300 series × a month at 1 h step, p50/p95
 * per series, core hours 08:00–18:30 Europe/London including the 18:00–18:30 minute-tier pieces).
 *
 * usage: node --import tsx bench/store.ts [--samples 2000000] [--series 2000] [--batch 5000]
 *          [--sync full,normal] [--concurrency 1,4] [--month-series 300] [--days 31] [--skip-read]
 *          [--http] (HTTP + JSON.parse + schema check on the main thread, store inline vs in a
 *          worker_thread, load from a separate client process; answers only after a durable write)
 * Prints tables; no thresholds (benchmarks print numbers, they are not tests). Data goes to a tmp
 * dir that is removed at the end.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '../shared/src/log.ts';
import type { WireSample } from '../shared/src/wire.ts';
import { openSqliteStore } from '../collector/src/storage/sqlite/index.ts';
import { initSchema, type SynchronousMode } from '../collector/src/storage/sqlite/schema.ts';
import Database from 'better-sqlite3';
import type { SeriesStore } from '../collector/src/storage/types.ts';
import { HOUR_MS, MINUTE_MS, mergeBuckets } from '../collector/src/storage/summary.ts';
import { createCoreCalendar } from '../shared/src/calendar/core-hours.ts';
import { checker } from '../shared/src/validate.ts';
import { IngestBody } from '../shared/src/wire.ts';

const { values: args } = parseArgs({
  options: {
    samples: { type: 'string', default: '2000000' },
    series: { type: 'string', default: '2000' },
    batch: { type: 'string', default: '5000' },
    sync: { type: 'string', default: 'full,normal' },
    concurrency: { type: 'string', default: '1,4' },
    'month-series': { type: 'string', default: '300' },
    days: { type: 'string', default: '31' },
    'skip-read': { type: 'boolean', default: false },
    http: { type: 'boolean', default: false },
    client: { type: 'string' },
  },
  allowPositionals: true,
});

const log = createLogger({ level: 'warn' });
const RETENTION = { rawDays: 400, minuteDays: 400, hourDays: 800 };
const T0 = Date.UTC(2026, 9, 1); // 2026-10-01 (a month with a BST→GMT change on the 25th)
const mib = (n: number): string => (n / 1048576).toFixed(0);
const rate = (n: number, ms: number): string => Math.round((n * 1000) / ms).toLocaleString('en-GB');

function table(title: string, rows: Record<string, string | number>[]): void {
  console.log(`\n${title}`);
  console.table(rows);
}

/**
 * Samples in time order: every series once per `everyMs`, values shaped like RTTs (ms). Within
 * each step the series come in a different order (checks finish in a different order each round),
 * so series ids are not in the order samples arrive.
 */
function* stream(opts: { series: number; everyMs: number; start: number; count: number; practices: number }): Generator<[string, WireSample]> {
  let seed = 12345;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  let n = 0;
  let step = 0;
  for (let ts = opts.start; n < opts.count; ts += opts.everyMs, step++) {
    for (let j = 0; j < opts.series && n < opts.count; j++, n++) {
      const s = opts.series % 7919 === 0 ? j : (j * 7919 + step * 104_729) % opts.series; // a permutation per step
      const practice = `P${String(s % opts.practices).padStart(5, '0')}`;
      const labels = { check: `icmp:10.200.${s >> 8}.${s & 255}`, role: 'n3-gateway', target: `10.200.${s >> 8}.${s & 255}` };
      yield [
        practice,
        { metric: 'icmp_rtt_avg_ms', labels, ts: ts + (s % 1000), value: Math.round(20 * Math.exp(0.5 * (rnd() + rnd() + rnd() - 1.5)) * 1000) / 1000 },
      ];
    }
  }
}

type Request = { practice: string; agent: string; samples: WireSample[] };

/**
 * Write requests of `batch` samples, generated lazily (the bench must not hold millions of
 * samples on the heap: that would bill the store for the bench's garbage collection).
 */
function* requests(opts: { series: number; everyMs: number; start: number; count: number; batch: number; practices: number }): Generator<Request> {
  let slice: [string, WireSample][] = [];
  // Group each batch-sized slice of the time-ordered stream by practice (an agent pushes its own).
  const flush = function* (): Generator<Request> {
    const byPractice = new Map<string, WireSample[]>();
    for (const [p, s] of slice) {
      let list = byPractice.get(p);
      if (list === undefined) byPractice.set(p, (list = []));
      list.push(s);
    }
    // Through JSON, as the ingest route hands them over (flat strings, fresh objects).
    for (const [practice, samples] of byPractice) yield { practice, agent: 'main', samples: JSON.parse(JSON.stringify(samples)) as WireSample[] };
    slice = [];
  };
  for (const item of stream(opts)) {
    slice.push(item);
    if (slice.length === opts.batch) yield* flush();
  }
  yield* flush();
}

/**
 * Writes every request with `concurrency` writes in flight. Times only the store: the clock runs
 * while at least one write is pending (generating the next request is not counted).
 */
async function writeAll(store: SeriesStore, reqs: Iterator<Request>, concurrency: number): Promise<{ ms: number; cpuMs: number }> {
  let ms = 0;
  let cpu = 0;
  let pending = 0;
  let t = 0;
  let c = process.cpuUsage();
  const worker = async (): Promise<void> => {
    for (;;) {
      const next = reqs.next();
      if (next.done === true) return;
      if (pending++ === 0) {
        t = performance.now();
        c = process.cpuUsage();
      }
      await store.write(next.value);
      if (--pending === 0) {
        ms += performance.now() - t;
        cpu += cpuMs(c);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { ms, cpuMs: cpu };
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

/**
 * The floor: the same rows into the same schema with bare better-sqlite3 — series ids known, no
 * validation, no series lookup, 128-row INSERTs, one transaction per batch. The store's figure
 * over this one is the cost of everything the store adds (and is robust to a busy machine).
 */
function bareInserts(opts: { sync: SynchronousMode; count: number; series: number; batch: number }): { ms: number; cpuMs: number } {
  const dir = mkdtempSync(join(tmpdir(), 'n3mon-bench-store-bare-'));
  try {
    const db = new Database(join(dir, 'series.db'));
    initSchema(db, { synchronous: opts.sync, cacheMiB: 64 });
    const rows = 128;
    const many = db.prepare(`INSERT OR REPLACE INTO samples (minute, series_id, ts, value) VALUES ${new Array(rows).fill('(?,?,?,?)').join(',')}`);
    // (in arrival order: what a store without the writer's sort would do)
    const one = db.prepare('INSERT OR REPLACE INTO samples (minute, series_id, ts, value) VALUES (?,?,?,?)');
    const tx = db.transaction((p: number[]) => {
      let i = 0;
      for (; i + rows * 4 <= p.length; i += rows * 4) many.run(p.slice(i, i + rows * 4));
      for (; i < p.length; i += 4) one.run(p[i], p[i + 1], p[i + 2], p[i + 3]);
    });
    let ms = 0;
    let cpu = 0;
    const ids = new Map<string, number>(); // ids in order of first sight, as the store assigns them
    for (const req of requests({ series: opts.series, everyMs: 10_000, start: T0, count: opts.count, batch: opts.batch, practices: 1 })) {
      const p: number[] = [];
      for (const smp of req.samples) {
        const target = smp.labels.target as string;
        let id = ids.get(target);
        if (id === undefined) ids.set(target, (id = ids.size + 1));
        p.push(Math.floor(smp.ts / MINUTE_MS), id, smp.ts, smp.value);
      }
      const t = performance.now();
      const c = process.cpuUsage();
      tx(p);
      ms += performance.now() - t;
      cpu += cpuMs(c);
    }
    db.close();
    return { ms, cpuMs: cpu };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function writeBench(): Promise<void> {
  const count = Number(args.samples);
  const series = Number(args.series);
  const batch = Number(args.batch);
  // One request per batch: the whole batch is one practice (as one big agent push would be).
  const rows: Record<string, string | number>[] = [];
  for (const sync of args.sync.split(',') as SynchronousMode[]) {
    const bare = bareInserts({ sync, count, series, batch });
    rows.push({
      synchronous: sync,
      'batch size': batch,
      series,
      'writers in flight': 'bare better-sqlite3',
      samples: count,
      'write samples/s': rate(count, bare.ms),
      'write samples/s per CPU-s': rate(count, bare.cpuMs),
      'maintain samples/s': '',
      'maintain CPU ms': '',
      'disk MiB': '',
      'RSS MiB': '',
    });
    for (const concurrency of args.concurrency.split(',').map(Number)) {
      const dir = mkdtempSync(join(tmpdir(), 'n3mon-bench-store-'));
      try {
        const store = openSqliteStore({ dir, retention: RETENTION, log, synchronous: sync });
        const reqs = requests({ series, everyMs: 10_000, start: T0, count, batch, practices: 1 });
        const { ms, cpuMs: writeCpu } = await writeAll(store, reqs, concurrency);
        const rss = process.memoryUsage().rss;
        const mcpu = process.cpuUsage();
        const m0 = performance.now();
        await store.maintain(T0 + (count / series) * 10_000 + 10 * MINUTE_MS);
        const mMs = performance.now() - m0;
        const disk = store.stats().diskBytes ?? 0;
        await store.close();
        rows.push({
          synchronous: sync,
          'batch size': batch,
          series,
          'writers in flight': concurrency,
          samples: count,
          'write samples/s': rate(count, ms),
          'write samples/s per CPU-s': rate(count, writeCpu),
          'maintain samples/s': rate(count, mMs),
          'maintain CPU ms': Math.round(cpuMs(mcpu)),
          'disk MiB': mib(disk),
          'RSS MiB': mib(rss),
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  table(`write path: ${count.toLocaleString('en-GB')} samples, 1 per series per 10 s, batches of ${batch}`, rows);
  await commitLatency();
}

/** What a durable commit costs by itself: 300 one-sample writes, one at a time, per mode. */
async function commitLatency(): Promise<void> {
  const rows: Record<string, string | number>[] = [];
  for (const sync of args.sync.split(',') as SynchronousMode[]) {
    const dir = mkdtempSync(join(tmpdir(), 'n3mon-bench-store-commit-'));
    try {
      const store = openSqliteStore({ dir, retention: RETENTION, log, synchronous: sync });
      const ms: number[] = [];
      for (let i = 0; i < 300; i++) {
        const t = performance.now();
        await store.write({ practice: 'P', agent: 'main', samples: [{ metric: 'tcp_connect_ms', labels: {}, ts: T0 + i * 1000, value: i }] });
        ms.push(performance.now() - t);
      }
      await store.close();
      ms.sort((a, b) => a - b);
      rows.push({ synchronous: sync, writes: ms.length, 'median ms': ms[150]!.toFixed(2), 'p99 ms': ms[296]!.toFixed(2) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  table('commit latency of a one-sample write (what a WAL fsync per commit costs on this disk)', rows);
}

async function readBench(): Promise<void> {
  const series = Number(args['month-series']);
  const days = Number(args.days);
  const monthEnd = T0 + days * 24 * HOUR_MS;
  const dir = mkdtempSync(join(tmpdir(), 'n3mon-bench-store-read-'));
  try {
    const store = openSqliteStore({ dir, retention: RETENTION, log, synchronous: 'normal' });
    const count = series * days * 1440;
    let ms = 0;
    // Generate and write a day at a time (keeps memory flat), then roll everything up.
    for (let d = 0; d < days; d++) {
      const reqs = requests({ series, everyMs: MINUTE_MS, start: T0 + d * 24 * HOUR_MS, count: series * 1440, batch: 5000, practices: 1 });
      ms += (await writeAll(store, reqs, 1)).ms;
    }
    const m0 = performance.now();
    await store.maintain(monthEnd + HOUR_MS);
    const maintainMs = performance.now() - m0;
    const ids = (await store.findSeries({})).map((s) => s.id);
    const rows: Record<string, string | number>[] = [];
    const time = async (what: string, fn: () => Promise<string>): Promise<void> => {
      const wall: number[] = [];
      const cpu: number[] = [];
      let note = '';
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        const c = process.cpuUsage();
        note = await fn();
        cpu.push(cpuMs(c));
        wall.push(performance.now() - t);
      }
      rows.push({
        query: what,
        'best ms': Math.round(Math.min(...wall)),
        'worst ms': Math.round(Math.max(...wall)),
        'best CPU ms': Math.round(Math.min(...cpu)),
        result: note,
      });
    };
    await time(`aggregate ${series} series × ${days} d, step 1 h`, async () => {
      const agg = await store.aggregate({ seriesIds: ids, from: T0, to: monthEnd, stepMs: HOUR_MS });
      return `${[...agg.values()].reduce((n, b) => n + b.length, 0)} buckets`;
    });
    await time('… + month p50/p95 per series (merge sketches)', async () => {
      const agg = await store.aggregate({ seriesIds: ids, from: T0, to: monthEnd, stepMs: HOUR_MS });
      let p95 = 0;
      for (const buckets of agg.values()) p95 += mergeBuckets(buckets).sketch.quantile(0.95);
      return `mean p95 ${(p95 / ids.length).toFixed(2)} ms`;
    });
    const calendar = createCoreCalendar();
    await time('core hours 08:00–18:30 Europe/London: hour tier + 30-min pieces, p95 per series', async () => {
      const intervals = calendar.coreIntervals(T0, monthEnd);
      const agg = await store.aggregate({ seriesIds: ids, from: T0, to: monthEnd, stepMs: HOUR_MS });
      const perSeries = new Map(ids.map((id) => [id, [] as ReturnType<typeof mergeBuckets>[]]));
      for (const [id, buckets] of agg) {
        for (const b of buckets) if (intervals.some((iv) => b.start >= iv.from && b.start + HOUR_MS <= iv.to)) perSeries.get(id)!.push(b);
      }
      let pieces = 0;
      for (const iv of intervals) {
        const tail = iv.to % HOUR_MS; // 18:30 ends half-way through an hour
        if (tail === 0) continue;
        const from = iv.to - tail;
        const res = await store.aggregate({ seriesIds: ids, from, to: iv.to, stepMs: tail });
        pieces++;
        for (const [id, buckets] of res) perSeries.get(id)!.push(...buckets);
      }
      let p95 = 0;
      for (const buckets of perSeries.values()) p95 += mergeBuckets(buckets).sketch.quantile(0.95);
      return `${intervals.length} core days, ${pieces} minute-tier pieces, mean p95 ${(p95 / ids.length).toFixed(2)} ms`;
    });
    await time('raw samples of 1 series × 1 day', async () => `${(await store.raw(ids[0]!, T0, T0 + 24 * HOUR_MS)).length} points`);
    await time(
      'minute tier: 1 series × 1 day, step 5 min',
      async () => `${(await store.aggregate({ seriesIds: [ids[0]!], from: T0, to: T0 + 24 * HOUR_MS, stepMs: 5 * MINUTE_MS })).get(ids[0]!)!.length} buckets`,
    );
    const disk = store.stats().diskBytes ?? 0;
    await store.close();
    table(
      `read path: ${series} series × ${days} days of 1-minute samples (${count.toLocaleString('en-GB')} samples written at ${rate(count, ms)}/s, rolled up at ${rate(count, maintainMs)}/s; ${mib(disk)} MiB on disk; RSS ${mib(process.memoryUsage().rss)} MiB)`,
      rows,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// --http: does moving SQLite writes to a worker_thread help the end-to-end ingest figure?

/** Samples cross the thread boundary as JSON text: V8 stringifies/parses plain objects faster than it structured-clones them. */
type StoreMsg = { id: number; practice: string; agent: string; samples: string };
type StoreReply = { id: number; written?: number; error?: string };

/** The worker side: owns the store, answers each write after it committed. */
function storeWorker(): void {
  const { dir } = workerData as { dir: string };
  const store = openSqliteStore({ dir, retention: RETENTION, log, synchronous: 'full' });
  parentPort!.postMessage('ready');
  parentPort!.on('message', (m: StoreMsg | 'close') => {
    if (m === 'close') {
      void store.close().then(() => parentPort!.postMessage('closed'));
      return;
    }
    store.write({ practice: m.practice, agent: m.agent, samples: JSON.parse(m.samples) as WireSample[] }).then(
      (r) => parentPort!.postMessage({ id: m.id, written: r.written } satisfies StoreReply),
      (err: unknown) => parentPort!.postMessage({ id: m.id, error: String(err) } satisfies StoreReply),
    );
  });
}

/** The main-thread side of a worker store: write() posts the request (structured clone). */
function workerStore(dir: string): { ready: Promise<void>; write(req: Request): Promise<number>; close(): Promise<void> } {
  // The bench runs under tsx; a worker needs the TypeScript loader registered in its own thread.
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const worker = new Worker(boot, { eval: true, workerData: { role: 'store-worker', dir } });
  const waiting = new Map<number, { resolve: (n: number) => void; reject: (e: Error) => void }>();
  let closed: (() => void) | undefined;
  let ready: (() => void) | undefined;
  let next = 0;
  worker.on('message', (m: StoreReply | 'closed' | 'ready') => {
    if (m === 'ready') {
      ready?.();
      return;
    }
    if (m === 'closed') {
      closed?.();
      return;
    }
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.error !== undefined) w?.reject(new Error(m.error));
    else w?.resolve(m.written ?? 0);
  });
  return {
    ready: new Promise((resolve) => (ready = resolve)),
    write: (req) =>
      new Promise((resolve, reject) => {
        const id = next++;
        waiting.set(id, { resolve, reject });
        worker.postMessage({ id, practice: req.practice, agent: req.agent, samples: JSON.stringify(req.samples) } satisfies StoreMsg);
      }),
    close: () =>
      new Promise((resolve) => {
        closed = () => void worker.terminate().then(() => resolve());
        worker.postMessage('close');
      }),
  };
}

/** The load generator (a separate process): pre-built JSON bodies over keep-alive connections. */
async function client(url: string): Promise<void> {
  const count = Number(args.samples);
  const bodies: Buffer[] = [];
  for (const req of requests({ series: Number(args.series), everyMs: 10_000, start: T0, count, batch: Number(args.batch), practices: 1 })) {
    bodies.push(Buffer.from(JSON.stringify({ batchId: `b${bodies.length}`, samples: req.samples })));
  }
  const target = new URL(url);
  if (target.hostname !== '127.0.0.1') throw new Error('benchmarks only talk to loopback');
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const post = (body: Buffer): Promise<void> =>
    new Promise((resolve, reject) => {
      const r = request(target, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
      });
      r.on('error', reject);
      r.end(body);
    });
  const concurrency = Number(args.concurrency.split(',')[0]);
  let i = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (i < bodies.length) await post(bodies[i++]!);
    }),
  );
  const ms = performance.now() - t;
  agent.destroy();
  process.stdout.write(JSON.stringify({ samples: count, ms }) + '\n');
}

async function httpBench(): Promise<void> {
  const check = checker(IngestBody);
  const rows: Record<string, string | number>[] = [];
  for (const where of ['inline', 'worker', 'inline', 'worker']) {
    const dir = mkdtempSync(join(tmpdir(), 'n3mon-bench-store-http-'));
    const inline = where === 'inline' ? openSqliteStore({ dir, retention: RETENTION, log, synchronous: 'full' }) : undefined;
    const viaWorker = where === 'worker' ? workerStore(dir) : undefined;
    const write = (req: Request): Promise<number> => (inline !== undefined ? inline.write(req).then((r) => r.written) : viaWorker!.write(req));
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        if (!check(body)) {
          res.writeHead(400).end();
          return;
        }
        write({ practice: 'P00000', agent: 'main', samples: body.samples }).then(
          (n) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: n })),
          (err: unknown) => res.writeHead(500).end(String(err)),
        );
      });
    });
    await viaWorker?.ready; // the worker has compiled and opened the store: start the clock after that
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      const cpu = process.cpuUsage();
      const out = await new Promise<string>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          [
            ...process.execArgv,
            import.meta.filename,
            '--client',
            url,
            '--samples',
            args.samples,
            '--series',
            args.series,
            '--batch',
            args.batch,
            '--concurrency',
            args.concurrency,
          ],
          { stdio: ['ignore', 'pipe', 'inherit'] },
        );
        let text = '';
        child.stdout.on('data', (d: Buffer) => (text += d.toString()));
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`client exited ${code}`))));
      });
      const r = JSON.parse(out) as { samples: number; ms: number };
      rows.push({
        store: where,
        synchronous: 'full',
        'batch size': Number(args.batch),
        'requests in flight': Number(args.concurrency.split(',')[0]),
        samples: r.samples,
        'samples/s': rate(r.samples, r.ms),
        'server main-thread+worker CPU s': (cpuMs(cpu) / 1000).toFixed(1),
        'RSS MiB': mib(process.memoryUsage().rss),
      });
    } finally {
      server.close();
      await inline?.close();
      await viaWorker?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  table('HTTP + JSON ingest on the main thread, durable store inline vs in a worker_thread (client in another process)', rows);
}

if (!isMainThread && (workerData as { role?: string } | null)?.role === 'store-worker') {
  storeWorker();
} else if (args.client !== undefined) {
  await client(args.client);
} else {
  const load = (await import('node:os'))
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  console.log(
    `bench/store.ts — node ${process.version}, ${new Date().toISOString()}, load average ${load} (other work on the machine skews wall-clock figures)`,
  );
  if (args.http) await httpBench();
  else {
    await writeBench();
    if (!args['skip-read']) await readBench();
  }
}
