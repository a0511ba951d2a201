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
import { RESERVED_LABELS, WireSample } from '../../../shared/src/wire.ts';
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
  /** Probe samples dropped because they would not pass the collector's validation. */
  invalidSamples: number;
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

  const samples: WireSample[] = [
    { metric: 'probe_success', labels: { ...rt.labels, outcome }, ts: startedAt, value: outcome === 'success' ? 1 : 0 },
    { metric: 'probe_duration_ms', labels: { ...rt.labels }, ts: startedAt, value: round3(durationMs) },
  ];
  let invalidSamples = 0;
  for (const s of probeSamples) {
    const wire = toWire(s, rt.labels, startedAt);
    if (typeof wire === 'string') {
      invalidSamples++;
      if (invalidSamples <= 3) rt.log.warn({ metric: (s as { metric?: unknown }).metric, problem: wire }, 'probe sample dropped: it would fail ingest validation');
    } else {
      samples.push(wire);
    }
  }
  const record: RunRecord = { outcome, startedAt, durationMs, samples, abandoned, invalidSamples };
  if (message !== undefined) record.message = message;
  return record;
}

/** A probe sample as it goes on the wire, or the reason it cannot (a bad sample must never poison a batch). */
export function toWire(s: ProbeSample, base: Readonly<Record<string, string>>, startedAt: number): WireSample | string {
  if (typeof s !== 'object' || s === null) return 'not an object';
  if (typeof s.metric !== 'string' || !isMetricName(s.metric)) return `unknown metric ${JSON.stringify(s.metric)}`;
  if (typeof s.value !== 'number' || !Number.isFinite(s.value)) return `value ${String(s.value)} is not a finite number`;
  const ts = s.ts === undefined ? startedAt : Math.round(s.ts);
  const labels = s.labels === undefined ? { ...base } : { ...base, ...s.labels };
  for (const reserved of RESERVED_LABELS) if (Object.hasOwn(labels, reserved)) return `label ${reserved} is reserved for the collector`;
  const wire: WireSample = { metric: s.metric, labels, ts, value: s.value };
  return isWireSample(wire) ? wire : 'labels or ts out of the ingest limits';
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function round3(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
