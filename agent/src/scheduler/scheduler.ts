/**
 * The scheduler: runs every check on its interval and hands each run's samples to a sink (the
 * spool). It owns the envelope around probes:
 *
 * - first runs spread over the interval (./spread.ts), then every intervalMs from the *planned*
 *   start, so timing never drifts however long runs take;
 * - each check has its own timer: a slow or hung target never delays another;
 * - a run still in flight at its next slot skips that slot (counted, warned) instead of piling
 *   up; if the event loop stalled past whole slots, those are skipped and counted too;
 * - at most ProbeKind.concurrency runs of a kind at once (FIFO wait for a permit);
 * - timeout, grace and outcome rules in ./run.ts;
 * - reconfigure(checks) replaces the running set in place (a pulled config, docs/configuration.md
 *   "Agents pull"), all or nothing — see ./reconfigure.ts for the rules.
 *
 * Probes come in as a parameter (the registry is imported only by the composition root).
 */
import type { Logger } from '../../../shared/src/log.ts';
import { systemClock, type Clock } from '../../../shared/src/clock.ts';
import type { Outcome } from '../../../shared/src/outcomes.ts';
import type { WireSample } from '../../../shared/src/wire.ts';
import type { BaseCheck, Probe, ProbeEnv, ProbeKind } from '../probes/types.ts';
import type { CheckConfig } from '../config/schema.ts';
import { checkIdOf, effectiveTimeoutMs } from '../config/parse.ts';
import { runOnce, type CheckRuntime, type RunRecord } from './run.ts';
import { Semaphore } from './semaphore.ts';
import type { SetAsideSample } from '../spool/set-aside.ts';
import { startOffsets } from './spread.ts';
import { planReconfigure, type ReconfigureSummary } from './reconfigure.ts';

export { CheckStartError, type ReconfigureSummary } from './reconfigure.ts';

export interface SchedulerOptions {
  checks: ReadonlyArray<CheckConfig>;
  probes: readonly ProbeKind[];
  env: ProbeEnv;
  /** Receives each run's samples (the spool's append). May throw; the error is logged. */
  sink: (samples: WireSample[]) => void;
  /** Receives the samples a run produced that break a rule the collector applies (the spool's setAside). */
  setAside?: (items: SetAsideSample[]) => void;
  log: Logger;
  clock?: Clock;
  /** How long after its timeout a probe that ignores the abort is waited for. Default 1000. */
  graceMs?: number;
  /** First runs are spread over min(intervalMs, this). Default 60 000. */
  maxStartSpreadMs?: number;
  random?: () => number;
  /** Called after each recorded run (tests, stats). */
  onRun?: (checkId: string, record: RunRecord) => void;
}

export interface CheckStats {
  id: string;
  kind: string;
  runs: number;
  skipped: number;
  timeouts: number;
  abandoned: number;
  internalErrors: number;
  /** Samples of this check set aside before spooling (they break a rule the collector applies). */
  setAside: number;
  lastOutcome: Outcome | undefined;
}

export interface Scheduler {
  start(): void;
  /** Stops timers, aborts runs in flight, waits for them (up to the grace), closes probes. */
  stop(): Promise<void>;
  stats(): CheckStats[];
  /**
   * Makes `checks` the running set, in place: new ids start, missing ids stop (a run in flight
   * finishes and its samples are kept), a changed check is replaced (its kind may hand the old
   * probe's state to the new one), an unchanged one is not touched. All or nothing: when a probe
   * cannot be created, nothing changes and CheckStartError names the check.
   */
  reconfigure(checks: ReadonlyArray<CheckConfig>): ReconfigureSummary;
  /** The ids of the running checks, in order. */
  checkIds(): string[];
}

interface Slot {
  /** The check's validated config, as given (compared on reconfigure). */
  check: CheckConfig;
  kind: ProbeKind;
  rt: CheckRuntime;
  sem: Semaphore;
  nextAt: number;
  timer: NodeJS.Timeout | undefined;
  run: Promise<void> | undefined;
  /** The run of the check this slot replaced, still in flight: this slot's first run waits for it. */
  after: Promise<unknown> | undefined;
  /** Replaced or removed by reconfigure: no new runs; a run in flight finishes. */
  retired: boolean;
  stats: CheckStats;
  /** Rules this check has broken (logged at warn the first time only). */
  logged: Set<string>;
}

