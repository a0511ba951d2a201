// When the monthly generation is due; how profile rules become report thresholds; how series are
// sorted into checks; periods with maintenance.
import { describe, expect, it } from 'vitest';
import { dueMonth } from '../../../collector/src/reports/scheduler.ts';
import { reportZone } from '../../../collector/src/reports/month.ts';
import { levelOf, refOfRule, thresholdsFromRules } from '../../../collector/src/reports/thresholds.ts';
import { loadThresholds } from '../../../collector/src/evaluation/profile.ts';
import { indexSeries } from '../../../collector/src/reports/series-index.ts';
import { makePeriod, bucketsIn, pieceKey } from '../../../collector/src/reports/periods.ts';
import { monthFrame } from '../../../collector/src/reports/month.ts';
import { createCoreCalendar } from '../../../shared/src/calendar/core-hours.ts';
import { DDSketch } from '../../../collector/src/storage/sketch.ts';
import type { StoredSeries } from '../../../collector/src/storage/types.ts';

const zone = reportZone();

describe('monthly schedule', () => {
  const never = (): boolean => false;
  it('is due from the configured London hour on the 1st, for the month before', () => {
    // 1 November 2026 is GMT: 01:59 local is before 02:00, 02:00 is due.
    expect(dueMonth(Date.UTC(2026, 10, 1, 1, 59), { zone, hour: 2, archived: never })).toBeUndefined();
    expect(dueMonth(Date.UTC(2026, 10, 1, 2, 0), { zone, hour: 2, archived: never })).toBe('2026-10');
    // 1 June 2026 is BST: 02:00 local is 01:00 UTC.
    expect(dueMonth(Date.UTC(2026, 5, 1, 0, 59), { zone, hour: 2, archived: never })).toBeUndefined();
    expect(dueMonth(Date.UTC(2026, 5, 1, 1, 0), { zone, hour: 2, archived: never })).toBe('2026-05');
    // 31 December 2026 23:30 UTC is still December in London; 1 January 2027 02:00 is due for December.
    expect(dueMonth(Date.UTC(2027, 0, 1, 2, 0), { zone, hour: 2, archived: never })).toBe('2026-12');
  });

  it('catches up later in the month when the collector was down, and leaves archived months alone', () => {
    expect(dueMonth(Date.UTC(2026, 10, 9, 12), { zone, hour: 2, archived: never })).toBe('2026-10');
    expect(dueMonth(Date.UTC(2026, 10, 9, 12), { zone, hour: 2, archived: (m) => m === '2026-10' })).toBeUndefined();
  });
});

describe('thresholds from the threshold profile', () => {
  const profiles = loadThresholds({ practices: { A81001: { variants: ['resilient-link'] } } });

  it("finds each report figure's rule with its source; seconds become ms", () => {
    const t = thresholdsFromRules([...profiles.organisation.byId.values()]);
    expect(t.get('n3-rtt')).toMatchObject({ id: 'n3-rtt-p95', unit: 'ms', warning: 60, critical: 150, direction: 'above' });
    expect(t.get('n3-rtt')?.source).toContain('Y.1541');
    expect(t.get('outage')).toMatchObject({ unit: 'ms', critical: 5 * 3_600_000 });
    expect(t.get('n3-availability')?.warning).toBe(0.99);
    expect(t.get('lan-loss')?.id).toBe('lan-loss-mean');
    expect(t.all().every((r) => r.source.length > 0)).toBe(true);
  });

  it('a practice on a resilient link gets the 99.5 % target', () => {
    const t = thresholdsFromRules([...profiles.forPractice('A81001').byId.values()]);
    expect(t.get('n3-availability')?.warning).toBe(0.995);
  });

  it('places values against a rule in either direction', () => {
    const rtt = refOfRule(profiles.organisation.byId.get('n3-rtt-p95') as never);
    expect([levelOf(rtt, 30), levelOf(rtt, 61), levelOf(rtt, 151), levelOf(rtt, null), levelOf(undefined, 5)]).toEqual([
      'ok',
      'warning',
      'critical',
      null,
      null,
    ]);
    const tls = refOfRule(profiles.organisation.byId.get('tls-cert-expiry') as never);
    expect([levelOf(tls, 90), levelOf(tls, 20), levelOf(tls, 3)]).toEqual(['ok', 'warning', 'critical']);
  });
});

