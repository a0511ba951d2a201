/**
 * The rate of one transfer from its progress marks (pure). Marks are (ms since the first payload
 * byte was read, bytes read so far) — taken by the agent for a download, by the collector for an
 * upload. Connection set-up, TLS and the request are before the first mark, so never counted.
 *
 * Between two marks s and e the rate is (bytes_e − bytes_s) × 8 / (t_e − t_s). Which two:
 *
 * - The application sees a byte at or after it crossed the link, never before: TCP holds segments
 *   that arrive behind a lost one until the loss is repaired (a round trip later, through any
 *   queue), and a busy event loop reads late. So for a link running steadily at R, a start mark
 *   taken while bytes were held back makes the window look faster than R, never slower. The
 *   probe therefore takes, over the candidate starts, the LOWEST rate to the end: the tightest of
 *   those upper bounds (it is R when some start saw nothing held back). Measured through a 2 Mbit/s
 *   tbf with losses: the first mark after a 1 s warm-up gave 2.00 Mbit/s, the lowest 1.912 — the
 *   payload ceiling is 1.913.
 * - Candidate starts: marks at least `warmupMs` after the first (TCP slow start, a shaper's
 *   initial burst) that leave at least half of the transfer's time after them. None (a short
 *   transfer): the first mark, which is clean — nothing can be held back before the first byte.
 * - End: the last mark. Both directions end their body cleanly (./transfer.ts), so by the last
 *   read every byte had arrived and nothing was held back: the end point is clean.
 *
 * Idle time (`idleMs`, idleIn below): time in the window when the link carried none of these
 * bytes, which lowers the reading by idleMs / windowMs; the probe marks a reading whose idle time
 * is more than READING_TOLERANCE of its window (shared/src/throughput.ts).
 */
import type { ProgressMark } from '../../../../shared/src/throughput.ts';

export interface Rate {
  /** Payload bits per second over the window. */
  bps: number;
  /** Bytes counted in the window. */
  bytes: number;
  /** Length of the window, ms. */
  windowMs: number;
  /** Time left out before the window, ms (0: the whole transfer from its first read). */
  warmupMs: number;
  /** Time inside the window when the link carried none of these bytes (see above), ms. */
  idleMs: number;
}



export type RateResult = { ok: true; value: Rate } | { ok: false; problem: string };

export interface RateOptions {
  /** Left out at the start (slow start, a shaper's initial burst); 0: the whole transfer. */
  warmupMs: number;
}

const rateBetween = (s: ProgressMark, e: ProgressMark): number => ((e.bytes - s.bytes) * 8 * 1000) / (e.tMs - s.tMs);

export function rateOf(marks: readonly ProgressMark[], opts: RateOptions): RateResult {
  const first = marks[0];
  const last = marks[marks.length - 1];
  if (first === undefined || last === undefined || marks.length < 2) return { ok: false, problem: 'the payload arrived in a single read: too little to time (raise sizeBytes)' };
  for (let i = 1; i < marks.length; i++) {
    const a = marks[i - 1] as ProgressMark;
    const b = marks[i] as ProgressMark;
    if (b.tMs < a.tMs || b.bytes < a.bytes) return { ok: false, problem: `progress marks go backwards at mark ${i}` };
  }
  const totalMs = last.tMs - first.tMs;
  if (!(totalMs > 0) || last.bytes <= first.bytes) return { ok: false, problem: 'the payload arrived all at once: too little to time (raise sizeBytes)' };

  let starts = marks.filter((m) => m.tMs - first.tMs >= opts.warmupMs && (last.tMs - m.tMs) * 2 >= totalMs && last.bytes > m.bytes);
  // warmupMs 0, or a transfer too short to afford the warm-up: the whole transfer from its first read.
  if (opts.warmupMs <= 0 || starts.length === 0) starts = [first];
  let start = starts[0] as ProgressMark;
  let bps = rateBetween(start, last);
  for (const s of starts) {
    const r = rateBetween(s, last);
    if (r < bps) {
      bps = r;
      start = s;
    }
  }
  // Idle time over everything after the warm-up, not only the chosen window: the lowest rate's start
  // tends to sit just before an idle stretch, where the window alone would not show it.
  const window = marks.filter((m) => m.tMs >= (starts[0] as ProgressMark).tMs);
  return { ok: true, value: { bps, bytes: last.bytes - start.bytes, windowMs: last.tMs - start.tMs, warmupMs: start.tMs - first.tMs, idleMs: idleIn(window, bps) } };
}

/**
 * Idle time in a window of marks read at `bps` (its rate from first to last mark), ms: how far the
 * reads run AHEAD of the straight line from the window's first mark to its last, in ms at `bps`.
 * On a link that stayed busy the reads sit on that line or fall behind it for a while (bytes held
 * back while TCP repairs a loss, handed over when it is repaired); they cannot run ahead, since the
 * end is clean. When the link carried nothing for I ms at time t (a retransmission timeout, the
 * sender pausing), the line is flatter than the link and the reads before t run ahead of it by
 * about I × (t − start) / window: idle near the end shows whole, idle near the start (already
 * mostly past the warm-up) shows less.
 */
export function idleIn(window: readonly ProgressMark[], bps: number): number {
  const first = window[0];
  const last = window[window.length - 1];
  if (!(bps > 0) || first === undefined || last === undefined || !(last.tMs > first.tMs)) return 0;
  const slope = (last.bytes - first.bytes) / (last.tMs - first.tMs);
  let ahead = 0;
  for (const m of window) ahead = Math.max(ahead, m.bytes - (first.bytes + slope * (m.tMs - first.tMs)));
  return (ahead * 8 * 1000) / bps;
}
