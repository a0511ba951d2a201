/**
 * The spool's `rejected` table: what can never be delivered, kept for inspection. Whole batches a
 * collector from before per-sample refusal answered 400 (./spool.ts reject), and samples set aside
 * one by one, never with their batch: a sample that breaks a rule of shared/src/sample-rules.ts,
 * found by the agent before spooling (status 0) or refused by the collector in an otherwise stored
 * batch (status 200), goes to the table alone (sample_count 1). Every sample set aside is counted
 * per check in meta `rejected_by_check`, the source of `agent_rejected_samples_total{fromCheck}`
 * (agent/src/self-metrics.ts).
 */
import type { WireSample } from '../../../shared/src/wire.ts';
import type { Statements } from './db.ts';

export interface RejectInfo {
  status: number;
  /** The collector's error code and message, or a local reason. */
  reason: string;
  problems: readonly string[];
}

export interface RejectedBatch {
  batchId: string;
  rejectedAt: number;
  status: number;
  reason: string;
  problems: string[];
  samples: WireSample[];
}

export interface SetAsideSample {
  /** The sample as it was (a probe's malformed sample too; stored as JSON). */
  readonly sample: unknown;
  /** The check whose sample it is (its `check` label). */
  readonly check: string;
  /** 0: set aside by the agent before spooling; 200: refused by the collector in a stored batch. */
  readonly status: number;
  /** The rule (shared/src/sample-rules.ts SAMPLE_RULES, or `unknown_metric`) and the first problem. */
  readonly reason: string;
  readonly problems: readonly string[];
  /** The batch it came in, or `local` before spooling. */
  readonly batchId: string;
}

const BY_CHECK = 'rejected_by_check';

export function rejectedByCheck(st: Statements): Record<string, number> {
  const raw = st.metaGet.get(BY_CHECK);
  return raw === undefined ? {} : (JSON.parse(raw) as Record<string, number>);
}

/** Inserts each sample as its own rejected row and adds to the totals. Run inside a transaction. */
export function insertSetAside(st: Statements, now: number, items: readonly SetAsideSample[]): void {
  if (items.length === 0) return;
  for (const it of items) st.rejectedInsert.run(it.batchId, now, it.status, it.reason, JSON.stringify(it.problems), 1, JSON.stringify([it.sample]));
  countByCheck(
    st,
    items.map((it) => it.check),
  );
  add(st, 'rejected_samples_total', items.length);
}

/** Adds one to the per-check total for each entry (a check named n times gets n). */
export function countByCheck(st: Statements, checks: readonly string[]): void {
  if (checks.length === 0) return;
  const byCheck = rejectedByCheck(st);
  for (const c of checks) byCheck[c] = (byCheck[c] ?? 0) + 1;
  st.metaSet.run(BY_CHECK, JSON.stringify(byCheck));
}

/** The check a spooled sample belongs to. */
export function checkOf(sample: { labels?: Readonly<Record<string, string>> }): string {
  return sample.labels?.check ?? '-';
}

function add(st: Statements, key: string, n: number): void {
  st.metaSet.run(key, String(Number(st.metaGet.get(key) ?? '0') + n));
}

export function listRejected(st: Statements, limit: number): RejectedBatch[] {
  return st.rejectedList.all(limit).map((r) => ({
    batchId: r.batch_id,
    rejectedAt: r.rejected_at,
    status: r.status,
    reason: r.reason,
    problems: JSON.parse(r.problems) as string[],
    samples: JSON.parse(r.samples) as WireSample[],
  }));
}
