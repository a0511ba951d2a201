/**
 * The simulated agents of the national simulation: one per practice, each with its own token,
 * spooling its checks' samples as they fall due (schedule.ts) and pushing what is spooled every
 * `pushMs` — one request at a time per agent, at most `batchSamples` a batch, gzipped JSON with
 * a batchId, as agent/src/push/pusher.ts does — to the next collector in turn. An agent whose
 * previous push has not been answered waits (its spool grows): "offered" is what the schedule
 * produced, "accepted" what the collectors acknowledged. Bounded: the window ends after
 * `windowMs`; pushes in flight are awaited up to the request timeout.
 */
import { setMaxListeners } from 'node:events';
import { gzipSync } from 'node:zlib';
import { INGEST_PATH, type WireSample } from '../../shared/src/wire.ts';
import type { Client } from './http.ts';
import { type CheckRun, checksOf, isBreached, runsBetween } from './schedule.ts';

export interface SendStats {
  offered: number;
  accepted: number;
  /** Of `accepted`, acknowledged before the window closed. */
  acceptedInWindow: number;
  duplicates: number;
  requests: number;
  ok: number;
  /** Non-2xx statuses and transport errors, by status or code. */
  errors: Map<string, number>;
  /** Per acknowledged request, ms (send → answer). */
  latenciesMs: number[];
  bodyBytes: number;
  /** Samples still spooled when the window closed (not sent or not acknowledged). */
  spooledAtEnd: number;
  /** The figures when the measured window opened (`measureFrom`): subtract them. */
  atMark: { accepted: number; requests: number; ok: number; latencies: number } | undefined;
  /** When offering stopped (the window's end, or earlier when the memory guard stopped it). */
  closedAt: number;
  /** Per breached practice: ts of its first failing sample. */
  firstFailTs: Map<string, number>;
}

interface Agent {
  ods: string;
  token: string;
  checks: CheckRun[];
  generatedTo: number;
  nextPushAt: number;
  spool: WireSample[];
  inFlight: boolean;
  seq: number;
  breachAtMs: number | undefined;
}

export interface SenderOptions {
  client: Client;
  next: () => string;
  agents: readonly { ods: string; token: string }[];
  pushMs: number;
  batchSamples: number;
  breachEvery: number;
  breachAtMs: number;
  startMs: number;
  windowMs: number;
  runId: string;
  timeoutMs?: number;
  /** When the measured window opens (after the warm-up); default startMs. */
  measureFrom?: number;
  /** After the window, answers still awaited this long are given up (counted as ABORT_ERR). */
  drainMs?: number;
  /** Called every 30 s with the figures so far. */
  onProgress?: (s: SendStats, pending: number) => void;
  /** Asked every tick: true stops offering early (the machine's memory guard). */
  shouldStop?: () => boolean;
}

export async function runSenders(o: SenderOptions): Promise<SendStats> {
  const stats: SendStats = {
    offered: 0,
    accepted: 0,
    acceptedInWindow: 0,
    duplicates: 0,
    requests: 0,
    ok: 0,
    errors: new Map(),
    latenciesMs: [],
    bodyBytes: 0,
    spooledAtEnd: 0,
    closedAt: 0,
    atMark: undefined,
    firstFailTs: new Map(),
  };
  const n = o.agents.length;
  const agents: Agent[] = o.agents.map((a, i) => ({
    ods: a.ods,
    token: a.token,
    checks: checksOf(i, n),
    generatedTo: o.startMs,
    // Pushes spread over the interval, as independent agents' would be.
    nextPushAt: o.startMs + Math.floor((i * o.pushMs) / n),
    spool: [],
    inFlight: false,
    seq: 0,
    breachAtMs: isBreached(i, o.breachEvery) ? o.breachAtMs : undefined,
  }));
  const endMs = o.startMs + o.windowMs;
  const pending = new Set<Promise<void>>();
  const drain = new AbortController();
  setMaxListeners(0, drain.signal); // one listener per request in flight: up to one per agent
  const count = (key: string): void => {
    stats.errors.set(key, (stats.errors.get(key) ?? 0) + 1);
  };

  const push = async (a: Agent): Promise<void> => {
    const batch = a.spool.slice(0, o.batchSamples);
    const batchId = `${o.runId}-${a.ods}-${a.seq++}`;
    const body = gzipSync(JSON.stringify({ batchId, samples: batch }));
    stats.bodyBytes += body.length;
    stats.requests++;
    const t0 = performance.now();
    const reply = await o.client.send({
      url: `${o.next()}${INGEST_PATH}`,
      method: 'POST',
      headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body,
      timeoutMs: o.timeoutMs ?? 30_000,
      signal: drain.signal,
    });
    if (reply.status === 200) {
      const ack = JSON.parse(reply.body) as { accepted: number; duplicate: boolean };
      stats.latenciesMs.push(performance.now() - t0);
      stats.ok++;
      stats.accepted += ack.accepted;
      if (Date.now() <= endMs && stats.closedAt === 0) stats.acceptedInWindow += ack.accepted;
      if (ack.duplicate) stats.duplicates++;
      a.spool.splice(0, batch.length);
    } else count(reply.status === 0 ? (reply.error ?? 'error') : String(reply.status)); // kept in the spool: sent again at the next push
  };

  const tick = (now: number): void => {
    for (const a of agents) {
      if (a.inFlight || now < a.nextPushAt) continue;
      const to = Math.min(now, endMs);
      if (to > a.generatedTo) {
        const due = runsBetween(a.checks, a.generatedTo, to, a.breachAtMs);
        a.generatedTo = to;
        stats.offered += due.length;
        if (a.breachAtMs !== undefined && !stats.firstFailTs.has(a.ods)) {
          const failed = due.find((s) => s.value === 0 && s.labels.outcome === 'timeout');
          if (failed !== undefined) stats.firstFailTs.set(a.ods, failed.ts);
        }
        for (const s of due) a.spool.push(s);
      }
      a.nextPushAt += o.pushMs * Math.max(1, Math.ceil((now - a.nextPushAt + 1) / o.pushMs));
      if (a.spool.length === 0) continue;
      a.inFlight = true;
      const p = push(a).finally(() => {
        a.inFlight = false;
        pending.delete(p);
      });
      pending.add(p);
    }
  };

  let reportAt = o.startMs + 30_000;
  while (Date.now() < endMs && o.shouldStop?.() !== true) {
    tick(Date.now());
    if (stats.atMark === undefined && Date.now() >= (o.measureFrom ?? o.startMs))
      stats.atMark = { accepted: stats.accepted, requests: stats.requests, ok: stats.ok, latencies: stats.latenciesMs.length };
    if (Date.now() >= reportAt) {
      reportAt += 30_000;
      o.onProgress?.(stats, pending.size);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  stats.closedAt = Math.min(Date.now(), endMs);
  // Agents that were waiting for an answer generate what fell due before the window closed.
  for (const a of agents) {
    if (a.generatedTo < stats.closedAt) {
      const due = runsBetween(a.checks, a.generatedTo, stats.closedAt, a.breachAtMs);
      a.generatedTo = stats.closedAt;
      stats.offered += due.length;
      for (const s of due) a.spool.push(s);
    }
  }
  // Requests queued for one of the connections have no timeout of their own: bounded here.
  o.onProgress?.(stats, pending.size);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all([...pending]), new Promise((r) => (timer = setTimeout(r, o.drainMs ?? 60_000)))]);
  clearTimeout(timer);
  drain.abort();
  await Promise.all([...pending]);
  stats.spooledAtEnd = agents.reduce((t, a) => t + a.spool.length, 0);
  return stats;
}
