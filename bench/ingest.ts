/**
 * Ingest end to end through the HTTP API, n3mon side by side with InfluxDB 1.x on the same data
 * (PRODUCT.md "Quality bars": ≥ 200,000 samples/s on a 2-core machine, durable before it answers).
 *
 * - n3mon: a real collector process (`dist/cli.js collector`, its own tmp data dir, production
 *   settings: storage.synchronous = full, i.e. the WAL is fsynced before a batch is acknowledged),
 *   agents' gzipped JSON batches to POST /api/v1/ingest with each agent's token.
 * - influxd (when /usr/bin/influxd exists): its own tmp dirs, both bind addresses on 127.0.0.1,
 *   wal-fsync-delay = 0s (the default: WAL fsynced before the write is answered), the same samples
 *   as line protocol (measurement = metric, tags = practice, agent, labels; ms timestamps) to
 *   POST /write?precision=ms, gzipped, same batch size.
 *
 * The data set (bench/ingest/dataset.ts) is agents on the reference practice schedule, with
 * timestamps in the current ~9 minutes ("live" data, so the collector's rollups never see a late
 * sample during the run). Batch 0 of every agent is the warm-up (creates the series, not
 * measured); the rest is sent round-robin over the agents by `--clients` concurrent keep-alive
 * connections spread over `--threads` worker threads of this process (not the server's), until
 * `--seconds` pass or the data runs out. Bodies are built before the clock starts.
 *
 * - influx (when /usr/bin/influxd exists): the collector's `influx` storage backend (docs/storage.md)
 *   against ONE influxd, measured twice in the same run: first direct line-protocol writes into
 *   database `bench` (as the influxd target), then the same samples through n3mon (the agents'
 *   JSON to the collector, which writes database `n3mon` and answers after influxd's 204: WAL
 *   fsynced). Server CPU of the n3mon path is the collector's plus influxd's; the table's last
 *   line is its cost per sample against the direct writes' (goal ≤ 1.5×).
 *
 * After each run every acknowledged sample is counted back: n3mon through the read API
 * (per metric for a few practices) and a count of series.db's samples table (or, on the influx
 * backend, SELECT count(value) of the raw measurements); influxd with SELECT count(value).
 * Neither side can drop data unnoticed.
 *
 * usage: npm run bench:ingest -- [--seconds 15] [--clients 8] [--batch 5000] [--threads 2]
 *   [--targets n3mon,influxd,influx] [--rate-ceiling 350000] [--synchronous full|normal]
 *   [--from dist|source] [--prof DIR (--cpu-prof of the collector)] [--collector-node-args=' --flag …' (default: the systemd unit's)] [--wait-load 1.0] [--wait-max-s 1800] [--json FILE]
 * Prints a table; no thresholds (benchmarks print numbers, they are not tests).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { openMeta } from '../collector/src/meta/index.ts';
import { createAgentToken, createApiKey } from '../collector/src/auth/credentials.ts';
import { agentsFor, SAMPLES_PER_AGENT_MINUTE, SERIES_PER_AGENT, type AgentSpec } from './ingest/dataset.ts';
import type { ClientData, DoneMsg, PrepareMsg, ReadyMsg, RunMsg } from './ingest/client.ts';
import { unitNodeArgs } from './unit-node-args.ts';
import { INFLUXD, machine, memoryMB, processCpuS, startInfluxd, startN3mon, threadCpuS, type Server } from './ingest/servers.ts';
import { DIRECT_DATABASE, N3MON_DATABASE, influxCounts, influxShortfall, n3monInfluxStorage } from './ingest/influx.ts';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '15' },
    clients: { type: 'string', default: '8' },
    batch: { type: 'string', default: '5000' },
    threads: { type: 'string', default: '2' },
    targets: { type: 'string', default: 'n3mon,influxd,influx' },
    'rate-ceiling': { type: 'string', default: '350000' },
    synchronous: { type: 'string', default: 'full' },
    from: { type: 'string', default: 'dist' },
    prof: { type: 'string' },
    // Default: the node flags of deploy/systemd/n3mon-collector.service (how production runs it).
    'collector-node-args': { type: 'string', default: unitNodeArgs('n3mon-collector').join(' ') },
    'wait-load': { type: 'string', default: '0' },
    'wait-max-s': { type: 'string', default: '1800' },
    json: { type: 'string' },
  },
  strict: true,
});

const ROOT = join(import.meta.dirname, '..');
const seconds = Number(args.seconds);
const clients = Number(args.clients);
const batch = Number(args.batch);
const threads = Math.max(1, Math.min(Number(args.threads), clients));
const ceiling = Number(args['rate-ceiling']);
const synchronous = args.synchronous === 'normal' ? 'normal' : 'full';
const targets = args.targets.split(',').filter((t) => t === 'n3mon' || ((t === 'influxd' || t === 'influx') && existsSync(INFLUXD))) as (
  | 'n3mon'
  | 'influxd'
  | 'influx'
)[];
for (const [k, v] of Object.entries({ seconds, clients, batch, ceiling })) if (!(v > 0)) throw new Error(`--${k} must be a positive number`);

const fmt = (n: number): string => Math.round(n).toLocaleString('en-GB');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---- the data set ------------------------------------------------------------------------------
// Each agent's samples must fit the "live" window: from the current minute to ≤ 9.5 min ahead
// (the collector refuses samples more than 10 min in the future; its rollups run 2 min behind).
const batchesPerAgent = Math.max(2, Math.floor((9.5 * SAMPLES_PER_AGENT_MINUTE) / batch));
const agentCount = Math.ceil((seconds * ceiling) / ((batchesPerAgent - 1) * batch));
const agents = agentsFor(agentCount);
const practices = new Set(agents.map((a) => a.practice));
const countPractices = [...practices].slice(0, 3);

interface ClientWorker {
  worker: Worker;
  next<T>(): Promise<T>;
}

function startClient(data: ClientData): ClientWorker {
  // The bench runs under tsx; a worker thread needs the TypeScript loader registered itself.
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./ingest/client.ts', import.meta.url).href)}); })`;
  const worker = new Worker(boot, { eval: true, workerData: data });
  const inbox: unknown[] = [];
  const waiters: ((m: unknown) => void)[] = [];
  let failure: Error | undefined;
  worker.on('message', (m: { type?: string; message?: string }) => {
    if (m.type === 'error') failure = new Error(`client worker: ${m.message}`);
    const w = waiters.shift();
    if (w !== undefined) w(m);
    else inbox.push(m);
  });
  worker.on('error', (err) => {
    failure = err;
    for (const w of waiters.splice(0)) w({ type: 'error', message: String(err) });
  });
  return {
    worker,
    next: <T>() =>
      new Promise<T>((resolve, reject) => {
        const deliver = (m: unknown): void => {
          const e = (m as { type?: string }).type === 'error' ? (failure ?? new Error(String((m as { message?: string }).message))) : undefined;
          if (e !== undefined) reject(e);
          else resolve(m as T);
        };
        if (inbox.length > 0) deliver(inbox.shift());
        else if (failure !== undefined) reject(failure);
        else waiters.push(deliver);
      }),
  };
}

async function waitForQuietMachine(): Promise<void> {
  const limit = Number(args['wait-load']);
  if (!(limit > 0)) return;
  const until = Date.now() + Number(args['wait-max-s']) * 1000;
  while (machine().load1 > limit && Date.now() < until) {
    console.log(`  waiting for load ≤ ${limit} (now ${machine().load})…`);
    await sleep(15_000);
  }
}

/** Servers up right now: stopped (and their tmp dirs removed) if the bench is interrupted. */
const running = new Set<Server>();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    console.error(`\n${sig}: stopping ${running.size} server(s)…`);
    void Promise.all([...running].map((s) => s.stop())).finally(() => process.exit(130));
  });
}

