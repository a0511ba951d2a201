/**
 * One run of one check, with the envelope the scheduler owns (blackbox_exporter style): the
 * timeout (an AbortSignal that also fires when the agent stops), a grace period after which a
 * probe that ignores the abort is recorded as `timeout` anyway, the outcome rules, and the
 * samples every run yields — probe_success{outcome} and probe_duration_ms plus the probe's own,
 * stamped with the run's start time and the check's base labels.
 *
 * Outcome rules:
 * - the probe returned before the timeout: its outcome, as is;
 * - it returned or threw after the timeout fired (and was not a success): `timeout`;
 * - it was still running `graceMs` after the timeout: `timeout`, and it is abandoned (warned);
 * - it threw (not because of the abort): `internal_error`, logged with the stack;
 * - the agent was stopping: no record at all (a shutdown is not a measurement).
 */
import type { Logger } from '../../../shared/src/log.ts';
import type { Clock } from '../../../shared/src/clock.ts';
import { isMetricName } from '../../../shared/src/metrics.ts';
import { isOutcome, type Outcome } from '../../../shared/src/outcomes.ts';
import { WireSample } from '../../../shared/src/wire.ts';
import { formatProblem, sampleProblems, sampleWithinRules, tsWindow, type SampleRule } from '../../../shared/src/sample-rules.ts';
import { checker } from '../../../shared/src/validate.ts';
import type { Probe, ProbeResult, ProbeSample } from '../probes/types.ts';

export interface CheckRuntime {
  readonly id: string;
  readonly kind: string;
  readonly probe: Probe;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** `check` plus the kind's base labels plus the check's static labels. */
  readonly labels: Readonly<Record<string, string>>;
  readonly log: Logger;
}

export interface RunRecord {
  outcome: Outcome;
  /** Wall clock at the start of the run (every sample's default ts). */
  startedAt: number;
  durationMs: number;
  samples: WireSample[];
  /** The probe was still running graceMs after its timeout. */
  abandoned: boolean;
  /** Samples that break a rule the collector applies (shared/src/sample-rules.ts): never spooled, set aside. */
  invalidSamples: number;
  setAside: RefusedHere[];
  message?: string;
}

export interface RunOptions {
  clock: Clock;
  /** Aborted when the agent stops. */
  stopSignal: AbortSignal;
  graceMs: number;
}

type Settled = { kind: 'done'; result: ProbeResult } | { kind: 'threw'; error: unknown } | { kind: 'grace' };

const isWireSample = checker(WireSample);

/** A sample the agent's own check refused, and why (`rule` groups the log line and the count). */
export interface RefusedHere {
  sample: unknown;
  rule: SampleRule | 'unknown_metric';
  problems: string[];
}

