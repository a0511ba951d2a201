/**
 * The one probe signature (after blackbox_exporter's prober/): a probe measures and returns
 * samples and an outcome; the scheduler owns interval, timeout, concurrency, timestamps and the
 * `probe_success`/`probe_duration_ms` samples. Probes never judge (thresholds live in the collector)
 * and never throw for a failed measurement: failure is an outcome.
 */
import type { Static, TSchema } from 'typebox';
import type { Logger } from '../../../shared/src/log.ts';
import type { Clock } from '../../../shared/src/clock.ts';
import type { MetricName } from '../../../shared/src/metrics.ts';
import type { Outcome } from '../../../shared/src/outcomes.ts';

export interface ProbeSample {
  metric: MetricName;
  value: number;
  /** Labels beyond the check's base labels (e.g. `phase`, `iface`, `mount`, `ifName`). */
  labels?: Record<string, string>;
  /** Defaults to the run's start time; set it only when the probe knows better. */
  ts?: number;
}

export interface ProbeResult {
  outcome: Outcome;
  samples: ProbeSample[];
  /** Short human reason for a non-success outcome, for the log (never a secret). */
  message?: string;
}

export interface RunContext {
  /** Aborted when the check's timeoutMs elapses or the agent stops. Probes must honour it. */
  signal: AbortSignal;
  timeoutMs: number;
  log: Logger;
  clock: Clock;
}

export interface Probe {
  run(ctx: RunContext): Promise<ProbeResult>;
  /** Release sockets/sessions when the agent stops or reloads. */
  close?(): void | Promise<void>;
}

export interface ProbeEnv {
  log: Logger;
  clock: Clock;
  /** Collector base URL, token and its TLS options (collector.caFile; clientCertFile/clientKeyFile as cert/key), for probes that talk to the collector (throughput). */
  collector: { url: string; token: string; ca?: Buffer; cert?: Buffer; key?: Buffer };
}

/** Fields every check has, whatever its kind (see baseCheckFields in ./base-schema.ts). */
export interface BaseCheck {
  kind: string;
  id?: string;
  role: string;
  intervalMs: number;
  timeoutMs?: number;
  app?: string;
  labels?: Record<string, string>;
}

/**
 * One entry in the probe registry. A new probe is a new folder exporting one of these, plus one
 * line in ./registry.ts — nothing else branches on `kind`.
 */
export interface ProbeKind<S extends TSchema = TSchema> {
  readonly kind: string;
  /** Config schema of one check of this kind: an object with `kind` as a literal. */
  readonly schema: S;
  /** Most runs of this kind in flight at once, across all its checks. */
  readonly concurrency: number;
  /** Default timeout when the check gives none (always < intervalMs at run time). */
  readonly defaultTimeoutMs: (check: Static<S>) => number;
  /** `target`/`device`, `role`, `app`… Every sample of the check carries these. */
  readonly baseLabels: (check: Static<S>) => Record<string, string>;
  /** Problems that a schema cannot express (cross-field rules), as `path: message` relative to the check. */
  readonly validate?: (check: Static<S>) => string[];
  readonly create: (check: Static<S>, env: ProbeEnv) => Probe;
}

export function defineProbe<S extends TSchema>(def: ProbeKind<S>): ProbeKind<S> {
  return def;
}
