/**
 * Ingest through the HTTP API, end to end on loopback: gzip JSON batches → auth → gunzip → parse →
 * check → store.write → meta.db → 200. A separate client process (bench/ingest-client.ts) sends
 * pre-built batches over keep-alive connections.
 *
 *   --store sqlite   the real embedded store (durable before the answer) — the quality bar
 *   --store null     a store that drops everything: what the HTTP route alone costs
 *
 * usage: node --import tsx bench/ingest-http.ts [--store sqlite|null] [--batches 200] [--samples 5000] [--concurrency 4]
 * Prints a table; no thresholds (benchmarks print numbers, they are not tests).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildApp } from '../collector/src/app.ts';
import { openMeta } from '../collector/src/meta/index.ts';
import { createAgentToken } from '../collector/src/auth/credentials.ts';
import { parseCollectorConfig } from '../collector/src/config/load.ts';
import { openSeriesStore } from '../collector/src/collector.ts';
import { createLogger } from '../shared/src/log.ts';
import type { SeriesStore } from '../collector/src/storage/types.ts';

const { values } = parseArgs({
  options: { store: { type: 'string', default: 'sqlite' }, batches: { type: 'string', default: '200' }, samples: { type: 'string', default: '5000' }, concurrency: { type: 'string', default: '4' } },
});

function nullStore(): SeriesStore {
  let written = 0;
  return {
    backend: 'null',
    write: async (r) => ((written += r.samples.length), { written: r.samples.length }),
    findSeries: async () => [],
    raw: async () => [],
    aggregate: async () => new Map(),
    maintain: async () => undefined,
    stats: () => ({ series: 0, samplesWritten: written }),
    close: async () => undefined,
  };
}

function runClient(url: string, token: string, batches: number): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'ingest-client.ts'), url, token, String(batches), values.samples, values.concurrency], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Record<string, number>) : reject(new Error(`client exited ${code}`))));
  });
}

const dir = mkdtempSync(join(tmpdir(), 'n3mon-bench-ingest-'));
const log = createLogger({ level: 'warn' });
const config = parseCollectorConfig({ dataDir: dir, listen: { port: 0 } }, 'bench');
const meta = openMeta({ dataDir: dir });
const store = values.store === 'null' ? nullStore() : await openSeriesStore(config, log);
const app = await buildApp({ config, log, store, meta });
try {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
  const { token } = createAgentToken(meta, { practice: 'A81001', agent: 'bench' });
  await runClient(url, token, 10); // warm-up: JIT, SQLite page cache, series creation
  const cpu0 = process.cpuUsage();
  const r = await runClient(url, token, Number(values.batches));
  const cpu = process.cpuUsage(cpu0);
  const serverCpuS = (cpu.user + cpu.system) / 1e6;
  const samples = (r.batches ?? 0) * (r.perBatch ?? 0);
  const rows: [string, string][] = [
    ['store', store.backend],
    ['batches × samples', `${r.batches} × ${r.perBatch} (gzip ${r.gzBytesPerBatch} B/batch), concurrency ${r.concurrency}`],
    ['failed requests', String(r.failed)],
    ['samples/s (end to end)', Math.round(r.samplesPerS ?? 0).toLocaleString('en-GB')],
    ['request p50 / p95', `${(r.p50Ms ?? 0).toFixed(1)} ms / ${(r.p95Ms ?? 0).toFixed(1)} ms`],
    ['collector CPU per sample', `${((serverCpuS / samples) * 1e6).toFixed(2)} µs`],
    ['collector CPU use', `${((serverCpuS / (r.seconds ?? 1)) * 100).toFixed(0)} % of one core`],
    ['collector RSS', `${Math.round(process.memoryUsage.rss() / 1e6)} MB`],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  console.log(`\ningest over HTTP (${new Date().toISOString()}, node ${process.version})`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(w)}  ${v}`);
} finally {
  await app.close();
  await store.close();
  meta.close();
  rmSync(dir, { recursive: true, force: true });
}