describe('series sorted into checks', () => {
  const s = (id: string, metric: string, labels: Record<string, string>, lastTs = 2e12): StoredSeries => ({
    id,
    practice: 'A81001',
    agent: 'a1',
    metric,
    labels,
    lastTs,
  });
  it("derives each check's kind from its metrics, or its default kind:target id; leaves retired series out", () => {
    const idx = indexSeries(
      [
        s('1', 'probe_success', { check: 'n3', role: 'n3-gateway', target: '192.0.2.1', outcome: 'success' }),
        s('2', 'icmp_loss_ratio', { check: 'n3', role: 'n3-gateway', target: '192.0.2.1' }),
        s('3', 'probe_success', { check: 'http:https://x.invalid/', role: 'national-app', target: 'https://x.invalid/', app: 'eps', outcome: 'timeout' }),
        s('4', 'probe_success', { check: 'old', role: 'lan-gateway', target: '192.0.2.9', outcome: 'success' }, 1e12),
      ],
      1.5e12,
    );
    expect(idx.checks.map((c) => [c.check, c.kind, c.app ?? null])).toEqual([
      ['http:https://x.invalid/', 'http', 'eps'],
      ['n3', 'icmp', null],
    ]);
    expect(idx.success('a1/n3').map((x) => x.id)).toEqual(['1']);
    expect(idx.metric('icmp_loss_ratio', (c) => c.role === 'n3-gateway').map((x) => x.id)).toEqual(['2']);
  });
});

describe('periods', () => {
  it('core hours of a month come from the calendar: May 2026 has two bank holidays; BST moves them to 07:00–17:30 UTC', () => {
    const cal = createCoreCalendar();
    const f = monthFrame('2026-05');
    const core = makePeriod('core', cal.coreIntervals(f.start, f.end), []);
    // 21 weekdays − 4 May and 25 May = 19 days × 10.5 h.
    expect(core.lengthMs).toBe(19 * 10.5 * 3_600_000);
    expect(core.plan.hours).toHaveLength(19 * 10);
    expect(core.plan.pieces).toHaveLength(19);
    expect(new Date(core.plan.pieces[0]?.from ?? 0).toISOString()).toBe('2026-05-01T17:00:00.000Z'); // 18:00 BST
    expect(core.plan.hours.some((h) => new Date(h).toISOString().startsWith('2026-05-04'))).toBe(false);
  });

  it('maintenance is removed from a period and its buckets are not read', () => {
    const H = 3_600_000;
    const day = Date.UTC(2026, 10, 2);
    const p = makePeriod('all', [{ from: day, to: day + 24 * H }], [{ from: day + 3 * H + 15 * 60_000, to: day + 5 * H }]);
    expect(p.lengthMs).toBe(24 * H - 105 * 60_000);
    expect(p.excludedMs).toBe(105 * 60_000);
    expect(p.plan.hours).not.toContain(day + 3 * H);
    expect(p.plan.hours).not.toContain(day + 4 * H);
    const piece = p.plan.pieces[0];
    expect(piece).toEqual({ from: day + 3 * H, to: day + 3 * H + 15 * 60_000 });
    const b = (start: number) => ({ start, count: 1, sum: 1, min: 1, max: 1, sketch: new DDSketch() });
    const data = {
      hourly: new Map([
        [day + 3 * H, b(day + 3 * H)],
        [day + 6 * H, b(day + 6 * H)],
      ]),
      pieces: new Map([[pieceKey(piece as never), b(day + 3 * H)]]),
    };
    expect(bucketsIn(data, p)).toHaveLength(2); // hour 06 and the 03:00–03:15 piece, not the whole of hour 03
  });
});