export async function runOnce(rt: CheckRuntime, opts: RunOptions): Promise<RunRecord | undefined> {
  const { clock, stopSignal, graceMs } = opts;
  const startedAt = Math.round(clock.now());
  const t0 = clock.monotonic();
  // The run's own signal, aborted by its timeout or by the agent stopping. Not AbortSignal.any():
  // Node keeps a composite signal that has an abort listener alive until it aborts, and probes
  // leave listeners on the signal they get (a run that ends normally never aborts) — every run's
  // signal, listeners and what they hold (its ping output, its promises) would stay in memory for
  // good. This controller is garbage with the run; the one listener on the long-lived stop signal
  // is removed when the run settles.
  const run = new AbortController();
  let timedOut = false;
  const onStop = (): void => run.abort(stopSignal.reason);
  if (stopSignal.aborted) onStop();
  else stopSignal.addEventListener('abort', onStop, { once: true });
  const timers: NodeJS.Timeout[] = [];
  const graceReached = new Promise<Settled>((resolve) => {
    timers.push(
      setTimeout(() => {
        timedOut = true;
        run.abort(new DOMException(`check timed out after ${rt.timeoutMs} ms`, 'TimeoutError'));
      }, rt.timeoutMs),
    );
    timers.push(setTimeout(() => resolve({ kind: 'grace' }), rt.timeoutMs + graceMs));
  });
  const running = Promise.resolve()
    .then(() => rt.probe.run({ signal: run.signal, timeoutMs: rt.timeoutMs, log: rt.log, clock }))
    .then(
      (result): Settled => ({ kind: 'done', result }),
      (error: unknown): Settled => ({ kind: 'threw', error }),
    );
  let settled: Settled;
  try {
    settled = await Promise.race([running, graceReached]);
  } finally {
    for (const t of timers) clearTimeout(t);
    stopSignal.removeEventListener('abort', onStop);
  }
  const durationMs = clock.monotonic() - t0;
  if (stopSignal.aborted) return undefined;

  let outcome: Outcome;
  let probeSamples: readonly ProbeSample[] = [];
  let message: string | undefined;
  let abandoned = false;
  if (settled.kind === 'grace') {
    abandoned = true;
    outcome = 'timeout';
    message = `probe ignored the abort for ${graceMs} ms after its ${rt.timeoutMs} ms timeout`;
    rt.log.warn({ timeoutMs: rt.timeoutMs, graceMs }, 'probe ignored the abort; recorded as timeout');
    void running.then((late) => rt.log.debug({ late: late.kind }, 'abandoned probe run finished'));
  } else if (settled.kind === 'threw') {
    if (timedOut) {
      outcome = 'timeout';
      message = errorMessage(settled.error);
    } else {
      outcome = 'internal_error';
      message = errorMessage(settled.error);
      rt.log.error({ err: settled.error }, 'probe threw; recorded as internal_error');
    }
  } else {
    const r = settled.result as Partial<ProbeResult> | undefined;
    if (r === undefined || r === null || typeof r.outcome !== 'string' || !isOutcome(r.outcome) || !Array.isArray(r.samples)) {
      outcome = 'internal_error';
      message = 'probe returned a malformed result';
      rt.log.error({ result: r }, 'probe returned a malformed result; recorded as internal_error');
    } else {
      outcome = timedOut && r.outcome !== 'success' ? 'timeout' : r.outcome;
      probeSamples = r.samples;
      message = r.message;
    }
  }

  const now = clock.now();
  const samples: WireSample[] = [];
  const setAside: RefusedHere[] = [];
  const keep = (wire: WireSample | RefusedHere): void => {
    if ('problems' in wire) setAside.push(wire);
    else samples.push(wire);
  };
  keep(checked({ metric: 'probe_success', labels: { ...rt.labels, outcome }, ts: startedAt, value: outcome === 'success' ? 1 : 0 }, now));
  keep(checked({ metric: 'probe_duration_ms', labels: { ...rt.labels }, ts: startedAt, value: round3(durationMs) }, now));
  for (const s of probeSamples) keep(toWire(s, rt.labels, startedAt, now));
  const record: RunRecord = { outcome, startedAt, durationMs, samples, abandoned, invalidSamples: setAside.length, setAside };
  if (message !== undefined) record.message = message;
  return record;
}

/**
 * A probe sample as it goes on the wire, or why it cannot: a metric outside the catalog, or any
 * rule the collector applies (shared/src/sample-rules.ts, against the agent's clock `now`). A bad
 * sample never reaches the spool, so it can never cost another sample its delivery.
 */
export function toWire(s: ProbeSample, base: Readonly<Record<string, string>>, startedAt: number, now: number): WireSample | RefusedHere {
  if (typeof s !== 'object' || s === null) return { sample: s, rule: 'schema', problems: ['(root): must be object'] };
  if (typeof s.metric !== 'string' || !isMetricName(s.metric))
    return { sample: s, rule: 'unknown_metric', problems: [`metric: ${JSON.stringify(s.metric)} is not in the metric catalog (shared/src/metrics.ts)`] };
  const ts = typeof s.ts === 'number' ? Math.round(s.ts) : s.ts === undefined ? startedAt : s.ts;
  const labels = s.labels === undefined ? { ...base } : { ...base, ...s.labels };
  return checked({ metric: s.metric, labels, ts, value: s.value } as WireSample, now);
}

/** The sample itself when the collector would store it, else every problem with its first rule. */
export function checked(wire: WireSample, now: number): WireSample | RefusedHere {
  const { oldest, newest } = tsWindow(now);
  if (isWireSample(wire) && sampleWithinRules(wire, oldest, newest)) return wire;
  const problems = sampleProblems(wire, now);
  return { sample: wire, rule: problems[0]?.rule ?? 'schema', problems: problems.map(formatProblem) };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function round3(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
