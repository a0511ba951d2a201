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
 *   taken while bytes were held back makes the window look faster than R, never slower (measured
 *   through a 2 Mbit/s tbf with losses: the first mark after a 1 s warm-up gave 2.00 Mbit/s; the
 *   payload ceiling is 1.913). Such a mark lies below the chord from a mark before it to one after:
 *   it is not on the upper hull of the marks (upperHull). The probe starts the window at the
 *   EARLIEST candidate on the hull — clean, and the longest clean window, so a short event late in
 *   the transfer (a spurious retransmission costing the link a few tens of ms) weighs as little as
 *   it can, as in iperf3's whole-run figure. (The lowest rate over all candidates, used before, is
 *   clean too but picks the shortest window that holds such an event: CI read 1.892 Mbit/s over
 *   1.94 s where the clean runs read 1.912.) When no candidate is on the hull — the rate still
 *   rising through all of them, a long ramp-up — the lowest rate to the end is taken: the tightest
 *   of those upper bounds.
 * - Candidate starts: marks at least `warmupMs` after the first (TCP slow start, a shaper's
 *   initial burst) that leave at least half of the transfer's time after them. None (a short
 *   transfer): the first mark, which is clean — nothing can be held back before the first byte.
 * - End: the last mark. Both directions end their body cleanly (./transfer.ts), so by the last
 *   read every byte had arrived and nothing was held back: the end point is clean. But it may be
 *   late — the receiver's event loop busy, or a loss in the last few segments waiting out a
 *   retransmission timeout — so when the last read brought its bytes more slowly than the transfer
 *   ran, the read before it ends the window (endOf).
 *
 * Idle time (`idleMs`, idleIn below): the longest stretch after the warm-up when the link carried
 * none of these bytes, which lowers the reading by up to idleMs / windowMs; the probe marks a
 * reading whose idle time is more than STALL_TOLERANCE of its window (shared/src/throughput.ts).
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
  /** The longest stretch after the warm-up when the link carried none of these bytes (idleIn), ms. */
  idleMs: number;
  /** How much later the last read came than its bytes at this rate (0: the last read ends the window; see endOf), ms. */
  lateEndMs: number;
  /** The highest rate over any stretch of the window's upper hull at least half its length (bestHalfRate), bit/s. */
  bestHalfBps: number;
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
  if (first === undefined || last === undefined || marks.length < 2)
    return { ok: false, problem: 'the payload arrived in a single read: too little to time (raise sizeBytes)' };
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
  const end = endOf(marks, starts);
  const hull = upperHull(marks.filter((m) => m.tMs <= end.tMs));
  let start = starts.find((s) => s.tMs < end.tMs && hull.has(s)) ?? (starts[0] as ProgressMark);
  let bps = rateBetween(start, end);
  // No clean start on the hull (the rate still rising through every candidate: a long ramp-up):
  // the lowest rate to the end, the tightest of the upper bounds.
  if (!hull.has(start)) {
    for (const s of starts) {
      if (s.tMs >= end.tMs) continue;
      const r = rateBetween(s, end);
      if (r < bps) {
        bps = r;
        start = s;
      }
    }
  }
  const window = marks.filter((m) => m.tMs >= start.tMs && m.tMs <= end.tMs);
  const lateEndMs = end === last ? 0 : Math.max(0, last.tMs - end.tMs - ((last.bytes - end.bytes) * 8 * 1000) / bps);
  return {
    ok: true,
    value: {
      bps,
      bytes: end.bytes - start.bytes,
      windowMs: end.tMs - start.tMs,
      warmupMs: start.tMs - first.tMs,
      idleMs: idleIn(window, bps),
      lateEndMs,
      bestHalfBps: bestHalfRate([...upperHull(window)]),
    },
  };
}

/**
 * The marks on the upper concave hull of (time, bytes): those no chord between two other marks
 * passes above. A mark taken while bytes were held back (or read late) sits below the chord from a
 * mark before it to one after, so it is never on the hull; a clean mark on a steady stretch is. Marks
 * on one straight line all count (collinear ones are kept).
 */
export function upperHull(marks: readonly ProgressMark[]): Set<ProgressMark> {
  const hull: ProgressMark[] = [];
  for (const p of marks) {
    while (hull.length >= 2) {
      const o = hull[hull.length - 2] as ProgressMark;
      const a = hull[hull.length - 1] as ProgressMark;
      // a below the segment o → p: not on the upper hull.
      if ((a.tMs - o.tMs) * (p.bytes - o.bytes) - (a.bytes - o.bytes) * (p.tMs - o.tMs) > 0) hull.pop();
      else break;
    }
    hull.push(p);
  }
  return new Set(hull);
}

/**
 * The end of the window: the last read — unless it brought its bytes more slowly than the transfer
 * ran before it (by more than 1 %). The last bytes arrived before that read; the read was late (a
 * busy event loop on the receiving side), or the tail of the transfer crawled (a loss at the very
 * end waits for a retransmission timeout: nothing behind it to trigger a fast one). Either way it is
 * the transfer ending, not the link, so the read before it ends the window: it is clean too (bytes
 * held back there would make the last segment faster, not slower).
 */
