/**
 * The dashboard overview at scale: GET /api/v1/practices for 8,000 practices (every one with an
 * agent that reported, some failing a check), over a real socket with the real stores.
 * Quality bar (PRODUCT.md): p95 ≤ 100 ms from the API. Prints a table; asserts nothing.
 *
 * usage: node --import tsx bench/practices-list.ts [--practices 8000] [--requests 100]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildApp } from '../collector/src/app.ts';
import { openMeta } from '../collector/src/meta/index.ts';
import { createApiKey } from '../collector/src/auth/credentials.ts';
import { parseCollectorConfig } from '../collector/src/config/load.ts';
import { openSeriesStore } from '../collector/src/collector.ts';
import { AgentActivity } from '../collector/src/status/activity.ts';
import { LatestProbeStatus } from '../collector/src/status/latest-probe.ts';
import { createLogger } from '../shared/src/log.ts';

const { values } = parseArgs({ options: { practices: { type: 'string', default: '8000' }, requests: { type: 'string', default: '100' } } });
const n = Number(values.practices);
const dir = mkdtempSync(join(tmpdir(), 'n3mon-bench-practices-'));
const log = createLogger({ level: 'warn' });
const practices = Array.from({ length: n }, (_, i) => ({
  ods: `P${String(i).padStart(5, '0')}`,
  name: `Practice ${i} Medical Centre`,
  sites: [{ name: 'Main' }],
}));
const config = parseCollectorConfig({ dataDir: dir, practices }, 'bench');
const meta = openMeta({ dataDir: dir });
await meta.practices.syncFromConfig(config.practices, Date.now());
const store = openSeriesStore(config, log);
// Every practice has an agent that reported a minute ago with 30 checks; 5 % fail one check.
const now = Date.now();
const activity = new AgentActivity();
const status = new LatestProbeStatus({ lastSeen: (p) => activity.lastSeen(p) });
for (const [i, p] of practices.entries()) {
  activity.seen(p.ods, 'srv1', now - 60_000);
  for (let c = 0; c < 30; c++) status.record(p.ods, 'srv1', { check: `c${c}`, outcome: 'success' }, now - 60_000, i % 20 === 0 && c === 0 ? 0 : 1);
}
const app = await buildApp({ config, log, store, meta, status, observers: [activity] });
const key = (await createApiKey(meta, { role: 'servicedesk' })).key;

function get(url: string): Promise<{ ms: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    request(url, { headers: { authorization: `Bearer ${key}` } }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => (res.statusCode === 200 ? resolve({ ms: performance.now() - t, bytes }) : reject(new Error(`HTTP ${res.statusCode}`))));
    })
      .on('error', reject)
      .end();
  });
}

try {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const base = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
  const cases = [
    ['all practices (limit=10000)', '/api/v1/practices?limit=10000'],
    ['first page (limit=100)', '/api/v1/practices'],
    ['red first (sort=status, limit=100)', '/api/v1/practices?sort=status'],
    ['only warning', '/api/v1/practices?status=warning&limit=10000'],
    ['search q=medical', '/api/v1/practices?q=medical&limit=50'],
  ];
  console.log(`\nGET /api/v1/practices, ${n} practices (${new Date().toISOString()}, node ${process.version})`);
  for (const [name, path] of cases) {
    for (let i = 0; i < 5; i++) await get(base + path);
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < Number(values.requests); i++) {
      const r = await get(base + path);
      times.push(r.ms);
      bytes = r.bytes;
    }
    times.sort((a, b) => a - b);
    const p = (q: number) => (times[Math.ceil(q * times.length) - 1] ?? NaN).toFixed(1);
    console.log(`  ${String(name).padEnd(36)} p50 ${p(0.5).padStart(6)} ms   p95 ${p(0.95).padStart(6)} ms   ${Math.round(bytes / 1024)} KiB`);
  }
} finally {
  await app.close();
  await store.close();
  void meta.close();
  rmSync(dir, { recursive: true, force: true });
}
