import { describe, expect, it } from 'vitest';
import { capProblems, checkIngestBody, refusedProblems } from '../../../collector/src/ingest/check.ts';
import { INGEST_LIMITS } from '../../../shared/src/wire.ts';

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const sample = (over: Record<string, unknown> = {}) => ({
  metric: 'icmp_rtt_avg_ms',
  labels: { check: 'icmp:gw', role: 'lan-gateway', target: '192.0.2.1' },
  ts: NOW - 1000,
  value: 1.25,
  ...over,
});

/** Envelope problems (a 400), else every problem of every refused sample. */
function problems(body: unknown): string[] {
  const r = checkIngestBody(body, NOW);
  if (!r.ok) return r.problems;
  const lines = refusedProblems(body, NOW);
  expect(r.refused.length > 0).toBe(lines.length > 0);
  return lines;
}

describe('checkIngestBody', () => {
  it('accepts a good body as is (no copy)', () => {
    const body = { batchId: 'a1:b-2.c_3', samples: [sample(), sample({ value: -0.5, ts: NOW + INGEST_LIMITS.maxFutureMs })] };
    const r = checkIngestBody(body, NOW);
    expect(r.ok && r.body).toBe(body);
    expect(r.ok && r.refused).toEqual([]);
  });

  it('stores the good samples of a batch and lists each refused one with its index, rule and first problem', () => {
    const body = {
      batchId: 'b',
      samples: [
        sample(),
        sample({ labels: { __site: 'x' } }),
        sample({ value: 2 }),
        sample({ ts: NOW + INGEST_LIMITS.maxFutureMs + 1, labels: { agent: 'a' } }),
        'junk',
      ],
    };
    const r = checkIngestBody(body, NOW);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.body.batchId).toBe('b');
    expect(r.body.samples).toEqual([body.samples[0], body.samples[2]]);
    expect(r.refused).toEqual([
      { index: 1, rule: 'label_reserved', problem: 'samples[1].labels.__site: reserved label name (names starting with __ are reserved)' },
      { index: 3, rule: 'ts_future', problem: expect.stringMatching(/^samples\[3\]\.ts: .* ahead of the collector's clock .* \(\+1 more\)$/) },
      { index: 4, rule: 'schema', problem: 'samples[4]: must be object (got string "junk")' },
    ]);
  });

  it('gives a problem text to the first 50 refused samples and the index alone to the rest', () => {
    const body = { batchId: 'b', samples: Array.from({ length: 120 }, (_, i) => (i % 2 === 0 ? sample() : sample({ labels: { practice: 'X' } }))) };
    const r = checkIngestBody(body, NOW);
    if (!r.ok) throw new Error('not ok');
    expect(r.body.samples).toHaveLength(60);
    expect(r.refused).toHaveLength(60);
    expect(r.refused.filter((x) => x.problem !== undefined)).toHaveLength(50);
    expect(r.refused.map((x) => x.index)).toEqual(Array.from({ length: 60 }, (_, i) => 2 * i + 1));
  });

  it.each([
    ['not an object', [1, 2], ['(root): must be object (got an array)']],
    ['missing samples', { batchId: 'b' }, ['samples: missing required key']],
    ['unknown top-level key', { batchId: 'b', samples: [], practice: 'X' }, ['practice: unknown key (allowed: batchId, samples)']],
    ['unknown sample key', { batchId: 'b', samples: [sample({ unit: 'ms' })] }, ['samples[0].unit: unknown key (allowed: metric, labels, ts, value)']],
    ['string value', { batchId: 'b', samples: [sample({ value: '1.5' })] }, ['samples[0].value: must be number (got string "1.5")']],
    ['null value', { batchId: 'b', samples: [sample({ value: null })] }, ['samples[0].value: must be number (got null)']],
    ['Infinity (1e999 in JSON)', { batchId: 'b', samples: [sample({ value: Infinity })] }, ['samples[0].value: must be number (got Infinity)']],
    ['fractional ts', { batchId: 'b', samples: [sample({ ts: NOW + 0.5 })] }, [`samples[0].ts: must be integer (got number ${NOW + 0.5})`]],
    ['bad metric name', { batchId: 'b', samples: [sample({ metric: 'rtt ms' })] }, ['samples[0].metric: must match pattern "^[a-zA-Z_:][a-zA-Z0-9_:]*$"']],
    ['bad batch id', { batchId: 'a b', samples: [] }, ['batchId: must match pattern "^[A-Za-z0-9._:-]+$"']],
    ['label value not a string', { batchId: 'b', samples: [sample({ labels: { port: 443 } })] }, ['samples[0].labels.port: must be string (got number 443)']],
    [
      'label name with a dash',
      { batchId: 'b', samples: [sample({ labels: { 'if-name': 'eth0' } })] },
      ['samples[0].labels.if-name: key must match pattern "^[a-zA-Z_][a-zA-Z0-9_]*$"'],
    ],
    [
      'over-long label value',
      { batchId: 'b', samples: [sample({ labels: { target: 'x'.repeat(257) } })] },
      ['samples[0].labels.target: must not have more than 256 characters'],
    ],
    ['over-long metric', { batchId: 'b', samples: [sample({ metric: 'm'.repeat(129) })] }, ['samples[0].metric: must not have more than 128 characters']],
    [
      'too many labels',
      { batchId: 'b', samples: [sample({ labels: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`l${i}`, 'v'])) })] },
      ['samples[0].labels: must not have more than 16 properties'],
    ],
    [
      'reserved practice label',
      { batchId: 'b', samples: [sample({ labels: { practice: 'B82002' } })] },
      ['samples[0].labels.practice: reserved label; the collector sets it from the token'],
    ],
    [
      'reserved agent label',
      { batchId: 'b', samples: [sample({ labels: { agent: 'other' } })] },
      ['samples[0].labels.agent: reserved label; the collector sets it from the token'],
    ],
    [
      '__ label name',
      { batchId: 'b', samples: [sample({ labels: JSON.parse('{"__proto__":"x"}') })] },
      ['samples[0].labels.__proto__: reserved label name (names starting with __ are reserved)'],
    ],
    [
      'ts too old',
      { batchId: 'b', samples: [sample({ ts: NOW - INGEST_LIMITS.maxAgeMs - 1 })] },
      [
        `samples[0].ts: ${NOW - INGEST_LIMITS.maxAgeMs - 1} (2025-10-21T11:59:59.999Z) is more than 400 days before the collector's clock (2026-11-25T12:00:00.000Z)`,
      ],
    ],
    [
      'ts in the future',
      { batchId: 'b', samples: [sample({ ts: NOW + INGEST_LIMITS.maxFutureMs + 1 })] },
      [
        `samples[0].ts: ${NOW + INGEST_LIMITS.maxFutureMs + 1} (2026-11-25T12:10:00.001Z) is more than 10 minutes ahead of the collector's clock (2026-11-25T12:00:00.000Z)`,
      ],
    ],
    [
      'absurd ts',
      { batchId: 'b', samples: [sample({ ts: 1e300 })] },
      ["samples[0].ts: 1e+300 (out of range) is more than 10 minutes ahead of the collector's clock (2026-11-25T12:00:00.000Z)"],
    ],
  ])('%s', (_name, body, expected) => {
    expect(problems(body)).toEqual(expected);
  });

  it('lists every problem of every sample', () => {
    const body = { batchId: 'b', samples: [sample({ value: 'x' }), sample(), sample({ ts: -1, labels: { agent: 'x' } })] };
    expect(problems(body)).toEqual([
      'samples[0].value: must be number (got string "x")',
      'samples[2].ts: must be >= 0',
      "samples[2].ts: -1 (1969-12-31T23:59:59.999Z) is more than 400 days before the collector's clock (2026-11-25T12:00:00.000Z)",
      'samples[2].labels.agent: reserved label; the collector sets it from the token',
    ]);
  });

  it('answers too many samples with the count alone, not one line per sample', () => {
    const samples = Array.from({ length: INGEST_LIMITS.maxSamples + 1 }, () => ({ bad: true }));
    const r = checkIngestBody({ batchId: 'b', samples, extra: 1 }, NOW);
    expect(r).toEqual({
      ok: false,
      samples: INGEST_LIMITS.maxSamples + 1,
      problems: [
        'extra: unknown key (allowed: batchId, samples)',
        `samples: must not have more than ${INGEST_LIMITS.maxSamples} items (got ${INGEST_LIMITS.maxSamples + 1}); send smaller batches`,
      ],
    });
  });

  it('caps the answer at 50 lines of at most 300 characters', () => {
    const lines = Array.from({ length: 120 }, (_, i) => `samples[${i}].value: ${'x'.repeat(i === 0 ? 400 : 5)}`);
    const capped = capProblems(lines);
    expect(capped).toHaveLength(51);
    expect(capped[0]).toHaveLength(300);
    expect(capped[0]?.endsWith('…')).toBe(true);
    expect(capped[50]).toBe('…and 70 more');
  });
});
