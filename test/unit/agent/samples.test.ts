// Pure sample shaping: the agent's own metrics, and what a probe sample must be to go on the wire.
import { describe, expect, it } from 'vitest';
import { selfMetricSamples } from '../../../agent/src/self-metrics.ts';
import { toWire } from '../../../agent/src/scheduler/run.ts';
import type { SpoolStats } from '../../../agent/src/spool/spool.ts';

const spool: SpoolStats = { samples: 1234, oldestTs: 1_000_000, newestSeq: 99, droppedTotal: 7, rejectedBatchesTotal: 0, rejectedSamplesTotal: 0, usedBytes: 0, fileBytes: 0, maxBytes: 1 };
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

describe('toWire', () => {
  const base = { check: 'tcp:x', target: 'x', role: 'national-app' };

  it('merges base and sample labels and defaults ts to the run start', () => {
    expect(toWire({ metric: 'http_phase_ms', value: 3, labels: { phase: 'tls' } }, base, 42)).toEqual({ metric: 'http_phase_ms', labels: { ...base, phase: 'tls' }, ts: 42, value: 3 });
  });

  it('refuses what the collector would refuse, so one bad sample never poisons a batch', () => {
    expect(toWire({ metric: 'http_total_ms', value: Number.POSITIVE_INFINITY }, base, 1)).toBe('value Infinity is not a finite number');
    expect(toWire({ metric: 'http_total_ms', value: 1, labels: { agent: 'me' } }, base, 1)).toBe('label agent is reserved for the collector');
    expect(toWire({ metric: 'http_total_ms', value: 1, labels: { 'bad-key': 'x' } }, base, 1)).toBe('labels or ts out of the ingest limits');
    expect(toWire({ metric: 'http_total_ms', value: 1, labels: { long: 'x'.repeat(300) } }, base, 1)).toBe('labels or ts out of the ingest limits');
    expect(toWire({ metric: 'http_total_ms', value: 1, ts: -5 }, base, 1)).toBe('labels or ts out of the ingest limits');
  });
});
