// Pure sample shaping: the agent's own metrics, and what a probe sample must be to go on the wire.
import { describe, expect, it } from 'vitest';
import { selfMetricSamples } from '../../../agent/src/self-metrics.ts';
import { toWire } from '../../../agent/src/scheduler/run.ts';
import type { SpoolStats } from '../../../agent/src/spool/spool.ts';

const spool: SpoolStats = {
  samples: 1234,
  oldestTs: 1_000_000,
  newestSeq: 99,
  droppedTotal: 7,
  rejectedBatchesTotal: 0,
  rejectedSamplesTotal: 0,
  rejectedByCheck: {},
  usedBytes: 0,
  fileBytes: 0,
  maxBytes: 1,
};
const labels = { check: 'agent', role: 'server', target: 'ps1' };

describe('selfMetricSamples', () => {
  it('reports the spool, its oldest sample age, drops and the clock skew, labelled as the agent', () => {
    expect(selfMetricSamples({ now: 1_090_500, spool, clockSkewMs: -250, hostname: 'ps1' })).toEqual([
      { metric: 'agent_spool_samples', labels, ts: 1_090_500, value: 1234 },
      { metric: 'agent_spool_oldest_age_s', labels, ts: 1_090_500, value: 90.5 },
      { metric: 'agent_dropped_samples_total', labels, ts: 1_090_500, value: 7 },
      { metric: 'agent_clock_skew_ms', labels, ts: 1_090_500, value: -250 },
    ]);
  });

  it('says age 0 for an empty spool and leaves out the skew until a push was acknowledged', () => {
    const out = selfMetricSamples({ now: 5, spool: { ...spool, samples: 0, oldestTs: undefined }, clockSkewMs: undefined, hostname: 'ps1' });
    expect(out.map((s) => [s.metric, s.value])).toEqual([
      ['agent_spool_samples', 0],
      ['agent_spool_oldest_age_s', 0],
      ['agent_dropped_samples_total', 7],
    ]);
  });
});

describe('selfMetricSamples: samples set aside', () => {
  it('sends agent_rejected_samples_total per check that had samples set aside', () => {
    const out = selfMetricSamples({ now: 5, spool: { ...spool, rejectedByCheck: { 'icmp:gw': 3, 'http:eps': 1 } }, clockSkewMs: undefined, hostname: 'ps1' });
    expect(out.filter((s) => s.metric === 'agent_rejected_samples_total')).toEqual([
      { metric: 'agent_rejected_samples_total', labels: { ...labels, fromCheck: 'icmp:gw' }, ts: 5, value: 3 },
      { metric: 'agent_rejected_samples_total', labels: { ...labels, fromCheck: 'http:eps' }, ts: 5, value: 1 },
    ]);
  });
});

describe('toWire', () => {
  const base = { check: 'tcp:x', target: 'x', role: 'national-app' };
  const NOW = Date.UTC(2026, 11, 7, 12);

  it('merges base and sample labels and defaults ts to the run start', () => {
    expect(toWire({ metric: 'http_phase_ms', value: 3, labels: { phase: 'tls' } }, base, NOW - 5, NOW)).toEqual({
      metric: 'http_phase_ms',
      labels: { ...base, phase: 'tls' },
      ts: NOW - 5,
      value: 3,
    });
  });

  it("refuses what the collector would refuse, with the collector's own words, so one bad sample never poisons a batch", () => {
    const refused = (s: Parameters<typeof toWire>[0]) => {
      const r = toWire(s, base, NOW, NOW);
      return 'problems' in r ? [r.rule, r.problems[0]] : undefined;
    };
    expect(refused({ metric: 'http_total_ms', value: Number.POSITIVE_INFINITY })).toEqual(['schema', 'value: must be number (got Infinity)']);
    expect(refused({ metric: 'http_total_ms', value: Number.NaN })).toEqual(['schema', 'value: must be number (got NaN)']);
    expect(refused({ metric: 'http_total_ms', value: 1, labels: { agent: 'me' } })).toEqual([
      'label_reserved',
      'labels.agent: reserved label; the collector sets it from the token',
    ]);
    expect(refused({ metric: 'http_total_ms', value: 1, labels: { __site: 'me' } })).toEqual([
      'label_reserved',
      'labels.__site: reserved label name (names starting with __ are reserved)',
    ]);
    expect(refused({ metric: 'http_total_ms', value: 1, labels: { 'bad-key': 'x' } })).toEqual([
      'schema',
      'labels.bad-key: key must match pattern "^[a-zA-Z_][a-zA-Z0-9_]*$"',
    ]);
    expect(refused({ metric: 'http_total_ms', value: 1, labels: { long: 'x'.repeat(300) } })).toEqual([
      'schema',
      'labels.long: must not have more than 256 characters',
    ]);
    expect(refused({ metric: 'http_total_ms', value: 1, ts: -5 })?.[0]).toBe('schema');
    expect(refused({ metric: 'http_total_ms', value: 1, ts: NOW + 86_400_000 })?.[0]).toBe('ts_future');
    expect(refused({ metric: 'no_such_metric' as 'http_total_ms', value: 1 })?.[0]).toBe('unknown_metric');
  });
});
