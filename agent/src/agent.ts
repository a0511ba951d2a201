/**
 * The agent's composition root (STYLE habit 5): the one place that wires logger, spool, probes,
 * scheduler, pusher and self-metrics together. Used by `n3mon agent` and by `n3mon up`.
 *
 *   probes ──▶ scheduler ──append──▶ spool (SQLite) ──batches──▶ pusher ──POST──▶ collector
 *                 ▲                    ▲                            │
 *                 │                    └────── ack / set aside ─────┘
 *   puller ───────┘ reconfigure (collector.config: pull; ./config-pull/) ◀──GET config── collector
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { Logger } from '../../shared/src/log.ts';
import { systemClock, type Clock } from '../../shared/src/clock.ts';
import type { ProbeKind } from './probes/types.ts';
import type { AgentConfig } from './config/schema.ts';
import { createScheduler, type CheckStats, type Scheduler } from './scheduler/scheduler.ts';
import { openSpool, type Spool, type SpoolStats } from './spool/spool.ts';
import { createPusher, type Pusher, type PusherStats } from './push/pusher.ts';
import { httpTransport } from './push/transport.ts';
import { credentialSource } from './push/credential.ts';
import { startSelfMetrics } from './self-metrics.ts';
import { readCollectorTls } from './config/collector-tls.ts';
import { preparePulling } from './config-pull/start.ts';
import type { Puller, PullStatus } from './config-pull/puller.ts';

export interface AgentDeps {
  log: Logger;
  clock?: Clock;
  /** Probe kinds; the registry's PROBES when omitted (loaded here, lazily). */
  probes?: readonly ProbeKind[];
  /** Scheduler/pusher tuning for tests and the quick start (`n3mon up`); production uses the defaults and the config. */
  tuning?: { graceMs?: number; maxStartSpreadMs?: number; baseBackoffMs?: number; selfMetricsIntervalMs?: number; hostname?: string };
}

export interface AgentStats {
  spool: SpoolStats;
  push: PusherStats;
  checks: CheckStats[];
  /** With collector.config: pull: the version running and the last apply result. */
  config?: PullStatus;
}

export interface RunningAgent {
  /** Stops timers, aborts runs in flight, makes one bounded final push, closes the spool. Idempotent. */
  stop(): Promise<void>;
  spoolStats(): SpoolStats;
  stats(): AgentStats;
  /** Push what is spooled now instead of at the next push interval (does not cut a back-off). */
  pushNow(): void;
  /** With collector.config: pull: ask the collector for the config now (resolves once applied or refused). */
  pullNow(): Promise<void>;
}

export async function startAgent(config: AgentConfig, deps: AgentDeps): Promise<RunningAgent> {
  const log = deps.log;
  const clock = deps.clock ?? systemClock;
  const tuning = deps.tuning ?? {};
  const probes = deps.probes ?? (await import('./probes/registry.ts')).PROBES;
  // collector.caFile and the client certificate: every connection to the collector uses them (docs/tls.md).
  const tls = readCollectorTls(config.collector);
  const credential = credentialSource({
    token: config.collector.token,
    tokenFile: config.collector.tokenFile === undefined ? undefined : resolve(config.collector.tokenFile),
  });
  // Probes that talk to the collector (throughput) read the token when they use it: it may have been renewed.
  const collectorEnv = {
    url: config.collector.url,
    get token() {
      return credential.current();
    },
    ...tls,
  };

  const spool: Spool = openSpool({ dir: resolve(config.spool.dir), maxBytes: config.spool.maxBytes, log: log.child({ component: 'spool' }), clock });
  const sink = (samples: Parameters<Spool['append']>[0]): void => spool.append(samples);
  let scheduler: Scheduler | undefined;
  let pusher: Pusher;
  let puller: Puller | undefined;
  try {
    scheduler = createScheduler({
      checks: config.checks,
      probes,
      env: { log: log.child({ component: 'probe' }), clock, collector: collectorEnv },
      sink,
      setAside: (items) => spool.setAside(items),
      log: log.child({ component: 'scheduler' }),
      clock,
      graceMs: tuning.graceMs,
      maxStartSpreadMs: tuning.maxStartSpreadMs,
    });
    if (config.collector.config === 'pull') {
      // The last good pulled config joins the local checks before the first run; the puller asks from start().
      puller = preparePulling({
        url: config.collector.url,
        token: () => credential.current(),
        tls,
        timeoutMs: config.push.timeoutMs,
        intervalMs: config.collector.pullIntervalMs,
        spoolDir: resolve(config.spool.dir),
        local: config.checks,
        scheduler,
        probes,
        log: log.child({ component: 'config-pull' }),
        clock,
      });
    }
    pusher = createPusher({
      spool,
      url: config.collector.url,
      credential,
      batchSamples: config.push.batchSamples,
      intervalMs: config.push.intervalMs,
      timeoutMs: config.push.timeoutMs,
      maxBackoffMs: config.push.maxBackoffMs,
      baseBackoffMs: tuning.baseBackoffMs,
      transport: httpTransport(tls),
      log: log.child({ component: 'push' }),
      clock,
    });
  } catch (err) {
    await scheduler?.stop(); // never started: this only closes the probes it created
    spool.close();
    throw err;
  }
  const checks: Scheduler = scheduler;
  const self = startSelfMetrics({
    spoolStats: () => spool.stats(),
    clockSkewMs: () => pusher.stats().clockSkewMs,
    sink,
    hostname: tuning.hostname ?? hostname(),
    clock,
    log: log.child({ component: 'self-metrics' }),
    intervalMs: tuning.selfMetricsIntervalMs,
  });
  checks.start();
  pusher.start();
  puller?.start();
  log.info({ checks: checks.checkIds().length, config: config.collector.config, collector: config.collector.url, spool: spool.dir }, 'agent started');

  let stopping: Promise<void> | undefined;
  let lastSpoolStats: SpoolStats | undefined;
  const spoolStats = (): SpoolStats => (spool.isOpen ? spool.stats() : (lastSpoolStats as SpoolStats));
  const stop = async (): Promise<void> => {
    const t0 = clock.monotonic();
    await puller?.stop();
    await checks.stop();
    self.stop();
    await pusher.stop();
    lastSpoolStats = spool.stats();
    spool.close();
    log.info({ pending: lastSpoolStats.samples, stopMs: Math.round(clock.monotonic() - t0) }, 'agent stopped');
  };
  return {
    stop: () => (stopping ??= stop()),
    spoolStats,
    stats: () => ({ spool: spoolStats(), push: pusher.stats(), checks: checks.stats(), ...(puller === undefined ? {} : { config: puller.status() }) }),
    pushNow: () => pusher.wake(),
    pullNow: () => puller?.pullNow() ?? Promise.resolve(),
  };
}
