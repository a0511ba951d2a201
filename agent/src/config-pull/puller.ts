/**
 * `collector.config: pull` (docs/configuration.md "Agents pull", "Rollback"): at start and every
 * pullIntervalMs the agent asks the collector for its checks with the ETag of the last version it
 * saw; 304 → nothing. A new version is validated with the agent's own rules (parseChecks), merged
 * with the local file's checks (./merge.ts) and applied in place (Scheduler.reconfigure, all or
 * nothing). Then:
 *
 * - applied: written to disk as the last good config (./last-good.ts), reported `ok: true`;
 * - does not validate, or a probe cannot be made: the running set is what it was (reconfigure
 *   changed nothing), reported `ok: false` with `running` and the first problem
 *   (`checks[3].privProtocol: …`). Logged once per version: the next pull sends that version's
 *   ETag and gets a 304 until the service desk publishes another.
 *
 * The collector unreachable, 5xx, 401/403 or 404 (nothing assigned): the agent keeps running what
 * it runs and asks again on the interval; logged at the first failure of a streak and when the
 * collector answers again. A result that could not be delivered is sent again at the next pull.
 */
import type { Clock } from '../../../shared/src/clock.ts';
import type { Logger } from '../../../shared/src/log.ts';
import type { ConfigApplyResult, PulledConfig } from '../../../shared/src/pulled-config.ts';
import { parseChecks } from '../config/parse.ts';
import type { CheckConfig } from '../config/schema.ts';
import type { ProbeKind } from '../probes/types.ts';
import type { Scheduler } from '../scheduler/scheduler.ts';
import type { ConfigClient, PullReply } from './client.ts';
import { writeLastGood } from './last-good.ts';
import { effectiveChecks, safeProblem, startProblem } from './merge.ts';

export interface PullerOptions {
  client: ConfigClient;
  scheduler: Scheduler;
  /** The local file's checks (they keep running and win on an id clash). */
  local: readonly CheckConfig[];
  probes: readonly ProbeKind[];
  lastGoodFile: string;
  intervalMs: number;
  log: Logger;
  clock: Clock;
  /** The last good config the agent started with (already running), if any. */
  running?: PulledConfig;
}

export interface PullStatus {
  /** The version running (0: none pulled, the local file only). */
  running: number;
  etag: string | undefined;
  /** The last apply result (sent or waiting to be sent). */
  lastResult: ConfigApplyResult | undefined;
  pulls: number;
  /** Why the last pull got no config (unreachable, a status), undefined after a good answer. */
  lastFailure: string | undefined;
}

export interface Puller {
  /** First pull now, then every intervalMs. */
  start(): void;
  /** A pull that starts now (after the one in flight, if any); the interval goes on from it. */
  pullNow(): Promise<void>;
  /** Stops the timer and aborts a request in flight; waits for it. */
  stop(): Promise<void>;
  status(): PullStatus;
}

export type ApplyOutcome = { ok: true; config: PulledConfig } | { ok: false; problem: string };

/** Validates, merges and applies one pulled config; the scheduler is untouched unless it applies. */
export function applyPulled(config: PulledConfig, o: Pick<PullerOptions, 'scheduler' | 'local' | 'probes' | 'log'>): ApplyOutcome {
  const parsed = parseChecks(config.checks, o.probes);
  if (!parsed.ok) return { ok: false, problem: safeProblem(parsed.problems[0] as string) };
  const eff = effectiveChecks(o.local, parsed.value);
  try {
    const summary = o.scheduler.reconfigure(eff.checks);
    if (eff.shadowed.length > 0)
      o.log.warn({ version: config.version, ids: eff.shadowed }, 'pulled checks not run: a local check has the same id (the local file wins)');
    o.log.info({ version: config.version, etag: config.etag, sources: config.sources, ...summary, checks: eff.checks.length }, 'pulled config applied');
    return { ok: true, config };
  } catch (err) {
    return { ok: false, problem: startProblem(err, eff) };
  }
}

