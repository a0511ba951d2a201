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
 * The config side of a probe kind: what a check of this kind may say and how it is checked —
 * pure (schemas and rules, no sockets, no npm runtime modules), so the collector can validate the
 * checks it renders for an agent with the agent's own rules (./check-kinds.ts lists them).
 */
export interface CheckKind<S extends TSchema = TSchema> {
  readonly kind: string;
  /** Config schema of one check of this kind: an object with `kind` as a literal. */
  readonly schema: S;
  // Method signatures (not function-typed properties): a CheckKind of one schema is then usable
  // where any CheckKind is expected (checks are typed loosely there; each kind narrows its own).
  /** Default timeout when the check gives none (always < intervalMs at run time). */
  defaultTimeoutMs(check: Static<S>): number;
  /** `target`/`device`, `role`, `app`… Every sample of the check carries these. */
  baseLabels(check: Static<S>): Record<string, string>;
  /** Problems that a schema cannot express (cross-field rules), as `path: message` relative to the check. */
  validate?(check: Static<S>): string[];
  /**
   * Problems that depend on the machine the agent runs on (what its Node's OpenSSL can do), as
   * `path: message` relative to the check. The agent checks them when it loads its own file, when
   * it validates a pulled config and when it makes the probe; the collector, validating a rendered
   * template for agents on other machines, does not (a collector without DES must not refuse a
   * `des` check that the agents' Node can run — an agent that cannot rolls it back and says so).
   */
  hostProblems?(check: Static<S>): string[];
}

/**
 * One entry in the probe registry: its config side (a CheckKind, in the probe's check.ts) plus
 * what runs it. A new probe is a new folder exporting one of these, plus one line in
 * ./registry.ts and one in ./check-kinds.ts — nothing else branches on `kind`.
 */
export interface ProbeKind<S extends TSchema = TSchema> extends CheckKind<S> {
  /** Most runs of this kind in flight at once, across all its checks. */
  readonly concurrency: number;
  readonly create: (check: Static<S>, env: ProbeEnv) => Probe;
  /**
   * Optional: the probe for `next` when a running check of this kind changed (a pulled config,
   * Scheduler.reconfigure), carrying over what `prev.probe` learned — e.g. SNMP counters and
   * discovery when the device did not change. Undefined: no carry-over, `create` is used. The new
   * probe may take the old one's state only when it first runs (the scheduler runs it after the
   * old one's last run has settled), so a hand-over that is then rolled back leaves the old intact.
   * The old probe is not closed when handed over.
   */
  readonly handOver?: (prev: { check: Static<S>; probe: Probe }, next: Static<S>, env: ProbeEnv) => Probe | undefined;
}

export function defineCheckKind<S extends TSchema>(def: CheckKind<S>): CheckKind<S> {
  return def;
}

export function defineProbe<S extends TSchema>(def: ProbeKind<S>): ProbeKind<S> {
  return def;
}