export function createScheduler(opts: SchedulerOptions): Scheduler {
  const log = opts.log;
  const clock = opts.clock ?? systemClock;
  const graceMs = opts.graceMs ?? 1000;
  const stop = new AbortController();
  const sems = new Map<ProbeKind, Semaphore>();
  const kindOf = (raw: CheckConfig): ProbeKind => {
    const kind = opts.probes.find((p) => p.kind === raw.kind);
    if (kind === undefined) throw new Error(`scheduler: no probe kind ${JSON.stringify(raw.kind)} (config validation should have caught this)`);
    return kind;
  };
  const slotFor = (raw: CheckConfig, kind: ProbeKind, probe: Probe): Slot => {
    let sem = sems.get(kind);
    if (sem === undefined) sems.set(kind, (sem = new Semaphore(kind.concurrency)));
    const check = raw as unknown as BaseCheck;
    const id = checkIdOf(raw);
    const labels = { ...(check.labels ?? {}), ...kind.baseLabels(raw), check: id };
    const rt: CheckRuntime = {
      id,
      kind: kind.kind,
      probe,
      intervalMs: check.intervalMs,
      timeoutMs: effectiveTimeoutMs(raw, kind),
      labels,
      log: log.child({ check: id, kind: kind.kind }),
    };
    const stats: CheckStats = { id, kind: kind.kind, runs: 0, skipped: 0, timeouts: 0, abandoned: 0, internalErrors: 0, setAside: 0, lastOutcome: undefined };
    return { check: raw, kind, rt, sem, nextAt: 0, timer: undefined, run: undefined, after: undefined, retired: false, stats, logged: new Set() };
  };
  let slots: Slot[] = opts.checks.map((raw) => {
    const kind = kindOf(raw);
    return slotFor(raw, kind, kind.create(raw, opts.env));
  });
  /** Retired slots whose last run and probe close are still pending (stop waits for them). */
  const retiring = new Set<Promise<void>>();
  let started = false;

  function arm(slot: Slot): void {
    const delay = Math.max(0, slot.nextAt - clock.monotonic());
    slot.timer = setTimeout(() => tick(slot), delay);
  }

  function tick(slot: Slot): void {
    slot.timer = undefined;
    if (stop.signal.aborted || slot.retired) return;
    try {
      // slot.nextAt is this run's planned start; the next one is planned from it, not from now.
      const now = clock.monotonic();
      let next = slot.nextAt + slot.rt.intervalMs;
      let missed = 0;
      while (next <= now) {
        next += slot.rt.intervalMs;
        missed++;
      }
      if (missed > 0) {
        slot.stats.skipped += missed;
        slot.rt.log.warn({ missed, skipped: slot.stats.skipped }, 'agent fell behind; missed slots skipped');
      }
      slot.nextAt = next;
      arm(slot);
      if (slot.run !== undefined) {
        slot.stats.skipped++;
        slot.rt.log.warn({ skipped: slot.stats.skipped, intervalMs: slot.rt.intervalMs }, 'check still running at its next slot; slot skipped');
        return;
      }
      slot.run = execute(slot).finally(() => {
        slot.run = undefined;
      });
    } catch (err) {
      log.error({ err, check: slot.rt.id }, 'scheduler tick failed');
    }
  }

  async function execute(slot: Slot): Promise<void> {
    try {
      if (slot.after !== undefined) {
        await slot.after; // the replaced check's last run (never rejects: allSettled)
        slot.after = undefined;
      }
      if (!(await slot.sem.acquire(stop.signal))) return;
      let record: RunRecord | undefined;
      try {
        record = await runOnce(slot.rt, { clock, stopSignal: stop.signal, graceMs });
      } finally {
        slot.sem.release();
      }
      if (record === undefined || stop.signal.aborted) return;
      account(slot, record);
      try {
        opts.sink(record.samples);
      } catch (err) {
        slot.rt.log.error({ err, samples: record.samples.length }, "could not spool the run's samples; they are lost");
      }
      if (record.setAside.length > 0) setAside(slot, record);
      opts.onRun?.(slot.rt.id, record);
    } catch (err) {
      slot.rt.log.error({ err }, 'check run failed in the scheduler');
    }
  }

  /** Samples that would be refused: set aside in the spool, counted, logged once per rule. */
  function setAside(slot: Slot, record: RunRecord): void {
    slot.stats.setAside += record.setAside.length;
    for (const r of record.setAside) {
      if (slot.logged.has(r.rule)) continue;
      slot.logged.add(r.rule);
      slot.rt.log.warn(
        { rule: r.rule, problems: r.problems.slice(0, 3), setAside: slot.stats.setAside },
        'sample set aside: the collector would refuse it (logged once per check and rule; counted in agent_rejected_samples_total)',
      );
    }
    try {
      opts.setAside?.(
        record.setAside.map((r) => ({
          sample: r.sample,
          check: slot.rt.id,
          status: 0,
          reason: `${r.rule}: ${r.problems[0] ?? ''}`,
          problems: r.problems,
          batchId: 'local',
        })),
      );
    } catch (err) {
      slot.rt.log.error({ err, samples: record.setAside.length }, 'could not set samples aside in the spool');
    }
  }

  function account(slot: Slot, record: RunRecord): void {
    const s = slot.stats;
    s.runs++;
    if (record.outcome === 'timeout') s.timeouts++;
    if (record.outcome === 'internal_error') s.internalErrors++;
    if (record.abandoned) s.abandoned++;
    const fields = { outcome: record.outcome, durationMs: record.durationMs, message: record.message };
    if (s.lastOutcome !== record.outcome) slot.rt.log.info({ ...fields, previous: s.lastOutcome ?? null }, 'check outcome changed');
    else slot.rt.log.debug(fields, 'check run');
    s.lastOutcome = record.outcome;
  }

  async function closeProbe(slot: Slot): Promise<void> {
    try {
      await slot.rt.probe.close?.();
    } catch (err) {
      slot.rt.log.warn({ err }, 'probe close failed');
    }
  }

  /** No new runs; the run in flight finishes (its samples are kept), then the probe is closed. */
  function retire(slot: Slot, closeIt: boolean): void {
    slot.retired = true;
    if (slot.timer !== undefined) clearTimeout(slot.timer);
    slot.timer = undefined;
    const done = Promise.allSettled([slot.after, slot.run]).then(() => (closeIt ? closeProbe(slot) : undefined));
    retiring.add(done);
    void done.finally(() => retiring.delete(done));
  }

  function reconfigure(checks: ReadonlyArray<CheckConfig>): ReconfigureSummary {
    if (stop.signal.aborted) throw new Error('scheduler stopped');
    const plan = planReconfigure({ running: slots, next: checks, kindOf, env: opts.env, log });
    const now = clock.monotonic();
    const added: Slot[] = [];
    const fresh: Slot[] = [];
    const nextSlots = plan.entries.map((e): Slot => {
      if (e.keep !== undefined) return e.keep;
      const slot = slotFor(e.check, e.kind, e.probe);
      fresh.push(slot);
      const old = e.replaces;
      if (old === undefined) {
        added.push(slot);
        return slot;
      }
      // The replaced check's run in flight finishes first; the new one keeps its phase (or comes sooner).
      slot.after = Promise.allSettled([old.after, old.run]);
      slot.nextAt = Math.min(old.nextAt, now + slot.rt.intervalMs);
      // A probe that was handed the old one's state owns what the old one held: the old is not closed.
      retire(old, !e.handedOver);
      return slot;
    });
    for (const old of plan.removed) retire(old, true);
    const offsets = startOffsets(
      added.map((s) => s.rt),
      { maxSpreadMs: opts.maxStartSpreadMs ?? 60_000, random: opts.random },
    );
    added.forEach((slot, i) => {
      slot.nextAt = now + (offsets[i] ?? 0);
    });
    slots = nextSlots;
    if (started) for (const slot of fresh) arm(slot);
    log.info({ ...plan.summary, checks: slots.length }, 'scheduler reconfigured');
    return plan.summary;
  }

  return {
    reconfigure,
    checkIds: () => slots.map((s) => s.rt.id),

    start() {
      if (started) throw new Error('scheduler already started');
      started = true;
      const offsets = startOffsets(
        slots.map((s) => s.rt),
        { maxSpreadMs: opts.maxStartSpreadMs ?? 60_000, random: opts.random },
      );
      const t0 = clock.monotonic();
      slots.forEach((slot, i) => {
        slot.nextAt = t0 + (offsets[i] ?? 0);
        arm(slot);
      });
      log.info({ checks: slots.length, kinds: [...sems.keys()].map((k) => k.kind) }, 'scheduler started');
    },

    async stop() {
      if (stop.signal.aborted) return;
      stop.abort(new DOMException('agent stopping', 'AbortError'));
      for (const slot of slots) if (slot.timer !== undefined) clearTimeout(slot.timer);
      const inflight = [...slots.flatMap((s) => (s.run === undefined ? [] : [s.run])), ...retiring];
      if (inflight.length > 0) {
        let t: NodeJS.Timeout | undefined;
        await Promise.race([Promise.allSettled(inflight), new Promise<void>((r) => (t = setTimeout(r, graceMs)))]);
        clearTimeout(t);
      }
      for (const slot of slots) await closeProbe(slot);
      log.info({ runs: slots.reduce((n, s) => n + s.stats.runs, 0) }, 'scheduler stopped');
    },

    stats: () => slots.map((s) => ({ ...s.stats })),
  };
}
