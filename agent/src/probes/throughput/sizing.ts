/**
 * How big each transfer of a direction is (pure): start small and grow until a transfer lasts long
 * enough to time, as speed tests do, never past the check's sizeBytes. A slow link is measured by
 * the first, small transfer (a 2 Mbit/s line moves 2 MB in ~8 s) instead of spending sizeBytes; a
 * fast one grows to sizeBytes, and if even that ends too soon to time, the reading is a lower
 * bound (the probe says so in the sample) rather than no reading at all.
 */

/**
 * The first transfer of a direction, or sizeBytes when that is smaller. 2 MB: at 2 Mbit/s it lasts
 * ~8 s, a timed window of ~4–7 s after the warm-up, as long as iperf3's 8-second reference run
 * (issue 18); with 1 MB (~4 s, a ~2 s window) one short loss of link time late in the transfer cost
 * a reading 1 % (CI: 1.892 against 1.912 Mbit/s).
 */
export const FIRST_BYTES = 2_000_000;
/** A transfer is long enough to time when it lasts the warm-up plus this (or was stopped by maxDurationMs). */
export const MIN_WINDOW_MS = 2000;
/** Most transfers per direction (each one is charged to the collector's throughput.perAgentPerHour). */
export const MAX_STEPS = 3;
/** A growth step grows by at least this factor. */
const MIN_GROWTH = 4;

export interface StepOutcome {
  bytes: number;
  /** From the first payload byte to the last, ms (0: it all came in one read). */
  durationMs: number;
  /** The agent's time for the whole transfer (connection up to the end), ms. */
  elapsedMs: number;
  /** Sending stopped at maxDurationMs, before sizeBytes. */
  stoppedEarly: boolean;
}

export const firstSize = (sizeBytes: number): number => Math.min(sizeBytes, FIRST_BYTES);

/** True when the transfer lasted long enough to be timed. */
export function longEnough(step: StepOutcome, warmupMs: number): boolean {
  return step.stoppedEarly || step.durationMs >= warmupMs + MIN_WINDOW_MS;
}

/**
 * The next transfer's size after `step` (which asked for `size`), or undefined when there is none
 * (the step was long enough, or it already asked for sizeBytes): aimed at twice the time needed, at the rate the step
 * showed (its bytes over its whole elapsed time: a low estimate on a fast link, hence the minimum
 * growth), the last allowed step going straight to sizeBytes.
 */
export function nextSize(step: StepOutcome, o: { size: number; sizeBytes: number; warmupMs: number; stepIndex: number }): number | undefined {
  if (longEnough(step, o.warmupMs) || o.size >= o.sizeBytes) return undefined;
  if (o.stepIndex + 1 >= MAX_STEPS - 1) return o.sizeBytes;
  const bytesPerMs = step.bytes / Math.max(step.elapsedMs, step.durationMs, 1);
  const aim = Math.ceil(bytesPerMs * 2 * (o.warmupMs + MIN_WINDOW_MS));
  return Math.min(o.sizeBytes, Math.max(o.size * MIN_GROWTH, aim));
}
