/**
 * One load-generating worker thread of bench/ingest.ts. It owns a share of the data set's agents.
 * `prepare` builds every batch body for one server before any clock starts (gzipped JSON for
 * n3mon, gzipped line protocol for influxd; the same samples); `run` POSTs them over
 * `connections` keep-alive connections and reports what was acknowledged and how long each
 * request took.
 *
 * Phases: `warmup` sends batch 0 of every agent (creates the series; not measured); `measure`
 * sends the remaining batches round-robin over the agents (batch 1 of each, then batch 2, …) until
 * the deadline or the data runs out. A request in flight at the deadline is awaited and counted.
 */
import { Agent, request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import { agentBatches, lineProtocol, type AgentSpec } from './dataset.ts';

export interface ClientData {
  role: 'ingest-client';
  agents: AgentSpec[];
  batch: number;
  batchesPerAgent: number;
  connections: number;
  /** Practices whose samples per metric are counted (for the read-API check). */
  countPractices: string[];
}

export interface PrepareMsg {
  type: 'prepare';
  /** n3mon: gzipped JSON (the agent's wire format); influxd: gzipped line protocol. */
  target: 'n3mon' | 'influxd';
  /** First sample time (a whole minute, now): each run's data is live when it is sent. */
  fromMs: number;
}

export interface ReadyMsg {
  type: 'ready';
  samples: number;
  /** Before gzip. */
  rawBytes: number;
  gzBytes: number;
  genMs: number;
}

export interface RunMsg {
  type: 'run';
  phase: 'warmup' | 'measure';
  target: 'n3mon' | 'influxd';
  url: string;
  /** n3mon: agent token per "practice/agent". */
  tokens?: Record<string, string>;
  /** Date.now() after which no new request starts (measure phase). */
  deadline?: number;
}

export interface DoneMsg {
  type: 'done';
  phase: 'warmup' | 'measure';
  acked: number;
  batches: number;
  failed: number;
  errors: string[];
  /** Request latencies, ms. */
  latencies: Float64Array;
  /** performance.timeOrigin + now() at the first request and the last answer. */
  startedAt: number;
  endedAt: number;
  /** Acknowledged samples per "practice metric", for the agents of countPractices. */
  ackedCounts: Record<string, number>;
  /** Acknowledged samples per practice (all practices): where a shortfall is, when one is found. */
  ackedByPractice: Record<string, number>;
  exhausted: boolean;
}

interface Body {
  agent: AgentSpec;
  index: number;
  samples: number;
  body: Buffer;
  /** Samples per "practice metric" (only for agents of countPractices). */
  counts: Record<string, number> | undefined;
}

const data = workerData as ClientData;
const port = parentPort!;

/** bodies[b][a]: batch b of agent a, in the target's format (the samples are the same for both). */
let bodies: Body[][] = [];

function build({ target, fromMs }: PrepareMsg): ReadyMsg {
  const t = performance.now();
  bodies = Array.from({ length: data.batchesPerAgent }, () => []);
  const countSet = new Set(data.countPractices);
  let samples = 0;
  let rawBytes = 0;
  let gzBytes = 0;
  for (const agent of data.agents) {
    let b = 0;
    for (const batch of agentBatches(agent, { fromMs, batch: data.batch, batches: data.batchesPerAgent })) {
      const text = target === 'n3mon' ? JSON.stringify({ batchId: `${agent.agent}-${b}`, samples: batch }) : lineProtocol(agent.practice, agent.agent, batch);
      const body = gzipSync(text); // zlib's default level, as the agent's pusher
      let counts: Record<string, number> | undefined;
      if (countSet.has(agent.practice)) {
        counts = {};
        for (const s of batch) counts[`${agent.practice} ${s.metric}`] = (counts[`${agent.practice} ${s.metric}`] ?? 0) + 1;
      }
      bodies[b]!.push({ agent, index: b, samples: batch.length, body, counts });
      samples += batch.length;
      rawBytes += Buffer.byteLength(text);
      gzBytes += body.length;
      b++;
    }
  }
  return { type: 'ready', samples, rawBytes, gzBytes, genMs: performance.now() - t };
}

function post(agent: Agent, url: URL, headers: Record<string, string | number>, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': body.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(120_000, () => req.destroy(new Error('no answer within 120 s')));
    req.end(body);
  });
}

async function run(msg: RunMsg): Promise<DoneMsg> {
  const url = new URL(msg.url);
  if (url.hostname !== '127.0.0.1') throw new Error('the bench only talks to 127.0.0.1');
  const queue: Body[] = msg.phase === 'warmup' ? (bodies[0] ?? []) : bodies.slice(1).flat();
  const http = new Agent({ keepAlive: true, maxSockets: data.connections });
  const latencies: number[] = [];
  const errors: string[] = [];
  const ackedCounts: Record<string, number> = {};
  const ackedByPractice: Record<string, number> = {};
  let next = 0;
  let acked = 0;
  let batches = 0;
  let failed = 0;
  const startedAt = performance.timeOrigin + performance.now();
  const one = async (b: Body): Promise<void> => {
    const headers: Record<string, string> =
      msg.target === 'n3mon'
        ? {
            authorization: `Bearer ${msg.tokens?.[`${b.agent.practice}/${b.agent.agent}`] ?? ''}`,
            'content-type': 'application/json',
            'content-encoding': 'gzip',
          }
        : { 'content-type': 'text/plain; charset=utf-8', 'content-encoding': 'gzip' };
    const t = performance.now();
    try {
      const res = await post(http, url, headers, b.body);
      latencies.push(performance.now() - t);
      // n3mon answers 200 with the count it stored; influxd answers 204 No Content.
      const ok = msg.target === 'n3mon' ? res.status === 200 && (JSON.parse(res.text) as { accepted?: number }).accepted === b.samples : res.status === 204;
      if (ok) {
        acked += b.samples;
        batches++;
        for (const [k, n] of Object.entries(b.counts ?? {})) ackedCounts[k] = (ackedCounts[k] ?? 0) + n;
        ackedByPractice[b.agent.practice] = (ackedByPractice[b.agent.practice] ?? 0) + b.samples;
      } else {
        failed++;
        if (errors.length < 5) errors.push(`HTTP ${res.status}: ${res.text.slice(0, 300)}`);
      }
    } catch (err) {
      failed++;
      if (errors.length < 5) errors.push((err as Error).message);
    }
  };
  await Promise.all(
    Array.from({ length: data.connections }, async () => {
      while (next < queue.length && (msg.deadline === undefined || Date.now() < msg.deadline)) await one(queue[next++] as Body);
    }),
  );
  const endedAt = performance.timeOrigin + performance.now();
  http.destroy();
  return {
    type: 'done',
    phase: msg.phase,
    acked,
    batches,
    failed,
    errors,
    latencies: Float64Array.from(latencies),
    startedAt,
    endedAt,
    ackedCounts,
    ackedByPractice,
    exhausted: next >= queue.length,
  };
}

port.on('message', (msg: PrepareMsg | RunMsg | 'exit') => {
  if (msg === 'exit') {
    port.close();
    return;
  }
  if (msg.type === 'prepare') {
    port.postMessage(build(msg));
    return;
  }
  run(msg).then(
    (done) => port.postMessage(done, [done.latencies.buffer as ArrayBuffer]),
    (err: unknown) => port.postMessage({ type: 'error', message: String(err) }),
  );
});
