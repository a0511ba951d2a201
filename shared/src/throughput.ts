/**
 * The throughput test's contract between the agent's probe (agent/src/probes/throughput/) and the
 * collector's endpoints (collector/src/routes/throughput/, docs/api.md "Throughput test"): paths,
 * the upload's answer, and the progress marks both sides record while bytes arrive — so one rate
 * function on the agent reads a download (marks taken by the agent) and an upload (marks taken by
 * the collector) the same way.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Type, { type Static } from 'typebox';

export const THROUGHPUT_PATHS = { download: '/api/v1/throughput/download', upload: '/api/v1/throughput/upload' } as const;

export const THROUGHPUT_CONTENT_TYPE = 'application/octet-stream';

/** Most bytes one transfer may ever move, whatever a config says (the collector's cap is lower). */
export const THROUGHPUT_MAX_BYTES = 1_000_000_000;

/** Marks are at least this far apart (the last mark is always the latest reading). */
export const MARK_SPACING_MS = 50;
/**
 * Reads within this long of the first read of a burst are one reading (the burst's last). After a
 * stall (a busy event loop) the kernel hands over its backlog in several reads at once; only the
 * last of them says how much had arrived by then — a mark on the first would put bytes that arrived
 * earlier inside the measured window and overstate the rate.
 */
export const BURST_MS = 5;
/** A recorder thins its marks (every other one, spacing doubled) rather than hold more than this. */
export const MAX_MARKS = 1000;

export const ProgressMark = Type.Object(
  {
    tMs: Type.Number({ minimum: 0, description: "ms since the first payload byte arrived (that byte's read is tMs 0)." }),
    bytes: Type.Integer({ minimum: 0, description: 'Payload bytes arrived so far, this read included.' }),
  },
  { additionalProperties: false },
);
export type ProgressMark = Static<typeof ProgressMark>;

const Bytes = Type.Integer({
  minimum: 1,
  maximum: THROUGHPUT_MAX_BYTES,
  description: "Payload bytes of the transfer: at most this many are sent (download) or accepted (upload). Over the collector's throughput.maxBytes: 413.",
});

export const DownloadQuery = Type.Object(
  {
    bytes: Bytes,
    maxMs: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 120_000,
        description:
          "Stop sending this long after the first byte was written and end the body (bytes already on their way still arrive). Never more than the collector's throughput.maxDurationMs.",
      }),
    ),
  },
  { additionalProperties: false },
);
export type DownloadQuery = Static<typeof DownloadQuery>;

export const UploadQuery = Type.Object({ bytes: Bytes }, { additionalProperties: false });
export type UploadQuery = Static<typeof UploadQuery>;

export const UploadResult = Type.Object(
  {
    bytes: Type.Integer({ minimum: 0, description: 'Payload bytes the collector received.' }),
    durationMs: Type.Number({ minimum: 0, description: "From the first to the last payload byte, on the collector's clock." }),
    marks: Type.Array(ProgressMark, {
      maxItems: MAX_MARKS,
      description: 'Progress as the bytes arrived, oldest first (the agent computes the rate from them).',
    }),
  },
  { additionalProperties: false, description: 'What an upload measured on the collector side.' },
);
export type UploadResult = Static<typeof UploadResult>;

/**
 * Records (time, bytes so far) as payload arrives, bounded in memory: a burst of reads (BURST_MS)
 * is one reading; kept marks are at least MARK_SPACING_MS apart, and the latest reading is always
 * the last mark. `nowMs` is a monotonic clock.
 */
export class ProgressRecorder {
  #t0: number | undefined;
  /** When the burst the newest reading belongs to began (ms since t0). */
  #burstStart = 0;
  #spacingMs: number;
  readonly #maxMarks: number;
  /** Kept marks, spaced. */
  readonly #kept: ProgressMark[] = [];
  /** The latest reading when it is too close to the last kept mark to be kept itself. */
  #latest: ProgressMark | undefined;

  constructor(opts: { spacingMs?: number; maxMarks?: number } = {}) {
    this.#spacingMs = opts.spacingMs ?? MARK_SPACING_MS;
    this.#maxMarks = Math.max(4, opts.maxMarks ?? MAX_MARKS) - 1;
  }

