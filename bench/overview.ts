/**
 * The dashboard's overview at scale: GET /api/v1/overview for 8,000 practices, over a real socket,
 * from a collector built as in production (startCollector: SQLite store, alert rules judging what
 * was ingested, the rule-based status with RAG per area). Each practice's agent pushes a few
 * minutes of data through POST /api/v1/ingest first; some practices are made red, amber or silent.
 * Quality bar (PRODUCT.md): p95 ≤ 100 ms from the API. Prints a table; asserts nothing.
 *
 * usage: npm run bench:overview [-- --practices 8000 --minutes 6 --requests 200]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startCollector } from '../collector/src/collector.ts';
import { parseCollectorConfig } from '../collector/src/config/load.ts';
import { createAgentToken, createApiKey } from '../collector/src/auth/credentials.ts';
import { queryOverview } from '../collector/src/routes/overview/rows.ts';
import { OverviewQuery } from '../collector/src/routes/overview/schemas.ts';
import { Value } from 'typebox/value';
import { createLogger } from '../shared/src/log.ts';
import type { WireSample } from '../shared/src/wire.ts';

const { values } = parseArgs({
  options: { practices: { type: 'string', default: '8000' }, minutes: { type: 'string', default: '6' }, requests: { type: 'string', default: '200' } },
});
const n = Number(values.practices);
const minutes = Number(values.minutes);
const MIN = 60_000;
const dir = mkdtempSync(join(tmpdir(), 'n3mon-bench-overview-'));
const log = createLogger({ level: 'warn' });
const practices = Array.from({ length: n }, (_, i) => ({
  ods: `P${String(i).padStart(5, '0')}`,
  name: `${['Riverside', 'Hillside', 'Valley', 'Moorland', 'Parkview'][i % 5]} Practice ${i}`,
  sites: [{ name: 'Main' }],
}));
// The monthly report schedule is off: its catch-up for last month would compete with what is measured here.
const config = parseCollectorConfig(
  { dataDir: dir, listen: { host: '127.0.0.1', port: 0 }, practices, storage: { synchronous: 'normal' }, reports: { schedule: { enabled: false } } },
  'bench',
);

/** A few minutes of one practice: LAN and national-link pings, host disk. Every 50th has a full disk, every 20th a slow LAN. */
function samplesOf(i: number, to: number): WireSample[] {
  const out: WireSample[] = [];
  const lan = { check: 'gw', role: 'lan-gateway', target: '192.0.2.1' };
  const n3 = { check: 'hscn', role: 'n3-gateway', target: '198.51.100.1' };
  for (let ts = to - minutes * MIN; ts < to; ts += MIN) {
    const lanMs = i % 20 === 0 ? 12 : 0.8;
    for (const [labels, ms] of [
      [lan, lanMs],
      [n3, 20],
    ] as const) {
      out.push(
        { metric: 'icmp_rtt_median_ms', labels, ts, value: ms },
        { metric: 'icmp_rtt_avg_ms', labels, ts, value: ms * 1.05 },
        { metric: 'icmp_jitter_ms', labels, ts, value: ms * 0.05 },
        { metric: 'icmp_loss_ratio', labels, ts, value: 0 },
        { metric: 'probe_success', labels: { ...labels, outcome: 'success' }, ts, value: 1 },
      );
    }
    out.push({ metric: 'host_disk_used_ratio', labels: { check: 'host', mount: '/' }, ts, value: i % 50 === 0 ? 0.95 : 0.5 });
  }
  return out;
}

function call(
  method: string,
  url: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; ms: number; bytes: number; text: string }> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const req = request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, ms: performance.now() - t, bytes: buf.length, text: buf.toString() });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const collector = await startCollector(config, { log });