function endOf(marks: readonly ProgressMark[], starts: readonly ProgressMark[]): ProgressMark {
  const last = marks[marks.length - 1] as ProgressMark;
  const prev = marks[marks.length - 2];
  const firstStart = starts[0] as ProgressMark;
  const latestStart = starts[starts.length - 1] as ProgressMark;
  if (marks.length < 3 || prev === undefined || prev.tMs <= latestStart.tMs || prev.bytes <= firstStart.bytes || !(last.tMs > prev.tMs)) return last;
  return rateBetween(prev, last) < 0.99 * rateBetween(firstStart, prev) ? prev : last;
}

/** Gaps between reads shorter than this are reading jitter, not stalls (Linux's shortest retransmission timeout is 200 ms). */
export const STALL_GAP_MS = 200;
/** Bytes held back during a gap are handed over within this long after it (TCP repairs a hole per round trip; measured ≤ ~1 s through a 400 ms queue). */
export const CATCH_UP_MS = 1500;

/**
 * The highest rate over any stretch between marks at least half the window long, given the
 * window's upper hull (rateOf): marks where no bytes were held back, so a loss TCP repaired (bytes
 * handed over late) lies below it and cannot inflate a stretch. On a steady link every such stretch
 * reads the same; a reading well below it lost link time later on (a retransmission timeout, the
 * sender pausing) even where idleIn under-reads the gap (CI, 2 Mbit/s: 1.659 Mbit/s over 5.6 s, the
 * link's rate 1.91, idleIn 489 ms). A stall in the first half leaves no hull mark after it but the
 * end, so there it is idleIn alone that sees it.
 */
export function bestHalfRate(window: readonly ProgressMark[]): number {
  const first = window[0];
  const last = window[window.length - 1];
  if (first === undefined || last === undefined || !(last.tMs > first.tMs)) return 0;
  const half = (last.tMs - first.tMs) / 2;
  let best = 0;
  let j = 0;
  for (let i = 0; i < window.length; i++) {
    const a = window[i] as ProgressMark;
    while (j < window.length && (window[j] as ProgressMark).tMs - a.tMs < half) j++;
    if (j >= window.length) break;
    best = Math.max(best, rateBetween(a, window[j] as ProgressMark));
  }
  return best;
}

/**
 * The idle time in `window` (from the rate's start to the last mark), ms at `bps`: the most the
 * reading can be low because the link carried none of these bytes for a while. Two ways it shows:
 *
 * - After a gap between reads (at least STALL_GAP_MS): bytes held back by TCP while it repairs a
 *   loss arrived during the gap and are handed over soon after it, so within CATCH_UP_MS the reads
 *   are back on the straight line from the read before the gap to the end. Bytes that never came (a
 *   retransmission timeout, the sender pausing) leave them below it by about bps × idle time.
 * - Near the end, where CATCH_UP_MS runs into the last mark: an idle stretch flattens the straight
 *   line from the start to the end, and the reads before it run ahead of that line by up to the
 *   idle time. (Bytes held back only put reads behind a line; ahead of it is impossible otherwise,
 *   since the start has the lowest rate to the end and the end is clean.)
 */
export function idleIn(window: readonly ProgressMark[], bps: number): number {
  const first = window[0];
  const last = window[window.length - 1];
  if (!(bps > 0) || first === undefined || last === undefined || !(last.tMs > first.tMs)) return 0;
  const windowMs = last.tMs - first.tMs;
  const slope = (last.bytes - first.bytes) / windowMs;
  let idleMs = 0;
  for (const m of window) {
    const ahead = m.bytes - (first.bytes + slope * (m.tMs - first.tMs));
    // For the link busy at R but for I ms after m: ahead = R_w·I·(t − start)/(W − I), which gives I.
    if (ahead > 0) idleMs = Math.max(idleMs, (ahead * windowMs) / (slope * (m.tMs - first.tMs) + ahead));
  }
  for (let i = 1; i < window.length; i++) {
    const a = window[i - 1] as ProgressMark;
    const b = window[i] as ProgressMark;
    if (b.tMs - a.tMs < STALL_GAP_MS) continue;
    const toEndMs = last.tMs - a.tMs;
    const lineRate = (last.bytes - a.bytes) / toEndMs;
    let j = i;
    while (j < window.length - 1 && (window[j] as ProgressMark).tMs < b.tMs + CATCH_UP_MS) j++;
    const c = window[j] as ProgressMark;
    const behind = a.bytes + lineRate * (c.tMs - a.tMs) - c.bytes;
    // The line to the end runs through the idle stretch too, so it hides part of it: for the link
    // busy at R but for I ms, behind = R·I·(1 − Δ/W) and lineRate = R·(W − I)/W (Δ: a to c, W: a to
    // the end), which gives I exactly.
    if (behind > 0) idleMs = Math.max(idleMs, (behind * toEndMs) / (lineRate * (toEndMs - (c.tMs - a.tMs)) + behind));
  }
  return idleMs;
}