  /** Called after each read with the running total. */
  record(nowMs: number, totalBytes: number): void {
    if (this.#t0 === undefined) this.#t0 = nowMs;
    const mark = { tMs: Math.max(0, nowMs - this.#t0), bytes: totalBytes };
    const lastKept = this.#kept[this.#kept.length - 1];
    if (lastKept !== undefined && mark.tMs - this.#burstStart < BURST_MS) {
      // Same burst: this reading replaces the one the burst began with.
      if (this.#latest !== undefined) this.#latest = mark;
      else this.#kept[this.#kept.length - 1] = mark;
      return;
    }
    this.#burstStart = mark.tMs;
    if (lastKept === undefined || mark.tMs - lastKept.tMs >= this.#spacingMs) {
      this.#kept.push(mark);
      this.#latest = undefined;
      if (this.#kept.length > this.#maxMarks) this.#thin();
    } else {
      this.#latest = mark;
    }
  }

  /** Keeps the first and every other one after it (and the newest reading); doubles the spacing. */
  #thin(): void {
    const last = this.#kept[this.#kept.length - 1];
    const kept = this.#kept.filter((_, i) => i % 2 === 0);
    // The newest reading is never thinned away.
    if (last !== undefined && kept[kept.length - 1] !== last) this.#latest ??= last;
    this.#kept.length = 0;
    this.#kept.push(...kept);
    this.#spacingMs *= 2;
  }

  #newest(): ProgressMark | undefined {
    return this.#latest ?? this.#kept[this.#kept.length - 1];
  }

  get bytes(): number {
    return this.#newest()?.bytes ?? 0;
  }

  /** From the first byte to the latest reading. */
  get durationMs(): number {
    return this.#newest()?.tMs ?? 0;
  }

  marks(): ProgressMark[] {
    const all = this.#latest === undefined ? this.#kept : [...this.#kept, this.#latest];
    return all.map((m) => ({ ...m }));
  }
}

/**
 * The label a throughput sample carries when its reading cannot be trusted as the link's rate; a
 * trusted reading has no such label. The agent's probe sets it (agent/src/probes/throughput/), the
 * monthly report leaves flagged readings out of "median / contracted" and counts them
 * (collector/src/reports/sections/link.ts). Append values, never rename.
 */
export const THROUGHPUT_READING_LABEL = 'reading';
export const THROUGHPUT_READINGS = {
  /** The direction ended before it could be timed long enough (sizeBytes or the collector's byte cap reached first): the link is at least this fast. */
  lowerBound: 'lower_bound',
  /** The link carried nothing for a while inside the timed window (a retransmission timeout, a pause): the reading is low by that much. */
  stalled: 'stalled',
  /** The receiving side's event loop ran late by more than the tolerance while bytes arrived: its timestamps may be late. */
  receiverBehind: 'receiver_behind',
} as const;
export type ThroughputReading = (typeof THROUGHPUT_READINGS)[keyof typeof THROUGHPUT_READINGS];

/**
 * A receiver whose event loop ran late by more than this fraction of the timed window marks the
 * reading `receiver_behind`. A late read at the end is found and left out by the rate itself
 * (agent/src/probes/throughput/rate.ts endOf) and a late one at the start cannot lower it; a
 * receiver away this long may have let TCP's window fill and paused the sender.
 */
export const READING_TOLERANCE = 0.1;
/**
 * An idle stretch longer than this fraction of the timed window marks the reading `stalled`. Wider
 * than READING_TOLERANCE because the receiver sees idle time only through its reads: through the
 * lab's 2 Mbit/s tbf link (a 400 ms queue, losses repaired over several round trips) clean runs,
 * whose readings were within 0.3 % of the link's payload rate, showed up to 5.4 % (agent/src/probes/throughput/README.md).
 */
export const STALL_TOLERANCE = 0.1;

/**
 * Response header of an upload's 200 answer: the collector's longest event-loop delay, in ms,
 * while the upload's bytes arrived (its timestamps can be late by up to that). Old agents ignore it.
 */
export const RECEIVER_LAG_HEADER = 'x-n3mon-receiver-lag-ms';

/**
 * Watches this process's event loop while bytes arrive: stop() gives the longest delay seen, in ms
 * — how late a read (and so a timestamp) can have been. Resolution 10 ms.
 */
export function watchReceiverLag(): { stop(): number } {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  let result: number | undefined;
  return {
    stop() {
      if (result === undefined) {
        h.disable();
        // The histogram counts the timer's own 10 ms resolution as part of each delay.
        result = h.count === 0 ? 0 : Math.max(0, Math.round(h.max / 1e6 - 10));
      }
      return result;
    },
  };
}
