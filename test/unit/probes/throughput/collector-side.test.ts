/** The collector's `throughput` config section and the payload source/sink of its endpoints. */
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseCollectorConfig } from '../../../../collector/src/config/load.ts';
import { isN3monError } from '../../../../shared/src/errors.ts';
import type { Clock } from '../../../../shared/src/clock.ts';
import { randomPayload, receiveUpload } from '../../../../collector/src/routes/throughput/payload.ts';

function problemsOf(value: unknown): string[] {
  try {
    parseCollectorConfig(value, 'collector.yaml');
  } catch (err) {
    if (isN3monError(err, 'N3MON_ERR_CONFIG_INVALID')) return [...err.problems];
    throw err;
  }
  return [];
}

describe('collector config: throughput', () => {
  it('defaults: on, 25 MB per transfer, 2 at once, 6 per agent per hour, 60 s', () => {
    expect(parseCollectorConfig({}, 'collector.yaml').throughput).toEqual({
      enabled: true,
      maxBytes: 25_000_000,
      maxConcurrent: 2,
      perAgentPerHour: 6,
      maxDurationMs: 60_000,
    });
  });

  it('every bad value and unknown key as `path: message`', () => {
    expect(problemsOf({ throughput: { enabled: 'yes', maxBytes: 10, maxConcurrent: 0, perAgentPerHour: 1.5, maxDurationMs: 100_000, burst: 3 } })).toEqual([
      'throughput.enabled: must be boolean (got string "yes")',
      'throughput.maxBytes: must be >= 100000',
      'throughput.maxConcurrent: must be >= 1',
      'throughput.perAgentPerHour: must be integer (got number 1.5)',
      'throughput.maxDurationMs: must be <= 85000',
      'throughput.burst: unknown key (allowed: enabled, maxBytes, maxConcurrent, perAgentPerHour, maxDurationMs)',
    ]);
  });
});

function steppingClock(stepMs: number): Clock {
  let t = 0;
  return { now: () => t, monotonic: () => (t += stepMs) };
}

async function drain(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

describe('download payload', () => {
  it('is exactly `bytes` of data that does not compress', async () => {
    const body = await drain(randomPayload({ bytes: 300_000, stopAfterMs: 60_000, clock: steppingClock(0) }));
    expect(body.length).toBe(300_000);
    expect(gzipSync(body).length).toBeGreaterThan(body.length * 0.99);
  });

  it('ends cleanly (a shorter body) once stopAfterMs has passed since the first chunk', async () => {
    // Each chunk is made 100 ms after the previous one on this clock: 10 chunks fit in 1000 ms.
    const body = await drain(randomPayload({ bytes: 10_000_000, stopAfterMs: 1000, clock: steppingClock(100), chunkBytes: 1000 }));
    expect(body.length).toBe(10 * 1000);
  });
});

describe('upload sink', () => {
  const clock = steppingClock(10);
  const chunks = (n: number, size: number) => Readable.from(Array.from({ length: n }, () => Buffer.alloc(size, 1)));

  it('counts and times what arrives, keeping no chunk', async () => {
    const r = await receiveUpload(chunks(20, 1000), { limit: 20_000, maxDurationMs: 60_000, clock });
    expect(r.kind).toBe('done');
    if (r.kind !== 'done') return;
    expect(r.result.bytes).toBe(20_000);
    expect(r.result.marks[0]).toEqual({ tMs: 0, bytes: 1000 });
    expect(r.result.marks.at(-1)).toEqual({ tMs: 190, bytes: 20_000 });
    expect(r.result.durationMs).toBe(190);
  });

  it('stops at the first byte over the declared size', async () => {
    expect(await receiveUpload(chunks(20, 1000), { limit: 5500, maxDurationMs: 60_000, clock })).toEqual({ kind: 'too_large', bytes: 6000 });
  });

  it('a body that breaks off is abandoned, not answered', async () => {
    const broken = new Readable({ read() {} });
    broken.push(Buffer.alloc(100));
    const received = receiveUpload(broken, { limit: 1000, maxDurationMs: 60_000, clock });
    setImmediate(() => broken.destroy(new Error('aborted')));
    expect(await received).toEqual({ kind: 'aborted', bytes: 100 });
  });
});
