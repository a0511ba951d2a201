/**
 * Starting an agent with `collector.config: pull`: the last good pulled config on disk is put in
 * the scheduler before its first run (the agent then runs it while the collector is unreachable),
 * and the puller is made that asks the collector from then on. Called by the composition root
 * (../agent.ts) between creating the scheduler and starting it.
 */
import type { Clock } from '../../../shared/src/clock.ts';
import type { Logger } from '../../../shared/src/log.ts';
import type { PulledConfig } from '../../../shared/src/pulled-config.ts';
import type { CollectorTls } from '../config/collector-tls.ts';
import type { CheckConfig } from '../config/schema.ts';
import type { ProbeKind } from '../probes/types.ts';
import type { Scheduler } from '../scheduler/scheduler.ts';
import { createConfigClient } from './client.ts';
import { lastGoodPath, readLastGood } from './last-good.ts';
import { applyPulled, createPuller, type Puller } from './puller.ts';

export interface PullStart {
  url: string;
  token: () => string;
  tls: CollectorTls;
  /** Deadline of one request (the config's push.timeoutMs). */
  timeoutMs: number;
  intervalMs: number;
  spoolDir: string;
  local: readonly CheckConfig[];
  scheduler: Scheduler;
  probes: readonly ProbeKind[];
  log: Logger;
  clock: Clock;
}

export function preparePulling(o: PullStart): Puller {
  const log = o.log;
  const file = lastGoodPath(o.spoolDir);
  const lastGood = readLastGood(file);
  let running: PulledConfig | undefined;
  if (lastGood.kind === 'unreadable') log.warn({ file, reason: lastGood.reason }, 'the last good pulled config cannot be used; starting without it');
  if (lastGood.kind === 'config') {
    const c = lastGood.config;
    const outcome = applyPulled(c, { scheduler: o.scheduler, local: o.local, probes: o.probes, log });
    if (outcome.ok) {
      running = c;
      log.info(
        { file, version: c.version, etag: c.etag, checks: o.scheduler.checkIds().length },
        'running the last good pulled config from disk until the collector answers',
      );
    } else log.warn({ file, version: c.version, problem: outcome.problem }, 'the last good pulled config does not apply here any more; starting without it');
  }
  if (running === undefined && o.local.length === 0) {
    log.warn(
      { intervalMs: o.intervalMs },
      'no checks yet (no local checks, no pulled config): only the agent self metrics run until the collector sends checks',
    );
  }
  const client = createConfigClient({ url: o.url, token: o.token, tls: o.tls, timeoutMs: o.timeoutMs });
  return createPuller({
    client,
    scheduler: o.scheduler,
    local: o.local,
    probes: o.probes,
    lastGoodFile: file,
    intervalMs: o.intervalMs,
    log,
    clock: o.clock,
    ...(running === undefined ? {} : { running }),
  });
}
