// The sample rules are one function used by both sides: the agent's sample path and config check,
// and the collector's ingest check call shared/src/sample-rules.ts (spied on here), and the fast
// path (compiled schema + sampleWithinRules) agrees with the explanations on every case.
import { describe, expect, it, vi } from 'vitest';
import * as rules from '../../../shared/src/sample-rules.ts';
import { WireSample, INGEST_LIMITS } from '../../../shared/src/wire.ts';
import { checker } from '../../../shared/src/validate.ts';
import { AGENT_LABELS, RESERVED_LABELS, canonicalLabels, probeKindOfMetric } from '../../../shared/src/labels.ts';
import { METRICS } from '../../../shared/src/metrics.ts';

vi.mock('../../../shared/src/sample-rules.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../shared/src/sample-rules.ts')>();
  return { ...real, sampleProblems: vi.fn(real.sampleProblems), sampleWithinRules: vi.fn(real.sampleWithinRules), labelProblems: vi.fn(real.labelProblems) };
});

const { checkIngestBody } = await import('../../../collector/src/ingest/check.ts');
const { toWire } = await import('../../../agent/src/scheduler/run.ts');
const { parseAgentConfig } = await import('../../../agent/src/config/load.ts');

const NOW = Date.UTC(2026, 11, 7, 12);
const good = { metric: 'tcp_connect_ms', labels: { check: 'tcp:x', role: 'server', target: 'x' }, ts: NOW, value: 1 };

describe('one function on both sides', () => {
  it("the collector's ingest check and the agent's sample path both call the shared sampleWithinRules and sampleProblems", () => {
    const bad = { ...good, labels: { ...good.labels, __site: 'x' } };
    vi.mocked(rules.sampleProblems).mockClear();
    vi.mocked(rules.sampleWithinRules).mockClear();
    checkIngestBody({ batchId: 'b', samples: [good, bad] }, NOW);
    expect(vi.mocked(rules.sampleWithinRules).mock.calls.length).toBeGreaterThan(0);
    expect(vi.mocked(rules.sampleProblems).mock.calls.map((c) => c[0])).toEqual([bad]);

    vi.mocked(rules.sampleProblems).mockClear();
    vi.mocked(rules.sampleWithinRules).mockClear();
    toWire({ metric: 'tcp_connect_ms', value: 1, labels: { __site: 'x' } }, good.labels, NOW, NOW);
    expect(vi.mocked(rules.sampleWithinRules).mock.calls.length).toBeGreaterThan(0);
    expect(vi.mocked(rules.sampleProblems).mock.calls.map((c) => c[0])).toEqual([bad]);
  });

  it("check-config runs a check's labels through the shared labelProblems", () => {
    vi.mocked(rules.labelProblems).mockClear();
    expect(() =>
      parseAgentConfig(
        {
          collector: { url: 'http://127.0.0.1:1', token: 'x'.repeat(20) },
          checks: [{ kind: 'tcp', target: '127.0.0.1:1', role: 'server', labels: { site: 'A' } }],
        },
        't',
      ),
    ).not.toThrow();
    expect(vi.mocked(rules.labelProblems).mock.calls).toEqual([[{ site: 'A' }, 'checks[0].labels']]);
  });
});

describe('the fast path and the explanations agree', () => {
  const isWire = checker(WireSample);
  const { oldest, newest } = rules.tsWindow(NOW);
  const cases: Array<[string, unknown]> = [
    ['good', good],
    ['every agent label', { ...good, labels: Object.fromEntries(AGENT_LABELS.slice(0, INGEST_LIMITS.maxLabels).map((n) => [n, 'v'])) }],
    ...RESERVED_LABELS.map((n): [string, unknown] => [`reserved ${n}`, { ...good, labels: { [n]: 'v' } }]),
    ['__ prefix', { ...good, labels: { __x: 'v' } }],
    ['_ prefix alone is fine', { ...good, labels: { _x: 'v' } }],
    ['NaN', { ...good, value: Number.NaN }],
    ['Infinity', { ...good, value: Number.POSITIVE_INFINITY }],
    ['at the future limit', { ...good, ts: newest }],
    ['past the future limit', { ...good, ts: newest + 1 }],
    ['at the age limit', { ...good, ts: oldest }],
    ['past the age limit', { ...good, ts: oldest - 1 }],
    ['17 labels', { ...good, labels: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`l${i}`, 'v'])) }],
    ['long value', { ...good, labels: { a: 'v'.repeat(INGEST_LIMITS.maxLabelValueLength + 1) } }],
    ['bad metric', { ...good, metric: '1abc' }],
    ['extra key', { ...good, unit: 'ms' }],
  ];
  it.each(cases)('%s', (_name, sample) => {
    const fast = isWire(sample) && rules.sampleWithinRules(sample, oldest, newest);
    expect(rules.sampleProblems(sample, NOW).length === 0).toBe(fast);
  });
});

describe('facts defined once', () => {
  it("a series' probe kind comes from the metric catalog, never a label", () => {
    for (const [name, info] of Object.entries(METRICS)) expect(probeKindOfMetric(name)).toBe(info.source === 'any' ? undefined : info.source);
    expect(probeKindOfMetric('not_a_metric')).toBeUndefined();
  });
  it('the HTTP phase list, the ODS code pattern and the label key are the shared ones on both sides', async () => {
    const { HTTP_PHASES } = await import('../../../shared/src/metrics.ts');
    const { ODS_PATTERN, ODS_PATTERN_ANY_CASE } = await import('../../../shared/src/ods.ts');
    expect((await import('../../../agent/src/probes/http/phases.ts')).PHASES).toBe(HTTP_PHASES);
    expect((await import('../../../collector/src/reports/rules.ts')).ACCOUNTING.httpPhases).toBe(HTTP_PHASES);
    expect((await import('../../../collector/src/config/schema.ts')).OdsPattern).toBe(ODS_PATTERN);
    expect((await import('../../../collector/src/evaluation/profile-schema.ts')).ODS_PATTERN).toBe(ODS_PATTERN_ANY_CASE);
    expect((await import('../../../agent/src/spool/spool.ts')).labelKey).toBe(canonicalLabels);
    expect((await import('../../../collector/src/storage/labels.ts')).canonicalLabels).toBe(canonicalLabels);
  });

  it('the canonical label key sorts keys and ignores their order', () => {
    expect(canonicalLabels({ b: '2', a: '1' })).toBe('{"a":"1","b":"2"}');
    expect(canonicalLabels({ a: '1', b: '2' })).toBe(canonicalLabels({ b: '2', a: '1' }));
    expect(canonicalLabels({})).toBe('{}');
  });
});