try {
  const base = collector.url;
  const key = (await createApiKey(collector.meta, { role: 'servicedesk' })).key;
  const auth = { authorization: `Bearer ${key}` };
  // Every practice but each 100th (silent: no agent) pushes its data.
  const to = Math.floor(Date.now() / MIN) * MIN;
  const t0 = performance.now();
  let samples = 0;
  const queue = practices.map((p, i) => ({ p, i })).filter(({ i }) => i % 100 !== 99);
  const worker = async () => {
    for (let job = queue.shift(); job !== undefined; job = queue.shift()) {
      const token = (await createAgentToken(collector.meta, { practice: job.p.ods, agent: 'srv1' })).token;
      const batch = samplesOf(job.i, to);
      samples += batch.length;
      const r = await call(
        'POST',
        `${base}/api/v1/ingest`,
        { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        JSON.stringify({ batchId: `b-${job.i}`, samples: batch }),
      );
      if (r.status !== 200) throw new Error(`ingest ${job.p.ods}: HTTP ${r.status} ${r.text}`);
    }
  };
  const progress = setInterval(() => process.stderr.write(`  ingest: ${n - queue.length} of ${n} practices…\r`), 2000);
  try {
    await Promise.all(Array.from({ length: 4 }, worker));
  } finally {
    clearInterval(progress);
  }
  const ingestS = (performance.now() - t0) / 1000;
  // Let the rules judge the backlog: wait until only the silent practices are unknown (or the
  // counts have not moved for 3 minutes — a tick at this scale takes a while), so the figures
  // are of a collector in its steady state.
  const settleStart = performance.now();
  let counts = { ok: 0, warning: 0, critical: 0, unknown: n };
  for (let last = '', since = performance.now(); performance.now() - settleStart < 20 * MIN; ) {
    await new Promise((r) => setTimeout(r, 5000));
    counts = JSON.parse((await call('GET', `${base}/api/v1/overview?limit=1`, auth)).text).counts;
    const now = JSON.stringify(counts);
    if (now !== last) [last, since] = [now, performance.now()];
    const silentPractices = Math.floor(n / 100);
    if (counts.unknown <= silentPractices || performance.now() - since > 3 * MIN) break;
  }
  const settleS = (performance.now() - settleStart) / 1000;
  const cases: [string, string][] = [
    ['morning view: worst first, 50 rows', '/api/v1/overview?limit=50'],
    ['needs attention (3 statuses), 50 rows', '/api/v1/overview?status=critical,warning,unknown&limit=50'],
    ['problem in one area (LAN)', '/api/v1/overview?area=lan&limit=50'],
    ['search "hill" (1,600 match)', '/api/v1/overview?q=hill&limit=50'],
    ['search one ODS code', '/api/v1/overview?q=P04242'],
    ['sort by name, page 80 of 160', '/api/v1/overview?sort=name&limit=50&offset=3950'],
    ['sort by last seen, desc, 200 rows', '/api/v1/overview?sort=lastSeen&dir=desc&limit=200'],
    ['1,000 rows (the page maximum)', '/api/v1/overview?limit=1000'],
  ];
  console.log(
    `\nGET /api/v1/overview — ${n} practices (${n - Math.floor(n / 100)} reporting), ${new Date().toISOString()}, node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
  );
  console.log(
    `ingested ${samples.toLocaleString('en-GB')} samples through the API in ${ingestS.toFixed(1)} s; rules settled ${settleS.toFixed(0)} s later: ${JSON.stringify(counts)}`,
  );
  const pct = (sorted: number[], f: number) => sorted[Math.ceil(f * sorted.length) - 1] ?? NaN;
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  const httpPass = async (title: string): Promise<void> => {
    console.log(`\n${title}`);
    console.log(`${'case'.padEnd(40)} ${'p50'.padStart(9)} ${'p95'.padStart(9)} ${'max'.padStart(9)}  ${'loop lag p99'.padStart(12)}   answer`);
    for (const [name, path] of cases) {
      for (let i = 0; i < 10; i++) await call('GET', base + path, auth);
      const times: number[] = [];
      let bytes = 0;
      const lag = monitorEventLoopDelay({ resolution: 10 });
      lag.enable();
      for (let i = 0; i < Number(values.requests); i++) {
        const r = await call('GET', base + path, auth);
        if (r.status !== 200) throw new Error(`${path}: HTTP ${r.status} ${r.text}`);
        times.push(r.ms);
        bytes = r.bytes;
      }
      lag.disable();
      times.sort((a, b) => a - b);
      console.log(
        `${name.padEnd(40)} ${ms(pct(times, 0.5)).padStart(9)} ${ms(pct(times, 0.95)).padStart(9)} ${ms(pct(times, 1)).padStart(9)}  ${ms(lag.percentile(99) / 1e6).padStart(12)}   ${(bytes / 1024).toFixed(1)} KiB`,
      );
    }
  };
  await httpPass('HTTP, one request at a time, rules evaluating every minute meanwhile (as in production)');
  // The same over HTTP with rule evaluation stopped: the route's own latency, nothing else on the loop.
  await collector.alerting.stop();
  await httpPass('HTTP, one request at a time, rule evaluation stopped (the route alone)');
  // The same queries computed directly (no HTTP, no serialisation): CPU time of the route's work.
  const lastSeen = new Map((await collector.meta.agents.all()).map((a) => [a.practice, a.lastSeen]));
  const src = { status: collector.alerting.status, lastSeen: (ods: string) => lastSeen.get(ods) ?? null };
  const rows = await collector.meta.practices.list();
  console.log(`\ncompute only: queryOverview over ${rows.length} practices, no HTTP, nothing else on the loop (wall time)`);
  for (const [name, path] of cases) {
    const q = Value.Default(OverviewQuery, Value.Convert(OverviewQuery, Object.fromEntries(new URL(path, base).searchParams))) as OverviewQuery;
    const cpu: number[] = [];
    for (let i = 0; i < Number(values.requests); i++) {
      const t = performance.now();
      queryOverview(rows, src, q, Date.now());
      cpu.push(performance.now() - t);
    }
    cpu.sort((a, b) => a - b);
    console.log(`${name.padEnd(40)} ${ms(pct(cpu, 0.5)).padStart(9)} ${ms(pct(cpu, 0.95)).padStart(9)}`);
  }
  console.log('quality bar: p95 ≤ 100 ms (PRODUCT.md)');
} finally {
  await collector.stop();
  rmSync(dir, { recursive: true, force: true });
}
