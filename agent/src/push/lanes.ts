/**
 * Which samples go in the next batch (pure; unit-tested). The delivery rule, also in
 * agent/README.md:
 *
 * - Normal mode: send the oldest pending samples, up to batchSamples, oldest first.
 * - If, when a batch is formed, more than one batch's worth is waiting (the collector was away),
 *   enter backlog mode and draw a line — the `floor` — at the newest sample spooled so far.
 *   Everything at or below the floor is the backlog; everything spooled after it is live.
 * - In backlog mode the two lanes alternate, one batch each: backlog (oldest first), then live
 *   (oldest live first), then backlog… A lane with nothing pending gives its turn to the other.
 *   So a fresh sample waits behind at most one backlog batch, never behind the whole backlog,
 *   and the backlog still drains oldest first at (at least) every other request.
 * - When the backlog is empty, back to normal mode (the live lane simply becomes the queue).
 *
 * Each lane is a contiguous run of spool sequence numbers, so a batch is fully described by
 * (afterSeq, throughSeq, limit) — which is what makes its boundaries persistable.
 */

export type Lane = 'normal' | 'backlog' | 'live';

export interface LaneState {
  /** Newest seq that belongs to the backlog; undefined in normal mode. */
  readonly floor: number | undefined;
  /** Whose turn it is in backlog mode. */
  readonly turn: 'backlog' | 'live';
}

export const INITIAL_LANE_STATE: LaneState = { floor: undefined, turn: 'backlog' };

/** What the planner needs to know about the spool's pending (unacknowledged) samples. */
export interface QueueView {
  /** Number of pending samples. */
  readonly pending: number;
  /** Highest seq ever spooled (0 when nothing ever was). */
  readonly newestSeq: number;
  /** Is any pending sample's seq ≤ seq? */
  hasAtOrBelow(seq: number): boolean;
  /** Is any pending sample's seq > seq? */
  hasAbove(seq: number): boolean;
}

/** Rows with afterSeq < seq ≤ throughSeq, oldest first, at most `limit`. */
export interface BatchSelection {
  readonly lane: Lane;
  readonly afterSeq: number;
  readonly throughSeq: number;
  readonly limit: number;
}

export interface Plan {
  readonly selection: BatchSelection | undefined;
  readonly state: LaneState;
}

export function planBatch(state: LaneState, view: QueueView, batchSamples: number): Plan {
  if (view.pending === 0) return { selection: undefined, state: INITIAL_LANE_STATE };
  let { floor, turn } = state;
  if (floor !== undefined && !view.hasAtOrBelow(floor)) floor = undefined; // backlog drained
  if (floor === undefined && view.pending > batchSamples) {
    floor = view.newestSeq;
    turn = 'backlog';
  }
  if (floor === undefined) {
    return { selection: { lane: 'normal', afterSeq: 0, throughSeq: view.newestSeq, limit: batchSamples }, state: INITIAL_LANE_STATE };
  }
  const lane = turn === 'live' && view.hasAbove(floor) ? 'live' : 'backlog';
  const selection: BatchSelection =
    lane === 'live'
      ? { lane, afterSeq: floor, throughSeq: view.newestSeq, limit: batchSamples }
      : { lane, afterSeq: 0, throughSeq: floor, limit: batchSamples };
  return { selection, state: { floor, turn: lane === 'live' ? 'backlog' : 'live' } };
}
