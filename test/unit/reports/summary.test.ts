// Summary, organisation ranking and medians: pure functions of headlines and sections.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { PracticeReport } from '../../../collector/src/reports/model.ts';
import { buildSummary, headlineOf, median, orgBaseline, type Headline } from '../../../collector/src/reports/sections/summary.ts';
import { buildOrgSummary } from '../../../collector/src/reports/organisation.ts';
import { worstRag, type Rag } from '../../../collector/src/reports/rules.ts';

const fixture = (): PracticeReport => JSON.parse(readFileSync(new URL('./fixtures/practice-report-2026-10.json', import.meta.url), 'utf8')) as PracticeReport;

function headline(ods: string, overall: Rag, areas: Partial<Headline['areas']> = {}, figures: Partial<Headline['figures']> = {}): Headline {
  return {
    ods,
    month: '2026-10',
    overall,
    areas: { apps: 'green', link: 'green', lan: 'green', branch: 'green', incidents: 'green', servers: 'green', completeness: 'green', ...areas },
    figures: {
      'link-availability-core': 0.999,
      'link-rtt-p95': 30,
      'app-availability-core': 0.9995,
      'app-http-p95': 600,
      'lan-rtt-p95': 2,
      completeness: 0.995,
      ...figures,
    },
  };
}

describe('RAG', () => {
  it('is the worst known verdict; no data neither hides a red nor spoils a green', () => {
    expect(worstRag(['green', 'amber', 'grey'])).toBe('amber');
    expect(worstRag(['green', 'grey'])).toBe('green');
    expect(worstRag(['grey', 'grey'])).toBe('grey');
    expect(worstRag([])).toBe('grey');
    expect(worstRag(['amber', 'red', 'green'])).toBe('red');
  });
});

describe('summary', () => {
  it('compares with last month and the organisation median, and says what changed', () => {
    const r = fixture();
    const prev = headlineOf(r);
    prev.areas.link = 'green';
    prev.figures['link-rtt-p95'] = 20;
    prev.figures.completeness = 0.95;
    const s = buildSummary(r, prev, orgBaseline([prev, headlineOf(r)]));
    expect(s.areas.find((a) => a.area === 'link')?.previous).toBe('green');
    expect(s.changes.some((c) => c.startsWith('National link: green → red'))).toBe(true);
    expect(s.changes.some((c) => c.startsWith('National link RTT p95: 20 ms →') && c.endsWith('(worse).'))).toBe(true);
    expect(s.changes.some((c) => c.startsWith('Data completeness: 95.00 % →') && c.endsWith('(better).'))).toBe(true);
    expect(s.orgPractices).toBe(2);
    const rtt = s.figures.find((f) => f.id === 'link-rtt-p95');
    expect(rtt?.orgMedian).toBeCloseTo((20 + (r.link.rtt.all.p95 ?? 0)) / 2, 9);
    expect(buildSummary(r, null, null).changes).toEqual(['No report for the previous month to compare with.']);
  });

  it('takes the median over practices with data', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([null, 5, null])).toBe(5);
    expect(median([null])).toBeNull();
  });
});

describe('organisation summary', () => {
  const current = [
    headline('A00001', 'green'),
    headline('A00002', 'red', { link: 'red', completeness: 'amber' }, { 'link-availability-core': 0.97 }),
    headline('A00003', 'amber', { apps: 'amber' }, { 'app-availability-core': 0.998 }),
    headline('A00004', 'red', { link: 'red' }, { 'link-availability-core': 0.95 }),
    headline(
      'A00005',
      'grey',
      { apps: 'grey', link: 'grey', lan: 'grey', incidents: 'grey', servers: 'grey', completeness: 'grey' },
      { 'link-availability-core': null },
    ),
  ];
  const previous = [headline('A00001', 'amber'), headline('A00002', 'red'), headline('A00004', 'green')];
  const s = buildOrgSummary({ month: '2026-10', organisation: 'Example ICB', names: new Map([['A00001', 'One']]), current, previous, generatedAt: 0 });

  it('ranks worst first: RAG, then red and amber areas, then link availability', () => {
    expect(s.practices.map((p) => p.ods)).toEqual(['A00002', 'A00004', 'A00003', 'A00001', 'A00005']);
    expect(s.practices.map((p) => p.rank)).toEqual([1, 2, 3, 4, 5]);
    expect(s.practices[3]?.name).toBe('One');
    expect(s.counts).toEqual({ red: 2, amber: 1, green: 1, grey: 1 });
    expect(s.previousCounts).toEqual({ red: 1, amber: 1, green: 1, grey: 0 });
  });

  it('shows month-on-month change per practice', () => {
    const change = new Map(s.practices.map((p) => [p.ods, p.change]));
    expect(change.get('A00001')).toBe(1); // amber → green
    expect(change.get('A00002')).toBe(0);
    expect(change.get('A00004')).toBe(-1); // green → red
    expect(change.get('A00003')).toBeNull(); // no report last month
  });

  it('lists the worst performers per area, worst figure first', () => {
    expect(s.worst.find((w) => w.area === 'link')?.practices.map((p) => [p.ods, p.value])).toEqual([
      ['A00004', 0.95],
      ['A00002', 0.97],
    ]);
    expect(s.worst.find((w) => w.area === 'servers')?.practices).toEqual([]);
    expect(s.medians['link-availability-core']).toBeCloseTo((0.97 + 0.999) / 2, 9); // median of 0.95, 0.97, 0.999, 0.999 (A00005 has none)
  });
});
