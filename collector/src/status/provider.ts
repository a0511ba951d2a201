/**
 * What the read API and /metrics ask about a practice's state. The default (./latest-probe.ts)
 * looks at the latest probe_success of each check; the alerting code replaces it with rule
 * states (pass `status` to buildApp). Called for every practice on each overview request, so
 * implementations must answer from memory.
 */
import type { WireSample } from '../../../shared/src/wire.ts';

export const PRACTICE_STATUSES = ['ok', 'warning', 'critical', 'unknown'] as const;
export type PracticeStatusCode = (typeof PRACTICE_STATUSES)[number];

export interface PracticeStatus {
  status: PracticeStatusCode;
  openAlerts: number;
  /** Short human reasons for a status other than ok (e.g. which check fails), for the detail view. */
  reasons: string[];
  /** Worst state per area (national-apps, national-link, lan, branch-link, servers, agent), when the provider knows. */
  areas?: Readonly<Partial<Record<string, PracticeStatusCode>>>;
}

export interface StatusProvider {
  statusOf(practice: string, now: number): PracticeStatus;
}

/** A batch that was stored and acknowledged. */
export interface IngestedBatch {
  practice: string;
  agent: string;
  samples: readonly WireSample[];
  /** Collector clock when it was acknowledged. */
  receivedAt: number;
}

/** Told about every acknowledged batch, synchronously and in order. Must not throw (it is logged). */
export interface IngestObserver {
  onBatch(batch: IngestedBatch): void;
}
