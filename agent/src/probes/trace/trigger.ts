/** When to trace (pure): a burst over its level, at most once per minIntervalMs, or the baseline is due. */
import type { TraceSettings } from './settings.ts';

export interface TriggerState {
  /** Medians of the recent successful bursts, oldest first (at most RECENT_BURSTS). */
  recentMedians: number[];
  lastBurstTraceAt?: number;
  lastBaselineAt?: number;
}

/** How many recent bursts' medians make the reference ("its recent median"). */
export const RECENT_BURSTS = 20;
/** Fewer than this and there is no reference yet: RTT alone does not trigger. */
export const MIN_REFERENCE_BURSTS = 5;

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export type TraceReason = 'burst' | 'baseline';

/**
 * Decides on one burst (loss 0..1, median RTT when any reply came) and records it in `state`.
 * A burst over its level is not added to the reference, so a long degradation does not become
 * the new normal within RECENT_BURSTS bursts.
 */
export function decideTrace(state: TriggerState, burst: { lossRatio?: number; medianMs?: number }, now: number, s: TraceSettings): TraceReason | undefined {
  const reference = state.recentMedians.length >= MIN_REFERENCE_BURSTS ? median(state.recentMedians) : undefined;
  const lossy = burst.lossRatio !== undefined && burst.lossRatio >= s.onLossRatio && burst.lossRatio > 0;
  const slow = reference !== undefined && burst.medianMs !== undefined && burst.medianMs > s.onRttMultiple * reference;
  if (!lossy && !slow && burst.medianMs !== undefined) {
    state.recentMedians.push(burst.medianMs);
    if (state.recentMedians.length > RECENT_BURSTS) state.recentMedians.shift();
  }
  if ((lossy || slow) && (state.lastBurstTraceAt === undefined || now - state.lastBurstTraceAt >= s.minIntervalMs)) {
    state.lastBurstTraceAt = now;
    return 'burst';
  }
  if (s.baselineIntervalMs > 0 && (state.lastBaselineAt === undefined || now - state.lastBaselineAt >= s.baselineIntervalMs)) {
    state.lastBaselineAt = now;
    return 'baseline';
  }
  return undefined;
}
