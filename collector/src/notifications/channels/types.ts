/**
 * Notification channels (STYLE habit 7): one folder per kind exporting a ChannelKind, plus one
 * line in ./registry.ts. A channel delivers one grouped notification (one practice, several
 * alerts) and reports the outcome as data; it never throws for a failed delivery.
 */
import type { Static, TSchema } from 'typebox';
import type { Clock } from '../../../../shared/src/clock.ts';
import type { Logger } from '../../../../shared/src/log.ts';

/** One alert in a notification. Times are ISO 8601 (UTC). */
export interface NoticeItem {
  status: 'firing' | 'resolved';
  alertId: number;
  ruleId: string;
  title: string;
  severity: 'warning' | 'critical';
  peak: 'warning' | 'critical';
  area: string;
  agent: string;
  metric: string;
  labels: Record<string, string>;
  value: number | null;
  unit: string;
  startedAt: string;
  endedAt: string | null;
  reopened: number;
  acknowledged: { by: string; at: string; note: string | null } | null;
  /** Alerts of the practice suppressed because of this one (e.g. apps behind a link that is down). */
  suppressed: number;
  source: string;
}

/** A national incident (collector/src/incidents): one notice for many practices' breaches. */
export interface IncidentNotice {
  status: 'firing' | 'resolved';
  incidentId: number;
  ruleId: string;
  title: string;
  area: string;
  scope: { kind: 'app' | 'target' | 'provider'; value: string };
  /** "EPS: National application HTTP response time (15-min p95) at 37 of 120 practices since 10:42 UTC" */
  summary: string;
  startedAt: string;
  endedAt: string | null;
  /** Practices breaching now (firing) or at the end (resolved); the most at once; those monitoring it. */
  practices: number;
  peakPractices: number;
  monitoring: number;
  /** ODS codes of the member practices. */
  members: string[];
  /** Member practice alerts (not notified on their own). */
  alerts: number;
}

/**
 * What every channel delivers: the alerts of one practice that changed, grouped — or a national
 * incident (`incident` set, `practice` {ods: 'NATIONAL'}, `items` empty).
 */
export interface Notification {
  /** Unique per notification (webhook receivers can de-duplicate retries by it). */
  id: string;
  version: 1;
  organisation: string;
  practice: { ods: string; name: string };
  sentAt: string;
  items: NoticeItem[];
  incident?: IncidentNotice;
}

/** How a delivery ended (stable codes, documented in docs/alerting.md). */
export const DELIVERY_OUTCOMES = ['delivered', 'timeout', 'refused', 'rejected', 'server_error', 'error'] as const;
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];

export interface DeliveryResult {
  outcome: DeliveryOutcome;
  attempts: number;
  /** Short reason for a failure (never a secret). */
  message?: string;
}

export interface Channel {
  readonly kind: string;
  /** For logs: where it delivers, without secrets. */
  readonly name: string;
  send(n: Notification, signal?: AbortSignal): Promise<DeliveryResult>;
  close?(): void;
}

export interface ChannelEnv {
  log: Logger;
  clock: Clock;
  /** Waits between retries; tests may pass a faster one. Resolves early when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface ChannelKind<S extends TSchema = TSchema> {
  readonly kind: string;
  /** Config schema of one channel of this kind: an object with `kind` as a literal. */
  readonly schema: S;
  readonly create: (config: Static<S>, env: ChannelEnv) => Channel;
  /** Problems the schema cannot express, as `key: message` (relative to the channel); checked at config load. */
  readonly problems?: (config: Static<S>) => string[];
}

export function defineChannel<S extends TSchema>(def: ChannelKind<S>): ChannelKind<S> {
  return def;
}