// ---- one run against one server -----------------------------------------------------------------

interface RunResult {
  target: string;
  version: string;
  samples: number;
  seconds: number;
  failed: number;
  errors: string[];
  exhausted: boolean;
  p50: number;
  p99: number;
  serverCpuS: number;
  /** Processes the server CPU and RSS add up (the influx target's n3mon path: collector + influxd). */
  serverParts: { name: string; cpuS: number; rssMB: number }[];
  serverThreads: [string, number][];
  clientCpuS: number;
  rssMB: number;
  peakMB: number;
  loadStart: string;
  loadEnd: string;
  load1Start: number;
  stored: number;
  expected: number;
  verified: string;
  durability: string;
  warmupSamples: number;
  warmupS: number;
  genS: number;
  bodyBytes: { raw: number; gz: number };
}

/** `influx`: the influxd this run shares (the influx target); n3mon then uses the influx backend. */
async function runTarget(target: 'n3mon' | 'influxd', fleet: ClientWorker[], influx?: Server & { version: string }): Promise<RunResult> {
  const label = influx === undefined ? target : target === 'n3mon' ? 'influx: through n3mon' : 'influx: direct';
  const fromMs = Math.floor(Date.now() / 60_000) * 60_000;
  console.log(`\n${label}: building ${fmt(agents.length * batchesPerAgent * batch)} samples of request bodies in ${fleet.length} worker thread(s)…`);
  const g0 = performance.now();
  for (const c of fleet) c.worker.postMessage({ type: 'prepare', target, fromMs } satisfies PrepareMsg);
  const ready = await Promise.all(fleet.map((c) => c.next<ReadyMsg>()));
  const genS = (performance.now() - g0) / 1000;
  const bodyBytes = { raw: ready.reduce((n, r) => n + r.rawBytes, 0), gz: ready.reduce((n, r) => n + r.gzBytes, 0) };

  let server: Server;
  let version: string;
  const tokens: Record<string, string> = {};
  let apiKey = '';
  let durability: string;
  if (target === 'n3mon') {
    const nodeArgs: string[] = args['collector-node-args'].split(' ').filter((a) => a !== '');
    if (args.prof !== undefined) {
      mkdirSync(args.prof, { recursive: true });
      nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${args.prof}`);
    }
    const s = await startN3mon({
      synchronous,
      nodeArgs,
      from: args.from === 'source' ? 'source' : 'dist',
      root: ROOT,
      ...(influx === undefined ? {} : { storage: n3monInfluxStorage(influx.url) }),
      prepare: async (dataDir) => {
        const meta = openMeta({ dataDir });
        try {
          for (const a of agents) tokens[`${a.practice}/${a.agent}`] = (await createAgentToken(meta, { practice: a.practice, agent: a.agent })).token;
          apiKey = (await createApiKey(meta, { role: 'servicedesk', label: 'bench' })).key;
        } finally {
          void meta.close();
        }
      },
    });
    server = s;
    version = `n3mon ${(await import('../package.json', { with: { type: 'json' } })).default.version} (${args.from === 'source' ? 'source' : 'dist'})${nodeArgs.length > 0 ? ` node ${nodeArgs.join(' ')}` : ''}`;
    if (influx !== undefined) version += ` → InfluxDB ${influx.version} (storage.backend influx)`;
    durability =
      influx !== undefined
        ? 'influx backend: answered after every /write got 204 (influxd WAL fsynced, wal-fsync-delay=0s)'
        : synchronous === 'full'
          ? 'SQLite WAL, synchronous=FULL: fsync before the answer'
          : 'SQLite WAL, synchronous=NORMAL: no fsync (kill -9 safe, not power-loss safe)';
  } else if (influx !== undefined) {
    server = influx;
    version = `InfluxDB ${influx.version}, line protocol (the influx target's influxd)`;
    durability = 'WAL, wal-fsync-delay=0s: fsync before the answer';
  } else {
    const s = await startInfluxd();
    server = s;
    version = `InfluxDB ${s.version}`;
    durability = 'WAL, wal-fsync-delay=0s: fsync before the answer';
  }
  const dataDir = (server as { dataDir?: string }).dataDir;
  running.add(server);
  // The n3mon path of the influx target costs the collector's CPU and influxd's.
  const pids = [{ name: server.name, pid: server.pid }, ...(influx !== undefined && server !== influx ? [{ name: 'influxd', pid: influx.pid }] : [])];
  const cpuOf = (): number[] => pids.map((p) => processCpuS(p.pid));
  try {
    const runMsg = (phase: RunMsg['phase'], deadline?: number): RunMsg => ({
      type: 'run',
      phase,
      target,
      url: target === 'n3mon' ? `${server.url}/api/v1/ingest` : `${server.url}/write?db=${DIRECT_DATABASE}&precision=ms`,
      tokens,
      ...(deadline === undefined ? {} : { deadline }),
    });

    console.log(`${label}: warm-up (batch 0 of ${fmt(agents.length)} agents: creates ${fmt(agents.length * SERIES_PER_AGENT)} series)…`);
    const w0 = performance.now();
    for (const c of fleet) c.worker.postMessage(runMsg('warmup'));
    const warm = await Promise.all(fleet.map((c) => c.next<DoneMsg>()));
    const warmupS = (performance.now() - w0) / 1000;
    const warmupSamples = warm.reduce((n, d) => n + d.acked, 0);
    const warmFailed = warm.reduce((n, d) => n + d.failed, 0);
    if (warmFailed > 0) throw new Error(`${label}: ${warmFailed} warm-up request(s) failed: ${[...new Set(warm.flatMap((d) => d.errors))].join(' | ')}`);

    await waitForQuietMachine();
    const m = machine();
    console.log(`${label}: measuring ${seconds} s with ${clients} connections (load average ${m.load})…`);
    const mono0 = process.hrtime.bigint() / 1000n; // CLOCK_MONOTONIC µs, the clock of V8's .cpuprofile timestamps
    const cpu0 = cpuOf();
    const threads0 = threadCpuS(server.pid);
    const self0 = process.cpuUsage();
    for (const c of fleet) c.worker.postMessage(runMsg('measure', Date.now() + seconds * 1000));
    const done = await Promise.all(fleet.map((c) => c.next<DoneMsg>()));
    const partsCpuS = cpuOf().map((c, i) => c - (cpu0[i] as number));
    const serverCpuS = partsCpuS.reduce((a, b) => a + b, 0);
    if (args.prof !== undefined && target === 'n3mon') {
      // The measured window, to cut the collector's profile to it (its samples carry the same clock).
      writeFileSync(join(args.prof, 'measured-window.json'), JSON.stringify({ startUs: Number(mono0), endUs: Number(process.hrtime.bigint() / 1000n) }));
    }
    const threads1 = threadCpuS(server.pid);
    const selfCpu = process.cpuUsage(self0);
    const loadEnd = machine().load;
    const mems = pids.map((p) => memoryMB(p.pid));
    const mem = { rss: mems.reduce((n, m) => n + m.rss, 0), peak: mems.reduce((n, m) => n + m.peak, 0) };

    const samples = done.reduce((n, d) => n + d.acked, 0);
    const wall = (Math.max(...done.map((d) => d.endedAt)) - Math.min(...done.map((d) => d.startedAt))) / 1000;
    const lat = Float64Array.from(done.flatMap((d) => [...d.latencies])).sort();
    const pct = (q: number): number => lat[Math.min(lat.length - 1, Math.max(0, Math.ceil(q * lat.length) - 1))] ?? NaN;
    const serverThreads = [...threads1]
      .map(([k, v]) => [k, v - (threads0.get(k) ?? 0)] as [string, number])
      .filter(([, v]) => v >= 0.01)
      .sort((a, b) => b[1] - a[1]);

    // ---- count back what was stored ----
    const expected = warmupSamples + samples;
    const acked: Record<string, number> = {};
    for (const d of [...warm, ...done]) for (const [k, n] of Object.entries(d.ackedCounts)) acked[k] = (acked[k] ?? 0) + n;
    const byPractice: Record<string, number> = {};
    for (const d of [...warm, ...done]) for (const [k, n] of Object.entries(d.ackedByPractice)) byPractice[k] = (byPractice[k] ?? 0) + n;
    console.log(`${label}: verifying ${fmt(expected)} acknowledged samples…`);
    const v =
      target === 'n3mon'
        ? influx !== undefined
          ? await verifyN3monInflux(server.url, apiKey, influx.url, acked, fromMs, byPractice)
          : await verifyN3mon(server.url, apiKey, dataDir as string, acked, fromMs)
        : await verifyInflux(server.url, acked);

    return {
      target: label,
      version,
      samples,
      seconds: wall,
      failed: done.reduce((n, d) => n + d.failed, 0),
      errors: done.flatMap((d) => d.errors).slice(0, 5),
      exhausted: done.every((d) => d.exhausted),
      p50: pct(0.5),
      p99: pct(0.99),
      serverCpuS,
      serverParts: pids.map((p, i) => ({ name: p.name, cpuS: partsCpuS[i] as number, rssMB: (mems[i] as { rss: number }).rss })),
      serverThreads,
      clientCpuS: (selfCpu.user + selfCpu.system) / 1e6,
      rssMB: mem.rss,
      peakMB: mem.peak,
      loadStart: m.load,
      loadEnd,
      load1Start: m.load1,
      stored: v.stored,
      expected,
      verified: v.note,
      durability,
      warmupSamples,
      warmupS,
      genS,
      bodyBytes,
    };
  } finally {
    if (server !== influx) {
      await server.stop();
      running.delete(server);
    }
  }
}

/** The influx target: one influxd, direct line protocol first, then the same samples through n3mon. */
async function runInfluxTarget(fleet: ClientWorker[]): Promise<RunResult[]> {
  const influx = await startInfluxd();
  running.add(influx);
  try {
    return [await runTarget('influxd', fleet, influx), await runTarget('n3mon', fleet, influx)];
  } finally {
    await influx.stop();
    running.delete(influx);
  }
}

/** Counts back: every row of series.db's samples table, and per metric through the read API. */
async function verifyN3mon(
  url: string,
  apiKey: string,
  dataDir: string,
  acked: Record<string, number>,
  fromMs: number,
): Promise<{ stored: number; note: string }> {
  const db = new Database(join(dataDir, 'series.db'), { readonly: true, fileMustExist: true });
  let stored: number;
  let dirty: number;
  try {
    stored = db.prepare('SELECT count(*) FROM samples').pluck().get() as number;
    dirty = db.prepare('SELECT count(*) FROM dirty').pluck().get() as number;
  } finally {
    db.close();
  }
  const problems = await verifyReadApi(url, apiKey, acked, fromMs);
  const note = `SQL count(*) of samples; read API for ${Object.keys(acked).length} practice×metric pairs${problems.length === 0 ? ' all equal' : `: ${problems.slice(0, 3).join('; ')}`}${dirty > 0 ? `; ${dirty} late (series, minute) pairs: run longer than the live window` : ''}`;
  return { stored, note };
}

/** The influx backend: count(value) of the raw measurements in InfluxDB, and the read API. */
async function verifyN3monInflux(
  url: string,
  apiKey: string,
  influxUrl: string,
  acked: Record<string, number>,
  fromMs: number,
  byPractice: Record<string, number>,
): Promise<{ stored: number; note: string }> {
  const { stored } = await influxCounts(influxUrl, N3MON_DATABASE, [], {});
  const problems = await verifyReadApi(url, apiKey, acked, fromMs);
  // A shortfall: which practices, and which of their measurements.
  if (stored !== Object.values(byPractice).reduce((a, b) => a + b, 0)) problems.unshift(...(await influxShortfall(influxUrl, N3MON_DATABASE, byPractice)));
  return {
    stored,
    note: `SELECT count(value) of the raw measurements in ${N3MON_DATABASE}; read API for ${Object.keys(acked).length} practice×metric pairs${problems.length === 0 ? ' all equal' : `: ${problems.slice(0, 3).join('; ')}`}`,
  };
}

/** Per practice × metric, the read API's hourly counts against what was acknowledged. */
async function verifyReadApi(url: string, apiKey: string, acked: Record<string, number>, fromMs: number): Promise<string[]> {
  const problems: string[] = [];
  const from = Math.floor(fromMs / 3_600_000) * 3_600_000;
  const to = from + 2 * 3_600_000;
  for (const [key, want] of Object.entries(acked)) {
    const [ods, metric] = key.split(' ') as [string, string];
    const res = await fetch(`${url}/api/v1/practices/${ods}/series?metric=${metric}&from=${from}&to=${to}&step=1h`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    const body = (await res.json()) as { series?: { points: { count: number }[] }[] };
    if (res.status !== 200) {
      problems.push(`${key}: HTTP ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
      continue;
    }
    const got = (body.series ?? []).reduce((n, s) => n + s.points.reduce((m, p) => m + p.count, 0), 0);
    if (got !== want) problems.push(`${key}: read API counts ${got}, ${want} acknowledged`);
  }
  return problems;
}

async function verifyInflux(url: string, acked: Record<string, number>): Promise<{ stored: number; note: string }> {
  const { stored, problems } = await influxCounts(url, DIRECT_DATABASE, countPractices, acked);
  return {
    stored,
    note: `SELECT count(value) per measurement; per practice for ${countPractices.length} practices${problems.length === 0 ? ' all equal' : `: ${problems.slice(0, 3).join('; ')}`}`,
  };
}

// ---- main --------------------------------------------------------------------------------------

const m0 = machine();
console.log(`bench/ingest.ts — ${new Date().toISOString()}, node ${process.version}, ${m0.cpu}, ${m0.cores} cores, load average ${m0.load}`);
if (m0.load1 > 1)
  console.log(
    `WARNING: load average ${m0.load1.toFixed(2)} > 1 at start: other work shares the CPUs, so these figures are not comparable with a quiet machine.`,
  );
if (targets.length === 0) throw new Error('no target to run (influxd missing and n3mon not asked for?)');
if (!existsSync(INFLUXD) && /influx/.test(args.targets)) console.log(`(${INFLUXD} not found: the influxd and influx targets are skipped)`);

console.log(
  `data set: ${fmt(practices.size)} practices, ${fmt(agents.length)} agents × ${SERIES_PER_AGENT} series = ${fmt(agents.length * SERIES_PER_AGENT)} series; ` +
    `${batchesPerAgent} batches of ${fmt(batch)} per agent (${((batchesPerAgent * batch) / SAMPLES_PER_AGENT_MINUTE).toFixed(1)} min of its schedule), 1 warm-up + ${batchesPerAgent - 1} measured; ` +
    `sized for ${seconds} s at up to ${fmt(ceiling)} samples/s`,
);
const share = (i: number): AgentSpec[] => agents.filter((_, k) => k % threads === i);
const fleet = Array.from({ length: threads }, (_, i) =>
  startClient({
    role: 'ingest-client',
    agents: share(i),
    batch,
    batchesPerAgent,
    connections: Math.floor(clients / threads) + (i < clients % threads ? 1 : 0),
    countPractices,
  }),
);

const results: RunResult[] = [];
const failures: string[] = [];
try {
  for (const t of targets) {
    try {
      for (const r of t === 'influx' ? await runInfluxTarget(fleet) : [await runTarget(t, fleet)]) {
        results.push(r);
        console.log(`${r.target}: ${fmt(r.samples / r.seconds)} samples/s, server CPU ${((r.serverCpuS / r.seconds) * 100).toFixed(0)} % of a core`);
      }
    } catch (err) {
      failures.push(`${t}: ${(err as Error).message}`);
      console.error(`${t}: run failed: ${(err as Error).stack ?? String(err)}`);
    }
  }
} finally {
  for (const c of fleet) await c.worker.terminate();
}

// ---- the table ---------------------------------------------------------------------------------
const m1 = machine();
const col = (f: (r: RunResult) => string): string[] => results.map(f);
const rows: [string, string[]][] = [
  ['server', col((r) => r.version)],
  ['samples/s (end to end, acknowledged)', col((r) => fmt(r.samples / r.seconds))],
  ['samples in the measured window', col((r) => `${fmt(r.samples)} in ${r.seconds.toFixed(1)} s${r.exhausted ? ' (data ran out)' : ''}`)],
  ['failed requests', col((r) => `${r.failed}${r.errors.length > 0 ? ` (${r.errors[0]})` : ''}`)],
  ['request latency p50 / p99', col((r) => `${r.p50.toFixed(1)} / ${r.p99.toFixed(1)} ms`)],
  [
    'server CPU (all threads)',
    col((r) => `${((r.serverCpuS / r.seconds) * 100).toFixed(0)} % of a core, ${((r.serverCpuS / r.samples) * 1e6).toFixed(2)} µs/sample`),
  ],
  [
    '  by process',
    col((r) =>
      r.serverParts.length < 2
        ? ''
        : r.serverParts
            .map((p) => `${p.name} ${((p.cpuS / r.seconds) * 100).toFixed(0)} %, ${((p.cpuS / r.samples) * 1e6).toFixed(2)} µs/sample, ${fmt(p.rssMB)} MB`)
            .join('; '),
    ),
  ],
  [
    '  by thread',
    col((r) =>
      r.serverThreads
        .slice(0, 4)
        .map(([k, v]) => `${k} ${((v / r.seconds) * 100).toFixed(0)}%`)
        .join(', '),
    ),
  ],
  [
    'client CPU (this process, all threads)',
    col((r) => `${((r.clientCpuS / r.seconds) * 100).toFixed(0)} % of a core, ${((r.clientCpuS / r.samples) * 1e6).toFixed(2)} µs/sample`),
  ],
  ['server RSS at end / peak', col((r) => `${fmt(r.rssMB)} / ${fmt(r.peakMB)} MB`)],
  ['commit (durability)', col((r) => r.durability)],
  [
    'stored = acknowledged?',
    col((r) => `${r.stored === r.expected ? 'yes' : 'NO'}: ${fmt(r.stored)} stored, ${fmt(r.expected)} acknowledged (incl. ${fmt(r.warmupSamples)} warm-up)`),
  ],
  ['  checked by', col((r) => r.verified)],
  ['load average at start / end', col((r) => `${r.loadStart} / ${r.loadEnd}${r.load1Start > 1 ? ' (> 1: not comparable)' : ''}`)],
  [
    'bodies (gzip)',
    col(
      (r) =>
        `${fmt(r.bodyBytes.gz / 1e6)} MB (${(r.bodyBytes.gz / (agents.length * batchesPerAgent * batch)).toFixed(1)} B/sample; ${(r.bodyBytes.raw / (agents.length * batchesPerAgent * batch)).toFixed(0)} B/sample raw), built in ${r.genS.toFixed(0)} s`,
    ),
  ],
  ['warm-up (series creation)', col((r) => `${fmt(r.warmupSamples)} samples in ${r.warmupS.toFixed(1)} s`)],
];
const w0 = Math.max(...rows.map(([k]) => k.length));
const widths = results.map((_, i) => Math.max(...rows.map(([, v]) => (v[i] ?? '').length)));
console.log(`\ningest over HTTP — ${new Date().toISOString()}`);
console.log(`machine: ${m1.cpu}, ${m1.cores} cores; node ${process.version}; load average at start ${m0.load}, at end ${m1.load}`);
console.log(
  `command: npm run bench:ingest -- --seconds ${seconds} --clients ${clients} --batch ${batch} --threads ${threads} --targets ${args.targets} --rate-ceiling ${ceiling}${synchronous === 'normal' ? ' --synchronous normal' : ''}`,
);
console.log(
  `load: ${clients} keep-alive connections in ${threads} client worker thread(s) of the bench process; the server is a separate process; all share the ${m1.cores} cores (client CPU is shown)`,
);
const line = (k: string, v: string[]): string => `  ${k.padEnd(w0)}  ${v.map((x, i) => x.padEnd(widths[i] as number)).join('  │  ')}`;
for (const [k, v] of rows) console.log(line(k, v));
const direct = results.find((r) => r.target === 'influx: direct');
const through = results.find((r) => r.target === 'influx: through n3mon');
if (direct !== undefined && through !== undefined) {
  const cost = (r: RunResult): number => (r.serverCpuS / r.samples) * 1e6;
  console.log(
    `\ninflux backend: through n3mon ${cost(through).toFixed(2)} µs of server CPU per sample (${through.serverParts.map((p) => `${p.name} ${((p.cpuS / through.samples) * 1e6).toFixed(2)}`).join(' + ')}) ` +
      `vs direct line protocol ${cost(direct).toFixed(2)} µs: ${(cost(through) / cost(direct)).toFixed(2)}× (goal ≤ 1.5×); samples/s ${fmt(through.samples / through.seconds)} vs ${fmt(direct.samples / direct.seconds)}`,
  );
}
for (const f of failures) console.log(`FAILED ${f}`);
if (m0.load1 > 1) console.log(`\nWARNING: the load average was ${m0.load1.toFixed(2)} at start (> 1): figures are not comparable with a quiet machine.`);
if (args.json !== undefined)
  writeFileSync(args.json, JSON.stringify({ at: new Date().toISOString(), machine: m1, loadStart: m0.load, args, results }, null, 2));
