/**
 * What the pusher does with the samples a collector refused in a batch it otherwise stored
 * (IngestResponse.refused, shared/src/wire.ts): each is set aside alone in the spool's `rejected`
 * table and counted for its check — except a sample refused only for being slightly ahead of the
 * collector's clock (an agent clock that ran ahead, since corrected), which is spooled again and
 * sent once the collector's clock has caught up. The log says it once per check and rule, not
 * once per sample.
 */
import type { Logger } from '../../../shared/src/log.ts';
import { INGEST_LIMITS, type IngestResponse, type WireSample } from '../../../shared/src/wire.ts';
import type { SetAsideSample, SpooledBatch } from '../spool/spool.ts';

/** A sample at most this far beyond the collector's future limit is kept and retried; further is set aside. */
export const FUTURE_HOLD_MAX_MS = 60 * 60 * 1000;
const RETRY_MARGIN_MS = 1000;

export interface SortedRefusals {
  setAside: SetAsideSample[];
  retry: WireSample[];
  /** When the last retried sample fits the collector's window (ms from now, with a margin). */
  retryAfterMs: number;
}

/** undefined when the collector refused nothing. Indexes out of range or repeated are ignored. */
export function sortRefused(batch: SpooledBatch, ack: IngestResponse): SortedRefusals | undefined {
  const refused = ack.refused;
  if (refused === undefined || refused.length === 0) return undefined;
  const limit = ack.serverTime + INGEST_LIMITS.maxFutureMs;
  const seen = new Set<number>();
  const out: SortedRefusals = { setAside: [], retry: [], retryAfterMs: 0 };
  for (const r of refused) {
    const sample = batch.samples[r.index];
    if (sample === undefined || seen.has(r.index)) continue;
    seen.add(r.index);
    const aheadMs = sample.ts - limit;
    if (r.rule === 'ts_future' && aheadMs <= FUTURE_HOLD_MAX_MS) {
      out.retry.push(sample);
      out.retryAfterMs = Math.max(out.retryAfterMs, aheadMs + RETRY_MARGIN_MS);
      continue;
    }
    const problem = r.problem ?? `samples[${r.index}]: refused (${r.rule})`;
    out.setAside.push({ sample, check: sample.labels.check ?? '-', status: 200, reason: `${r.rule}: ${problem}`, problems: [problem], batchId: batch.batchId });
  }
  return out.setAside.length === 0 && out.retry.length === 0 ? undefined : out;
}

/** Logs set-aside samples at error the first time a check has them for a rule, at debug after that. */
export function createRefusalLog(log: Logger): { note(batchId: string, items: readonly SetAsideSample[]): void } {
  const logged = new Set<string>();
  return {
    note(batchId, items) {
      const groups = new Map<string, { check: string; rule: string; samples: number; example: string }>();
      for (const it of items) {
        const rule = it.reason.slice(0, it.reason.indexOf(':'));
        const key = `${it.check}\u0000${rule}`;
        const g = groups.get(key);
        if (g === undefined) groups.set(key, { check: it.check, rule, samples: 1, example: it.problems[0] ?? it.reason });
        else g.samples++;
      }
      for (const [key, g] of groups) {
        const first = !logged.has(key);
        logged.add(key);
        log[first ? 'error' : 'debug'](
          { ...g, batchId },
          "collector refused samples of a check; set aside in the spool's rejected table (the rest of the batch is stored)",
        );
      }
    },
  };
}
