/**
 * The accounting rules in code. docs/accounting-rules.md is the text users read; its version
 * line must equal ACCOUNTING_RULES_VERSION (a test keeps them in step). Change a rule → change
 * the document and bump the version: every report prints the version it was computed under.
 */
import { HTTP_PHASES } from '../../../shared/src/metrics.ts';

export const ACCOUNTING_RULES_VERSION = '1.3';

export const ACCOUNTING = {
  /** Below this completeness a target cannot be judged unless the gaps could not change the verdict. */
  minCompletenessForVerdict: 0.9,
  /** Down stretches shorter than this are counted in availability but not listed as outages. */
  minOutageMs: 5 * 60_000,
  /** An outage and an alert match when their spans overlap after widening the outage by this. */
  incidentMatchSlackMs: 30 * 60_000,
  /** Outages longer than this are called out (HSCN severity-1 resolution time). */
  longOutageMs: 5 * 3_600_000,
  /** Completeness RAG: green at or above, amber at or above, red below. */
  completenessGreen: 0.99,
  completenessAmber: 0.9,
  /** Share of runs within the warning threshold below which response time is amber. */
  withinThresholdAmber: 0.95,
  /**
   * A month in progress is judged up to the last whole minute that ended at least this long before
   * the report was made: runs of the minutes just before are still in flight from agents (a run
   * of up to a minute, then the next push a few seconds later).
   */
  inProgressSettleMs: 2 * 60_000,
  /** Gaps (no samples at all) shorter than this are not listed one by one. */
  minListedGapMs: 60 * 60_000,
  /** Rows in "worst hours", "busiest ports", "worst performers" lists. */
  topN: 5,
  /** Phases of an HTTP request, in order. */
  httpPhases: HTTP_PHASES,
} as const;

/** Red, amber, green — and grey when there is not enough data to say. */
export type Rag = 'red' | 'amber' | 'green' | 'grey';

const RAG_ORDER: Record<Rag, number> = { red: 3, amber: 2, green: 1, grey: 0 };

/** The worst of the known verdicts; grey only when nothing is known (no data never hides a red, nor makes a green red). */
export function worstRag(list: readonly Rag[]): Rag {
  let worst: Rag = 'grey';
  for (const r of list) if (RAG_ORDER[r] > RAG_ORDER[worst]) worst = r;
  return worst;
}

export function ragRank(r: Rag): number {
  return RAG_ORDER[r];
}