export function createPuller(o: PullerOptions): Puller {
  const log = o.log;
  let running = o.running;
  /** The ETag sent as If-None-Match: the last version seen, applied or refused (so a refused one is not retried every pull). */
  let seenEtag = o.running?.etag;
  let reportedStart = false;
  let pending: ConfigApplyResult | undefined;
  let lastResult: ConfigApplyResult | undefined;
  let failing: string | undefined;
  let pulls = 0;
  let timer: NodeJS.Timeout | undefined;
  let inflight: Promise<void> | undefined;
  const stopping = new AbortController();

  const result = (config: PulledConfig, ok: boolean, problem?: string): ConfigApplyResult => ({
    version: config.version,
    etag: config.etag,
    ok,
    running: running?.version ?? 0,
    ...(problem === undefined ? {} : { problem }),
    at: Math.round(o.clock.now()),
  });

  async function deliver(): Promise<void> {
    if (pending === undefined) return;
    const r = await o.client.report(pending, stopping.signal);
    if (r.ok) pending = undefined;
    else if (!stopping.signal.aborted)
      log.warn({ version: pending.version, reason: r.reason }, 'could not report the config result to the collector; will try again at the next pull');
  }

  function attempt(config: PulledConfig): void {
    seenEtag = config.etag;
    const outcome = applyPulled(config, o);
    if (outcome.ok) {
      running = config;
      try {
        writeLastGood(o.lastGoodFile, config);
      } catch (err) {
        log.error({ err, file: o.lastGoodFile }, 'could not keep the pulled config on disk; a restart without the collector would not run it');
      }
      pending = lastResult = result(config, true);
    } else {
      log.warn(
        { version: config.version, etag: config.etag, problem: outcome.problem, running: running?.version ?? 0 },
        'pulled config refused; the running checks are unchanged (rolled back to the last good config)',
      );
      pending = lastResult = result(config, false, outcome.problem);
    }
    reportedStart = true;
  }

  function noConfig(reply: Exclude<PullReply, { kind: 'config' | 'not_modified' }>): void {
    const why = reply.kind === 'unreachable' ? `${reply.code}: ${reply.reason}` : reply.reason;
    const first = failing === undefined;
    failing = why;
    const fields = { reason: why, running: running?.version ?? 0, checks: o.scheduler.checkIds().length, intervalMs: o.intervalMs };
    if (!first) log.debug(fields, 'config pull failed again');
    else if (reply.kind === 'refused' && reply.status === 404)
      log.info(fields, 'the collector has no config for this agent yet; running what runs now, asking again on the interval');
    else log.warn(fields, running === undefined ? 'config pull failed; asking again on the interval' : 'config pull failed; running the last good config');
  }

  async function pullOnce(): Promise<void> {
    pulls++;
    await deliver();
    const reply = await o.client.fetch(seenEtag, stopping.signal);
    if (stopping.signal.aborted) return;
    if (reply.kind === 'refused' || reply.kind === 'unreachable') return noConfig(reply);
    if (failing !== undefined) log.info({ after: failing }, 'the collector answers config pulls again');
    failing = undefined;
    if (reply.kind === 'config' && reply.config.etag !== running?.etag && reply.config.etag !== lastResult?.etag) attempt(reply.config);
    else if (reply.kind === 'config') seenEtag = reply.config.etag; // the version already running (or already refused)
    if (!reportedStart && running !== undefined) {
      // Once after start: the collector learns which version this agent runs.
      reportedStart = true;
      pending = lastResult = result(running, true);
      log.info({ version: running.version, etag: running.etag }, 'running the pulled config the collector has now');
    }
    await deliver();
  }

  function schedule(): void {
    if (stopping.signal.aborted) return;
    timer = setTimeout(() => void pullNow(), o.intervalMs);
  }

  function pullNow(): Promise<void> {
    if (inflight !== undefined) return inflight.then(pullNow);
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    inflight = pullOnce()
      .catch((err: unknown) => log.error({ err }, 'config pull failed in the agent (a bug); asking again on the interval'))
      .finally(() => {
        inflight = undefined;
        schedule();
      });
    return inflight;
  }

  return {
    start: () => void pullNow(),
    pullNow,
    async stop() {
      stopping.abort();
      if (timer !== undefined) clearTimeout(timer);
      await inflight;
    },
    status: () => ({ running: running?.version ?? 0, etag: running?.etag, lastResult, pulls, lastFailure: failing }),
  };
}
