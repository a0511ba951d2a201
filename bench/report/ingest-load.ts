/**
 * Ingest beside the month's report run (bench/report.ts part B): the collector's real HTTP ingest
 * (buildApp on a loopback socket, the store in its worker thread as `n3mon collector` runs it)
 * served by the same process that runs the reports, and agents posting at the reference rate —
 * the practices of the run on the reference schedule (2,198 samples per agent-minute,
 * bench/ingest/dataset.ts), one agent-minute per batch. Records each request's latency.
 */
import type { Clock } from '../../shared/src/clock.ts';
import type { Logger } from '../../shared/src/log.ts';
import { buildApp } from '../../collector/src/app.ts';
import { createAgentToken } from '../../collector/src/auth/credentials.ts';
import { parseCollectorConfig } from '../../collector/src/config/load.ts';
import type { TypedApp } from '../../collector/src/context.ts';
import type { Meta } from '../../collector/src/meta/index.ts';
import type { SeriesStore } from '../../collector/src/storage/types.ts';
import { agentBatches, agentsFor, SAMPLES_PER_AGENT_MINUTE } from '../ingest/dataset.ts';

/** Agents posting (their minutes in turn); the rate, not their number, is what loads the collector. */
const AGENTS = 10;

export interface IngestLoad {
  /** Samples per second posted. */
  rate: number;
  /** Post batches every intervalMs until stop(); resolves with the latencies (ms) of this phase. */
  phase(): { stop(): Promise<{ latencies: number[]; failed: number }> };
  close(): Promise<void>;
}

export async function startIngestLoad(opts: { store: SeriesStore; meta: Meta; log: Logger; clock: Clock; practices: number }): Promise<IngestLoad> {
  const config = parseCollectorConfig({ dataDir: '/nonexistent-bench', listen: { host: '127.0.0.1', port: 0 } }, 'bench');
  const app: TypedApp = await buildApp({ config, log: opts.log, store: opts.store, meta: opts.meta, clock: opts.clock });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}/api/v1/ingest`;
  const now = opts.clock.now();
  const agents: { spec: ReturnType<typeof agentsFor>[number]; token: string; batches: ReturnType<typeof agentBatches> }[] = [];
  for (const spec of agentsFor(AGENTS)) {
    agents.push({
      spec,
      token: (await createAgentToken(opts.meta, { practice: spec.practice, agent: spec.agent, now })).token,
      // Minutes of the two hours before the bench's clock, one batch each.
      batches: agentBatches(spec, { fromMs: Math.floor(now / 60_000) * 60_000 - 7_200_000, batch: SAMPLES_PER_AGENT_MINUTE, batches: 120 }),
    });
  }
  // The run's practices on the reference schedule: practices × 2,198 samples a minute.
  const intervalMs = 60_000 / opts.practices;
  let sent = 0;
  const post = async (): Promise<number | undefined> => {
    const a = agents[sent % agents.length] as (typeof agents)[number];
    const next = a.batches.next();
    if (next.done === true) return undefined;
    const body = JSON.stringify({ batchId: `bench-report-${a.spec.practice}-${sent}`, samples: next.value });
    sent++;
    const t = performance.now();
    const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/json' }, body });
    await res.arrayBuffer();
    return res.status === 200 ? performance.now() - t : undefined;
  };
  return {
    rate: (SAMPLES_PER_AGENT_MINUTE * opts.practices) / 60,
    phase() {
      const latencies: number[] = [];
      let failed = 0;
      const inflight = new Set<Promise<void>>();
      const timer = setInterval(() => {
        // Bounded: at most 120 minutes × AGENTS batches in all, and never more than 50 in flight.
        if (inflight.size >= 50 || sent >= 120 * AGENTS) return;
        const p = post().then(
          (ms) => {
            if (ms === undefined) failed++;
            else latencies.push(ms);
          },
          () => {
            failed++;
          },
        );
        inflight.add(p);
        void p.finally(() => inflight.delete(p));
      }, intervalMs);
      return {
        async stop() {
          clearInterval(timer);
          await Promise.all(inflight);
          return { latencies, failed };
        },
      };
    },
    async close() {
      await app.close();
    },
  };
}

export function percentile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? Number.NaN;
}
