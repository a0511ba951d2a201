import { describe, expect, it } from 'vitest';
import { autoStep, parseInstant, parseStep, resolveRange, MAX_POINTS } from '../../../collector/src/routes/practices/time.ts';
import { labelFilters } from '../../../collector/src/routes/practices/series.ts';

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);

describe('series query parsing', () => {
  it('reads instants as epoch ms or ISO 8601', () => {
    expect(parseInstant('1795608000000')).toBe(1795608000000);
    expect(parseInstant('2026-11-01')).toBe(Date.UTC(2026, 10, 1));
    expect(parseInstant('2026-11-01T08:30:00Z')).toBe(Date.UTC(2026, 10, 1, 8, 30));
    expect(parseInstant('2026-11-01T08:30:00+01:00')).toBe(Date.UTC(2026, 10, 1, 7, 30));
    expect(parseInstant('yesterday')).toBeUndefined();
    expect(parseInstant('2026-13-45')).toBeUndefined();
    expect(parseInstant('-5')).toBeUndefined();
  });

  it('reads steps as ms or with a unit', () => {
    expect(parseStep('60000')).toBe(60_000);
    expect(parseStep('30s')).toBe(30_000);
    expect(parseStep('1m')).toBe(60_000);
    expect(parseStep('1h')).toBe(3_600_000);
    expect(parseStep('1d')).toBe(86_400_000);
    expect(parseStep('1.5m')).toBeUndefined();
    expect(parseStep('m')).toBeUndefined();
  });

  it('defaults to the last hour with a step giving about 300 points', () => {
    expect(resolveRange({}, NOW)).toEqual({ ok: true, from: NOW - 3_600_000, to: NOW, stepMs: 15_000 });
    expect(autoStep(86_400_000)).toBe(300_000);
    expect(autoStep(31 * 86_400_000)).toBe(10_800_000);
  });

  it('says what is wrong with from/to/step', () => {
    expect(resolveRange({ from: 'x', to: 'y', step: '5 minutes' }, NOW)).toEqual({
      ok: false,
      problems: [
        'query.to: "y" is not epoch ms or an ISO 8601 time',
        'query.from: "x" is not epoch ms or an ISO 8601 time',
        'query.step: "5 minutes" is not a duration (ms, or e.g. 30s, 1m, 1h, 1d)',
      ],
    });
    expect(resolveRange({ from: String(NOW), to: String(NOW) }, NOW)).toEqual({ ok: false, problems: ['query.from: must be before to'] });
    expect(resolveRange({ from: '2026-11-01', to: '2026-11-02', step: '1s' }, NOW)).toEqual({
      ok: false,
      problems: [`query.step: 1000 ms over 86400000 ms gives 86400 points per series (at most ${MAX_POINTS}); use a larger step or a shorter range`],
    });
    expect(resolveRange({ from: '2026-11-01', to: '2026-11-02', step: '1m' }, NOW)).toEqual({
      ok: true,
      from: Date.UTC(2026, 10, 1),
      to: Date.UTC(2026, 10, 2),
      stepMs: 60_000,
    });
  });

  it('takes other parameters as label filters, refusing reserved and malformed names', () => {
    expect(labelFilters({ metric: 'm', from: '1', role: 'n3-gateway', target: '10.0.0.1' })).toEqual({
      labels: { role: 'n3-gateway', target: '10.0.0.1' },
      problems: [],
    });
    expect(labelFilters({ metric: 'm', practice: 'B82002', 'bad-name': 'x' }).problems).toEqual([
      'query.practice: not a label filter (the practice is in the path; use agent= for the agent)',
      'query["bad-name"]: not a known parameter or a label name',
    ]);
  });
});
