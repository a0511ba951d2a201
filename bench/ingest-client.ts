/**
 * Load generator for bench/ingest-http.ts (runs in its own process so it does not share the
 * collector's event loop). Prepares every gzipped body before the clock starts, then POSTs them
 * over keep-alive connections, `concurrency` at a time. Prints one JSON line with the result.
 *
 * usage: node --import tsx bench/ingest-client.ts URL TOKEN BATCHES SAMPLES_PER_BATCH CONCURRENCY
 */
import { request, Agent } from 'node:http';
import { gzipSync } from 'node:zlib';

const [url, token, batchesArg, perBatchArg, concArg] = process.argv.slice(2);
if (url === undefined || token === undefined) throw new Error('usage: ingest-client URL TOKEN BATCHES SAMPLES CONCURRENCY');
const batches = Number(batchesArg ?? 100);
const perBatch = Number(perBatchArg ?? 5000);
const concurrency = Number(concArg ?? 4);
const target = new URL('/api/v1/ingest', url);
if (!['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname)) throw new Error('benchmarks only talk to loopback');

/** A realistic practice mix: ICMP burst stats, HTTP phases, SNMP interface counters. */
function makeBody(b: number, t0: number): Buffer {
  const samples = [];
  const metrics = ['icmp_rtt_avg_ms', 'icmp_rtt_max_ms', 'icmp_loss_ratio', 'http_phase_ms', 'snmp_if_in_bps', 'snmp_if_out_bps', 'probe_success'];
  for (let i = 0; i < perBatch; i++) {
    const series = i % 250;
    const metric = metrics[series % metrics.length] as string;
    const labels: Record<string, string> = { check: `c${series % 40}`, role: series % 3 === 0 ? 'n3-gateway' : 'lan-gateway', target: `10.200.${series % 8}.1` };
    if (metric.startsWith('snmp_')) labels.ifName = `ge-0/0/${series % 48}`;
    if (metric === 'http_phase_ms') labels.phase = 'ttfb';
    if (metric === 'probe_success') labels.outcome = 'success';
    samples.push({ metric, labels, ts: t0 + b * 60_000 + Math.floor(i / 250) * 1000, value: metric === 'probe_success' ? 1 : Math.round(Math.random() * 100_000) / 100 });
  }
  return gzipSync(JSON.stringify({ batchId: `bench-${t0}-${b}`, samples }));
}

const t0 = Date.now() - 3 * 86_400_000;
const bodies = Array.from({ length: batches }, (_, b) => makeBody(b, t0));
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });

function post(body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      { method: 'POST', agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': body.length } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.setTimeout(60_000, () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}

const latencies: number[] = [];
let next = 0;
let failed = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < bodies.length) {
      const body = bodies[next++] as Buffer;
      const t = performance.now();
      const status = await post(body);
      latencies.push(performance.now() - t);
      if (status !== 200) failed++;
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
agent.destroy();
latencies.sort((a, b) => a - b);
const pct = (q: number) => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] ?? NaN;
process.stdout.write(
  JSON.stringify({ batches, perBatch, concurrency, seconds, samplesPerS: (batches * perBatch) / seconds, failed, p50Ms: pct(0.5), p95Ms: pct(0.95), gzBytesPerBatch: Math.round(bodies.reduce((a, b) => a + b.length, 0) / batches) }) + '\n',
);
