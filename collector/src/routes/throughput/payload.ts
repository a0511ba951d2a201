/**
 * The bytes of a throughput test: an incompressible (random) source for downloads, and a counting
 * sink for uploads that discards every chunk as it arrives — nothing is buffered beyond the
 * stream's own high-water mark.
 */
import { randomFillSync } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Clock } from '../../../../shared/src/clock.ts';
import { ProgressRecorder, watchReceiverLag, type UploadResult } from '../../../../shared/src/throughput.ts';

export const PAYLOAD_CHUNK_BYTES = 64 * 1024;

/**
 * At most `bytes` of random data, made a chunk at a time as the socket drains (so a slow reader
 * costs no memory); production stops `stopAfterMs` after the first chunk, and the stream ends
 * cleanly — the reader sees a complete (chunked) body, shorter than asked. Random, not a repeated
 * block: a compressing or de-duplicating middlebox must not make the link look faster than it is.
 */
export function randomPayload(opts: { bytes: number; stopAfterMs: number; clock: Clock; chunkBytes?: number; onChunk?: (bytes: number) => void }): Readable {
  const chunkBytes = opts.chunkBytes ?? PAYLOAD_CHUNK_BYTES;
  let left = opts.bytes;
  let startedAt: number | undefined;
  return new Readable({
    highWaterMark: chunkBytes,
    read() {
      const now = opts.clock.monotonic();
      startedAt ??= now;
      if (left <= 0 || now - startedAt >= opts.stopAfterMs) {
        this.push(null);
        return;
      }
      const n = Math.min(chunkBytes, left);
      left -= n;
      opts.onChunk?.(n);
      this.push(randomFillSync(Buffer.allocUnsafe(n)));
    },
  });
}

export type Received =
  /** `receiverLagMs`: this process's longest event-loop delay while the bytes arrived. */
  | { kind: 'done'; result: UploadResult; receiverLagMs: number }
  /** More than `limit` bytes arrived; reading stopped. */
  | { kind: 'too_large'; bytes: number }
  /** The client went away before the end of the body. */
  | { kind: 'aborted'; bytes: number }
  /** Still arriving after maxDurationMs; reading stopped. */
  | { kind: 'cut'; bytes: number };

/** Reads an upload to its end, counting and timing, never keeping a chunk. */
export function receiveUpload(body: Readable, opts: { limit: number; maxDurationMs: number; clock: Clock }): Promise<Received> {
  const { limit, maxDurationMs, clock } = opts;
  const progress = new ProgressRecorder();
  let total = 0;
  const lag = watchReceiverLag();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: Received): void => {
      if (settled) return;
      settled = true;
      lag.stop();
      clearTimeout(timer);
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('close', onClose);
      if (r.kind !== 'done') body.pause();
      resolve(r);
    };
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total > limit) {
        finish({ kind: 'too_large', bytes: total });
        return;
      }
      progress.record(clock.monotonic(), total);
    };
    const onEnd = (): void =>
      finish({
        kind: 'done',
        receiverLagMs: lag.stop(),
        result: { bytes: total, durationMs: round3(progress.durationMs), marks: progress.marks().map((m) => ({ tMs: round3(m.tMs), bytes: m.bytes })) },
      });
    const onClose = (): void => finish({ kind: 'aborted', bytes: total });
    const timer = setTimeout(() => finish({ kind: 'cut', bytes: total }), maxDurationMs);
    // An error is followed by close; only close decides (aborted), so the error needs no handling beyond being caught.
    body.on('error', () => finish({ kind: 'aborted', bytes: total }));
    body.on('data', onData);
    body.once('end', onEnd);
    body.once('close', onClose);
  });
}

function round3(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
