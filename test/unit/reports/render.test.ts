// The three renderings of one report model (captured from the real pipeline on a synthetic
// October 2026: test/unit/reports/fixtures/). Checks content, escaping and self-containment.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { PracticeReport } from '../../../collector/src/reports/model.ts';
import { renderPractice } from '../../../collector/src/reports/formats.ts';
import { reportZone } from '../../../collector/src/reports/month.ts';
import { practiceDocument } from '../../../collector/src/reports/render/practice-document.ts';
import { renderHtml } from '../../../collector/src/reports/render/html.ts';
import { csvField, practiceCsvRows, renderCsv } from '../../../collector/src/reports/render/csv.ts';
import { pdfText } from '../../../collector/src/reports/render/pdf-text.ts';
import { fmtDuration, fmtMs, fmtPct } from '../../../collector/src/reports/render/format.ts';
import { niceScale } from '../../../collector/src/reports/render/charts.ts';
import { REPORT_SECTIONS, sectionHeading } from '../../../collector/src/reports/sections/index.ts';
import { inProgressText, judgedSpan, judgedView } from '../../../collector/src/reports/render/period.ts';

const fixture = (): PracticeReport => JSON.parse(readFileSync(new URL('./fixtures/practice-report-2026-10.json', import.meta.url), 'utf8')) as PracticeReport;

/** The fixture with an alert and a maintenance window, and a practice name that needs escaping. */
function withIncidents(): PracticeReport {
  const r = fixture();
  r.practice.name = 'Smith & Jones <Surgery>';
  r.incidents.alertsAvailable = true;
  r.incidents.alerts = [
    {
      id: 'al-1',
      rule: 'n3-link-down',
      severity: 'critical',
      subject: 'national link 192.0.2.1',
      start: Date.UTC(2026, 9, 14, 8, 3),
      end: Date.UTC(2026, 9, 14, 14, 0),
      durationMs: 357 * 60_000,
      over5h: true,
    },
  ];
  r.incidents.maintenance = [{ start: Date.UTC(2026, 9, 3, 19), end: Date.UTC(2026, 9, 3, 21), reason: '=HYPERLINK("x") router firmware' }];
  return r;
}

describe('HTML', () => {
  it('is one self-contained file: inline CSS and SVG, no scripts, links or external fetches', () => {
    const html = renderHtml(practiceDocument(fixture(), reportZone()));
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<style>');
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(4); // apps, smoke, utilisation, completeness
    expect(html).not.toMatch(/<script|<link|<img|<iframe|src=|url\(|@import/i);
    expect(html).toContain('@media print');
  });

  it('escapes text from config and data', () => {
    const html = renderHtml(practiceDocument(withIncidents(), reportZone()));
    expect(html).toContain('Smith &amp; Jones &lt;Surgery&gt;');
    expect(html).not.toContain('<Surgery>');
  });

  it('prints times in London time and every section in order', () => {
    const html = renderHtml(practiceDocument(withIncidents(), reportZone()));
    const order = REPORT_SECTIONS.map((s) => html.indexOf(sectionHeading(s.id)));
    expect(order.every((at, i) => at > 0 && (i === 0 || at > (order[i - 1] as number)))).toBe(true);
    // 08:03 UTC on 14 October is 09:03 BST.
    expect(html).toContain('2026-10-14 09:03');
    expect(html).toContain('6 h 00 min'); // the planted outage
  });
});

describe('CSV', () => {
  it('one row per section × item × measure × period, ratios as ratios, the rules version on every row', () => {
    const r = fixture();
    const csv = renderCsv([r]);
    const lines = csv.split('\r\n').filter((l) => l !== '');
    expect(lines[0]).toBe('ods,practice,month,section,item,measure,period,value,unit,warning,critical,verdict,rules_version');
    expect(lines.slice(1).every((l) => l.endsWith(',1.0'))).toBe(true);
    const rows = practiceCsvRows(r);
    const n3core = rows.find((x) => x.section === 'national_link' && x.measure === 'availability' && x.period === 'core');
    expect(Number(n3core?.value)).toBeCloseTo(r.link.checks[0]?.core.availability ?? -1, 6);
    expect(n3core?.warning).toBe('0.99');
    const keys = rows.map((x) => `${x.section}|${x.item}|${x.measure}|${x.period}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('quotes RFC 4180 style and defuses spreadsheet formulas in text', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('-0.5', false)).toBe('-0.5');
    const csv = renderCsv([withIncidents()]);
    expect(csv).toContain(',Smith & Jones <Surgery>,'); // no comma, quote or newline: left as it is
  });
});

describe('PDF', () => {
  it('is a PDF with the practice in its metadata', async () => {
    const pdf = (await renderPractice(withIncidents(), 'pdf', reportZone())).body;
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(10_000);
  });

  it('spells characters the standard fonts cannot show', () => {
    expect(pdfText('p95 ≤ 1 s → ok ≥ 2')).toBe('p95 <= 1 s -> ok >= 2');
    expect(pdfText('24×7 · 99.9 % — “quoted” €5')).toBe('24×7 · 99.9 % — “quoted” €5');
    expect(pdfText('日本')).toBe('??');
  });
});

describe('formatting', () => {
  it('formats figures for people', () => {
    expect(fmtPct(0.99925, 3)).toBe('99.925 %');
    expect(fmtPct(null)).toBe('—');
    expect(fmtMs(60)).toBe('60 ms');
    expect(fmtMs(36.4)).toBe('36.4 ms');
    expect(fmtMs(1500)).toBe('1.5 s');
    expect(fmtMs(5 * 3_600_000)).toBe('5 h');
    expect(fmtDuration(6 * 3_600_000)).toBe('6 h 00 min');
    expect(fmtDuration(40 * 60_000)).toBe('40 min');
    expect(fmtDuration(3 * 86_400_000 + 3_600_000)).toBe('3 d 1 h');
  });

  it('chooses round chart axes', () => {
    expect(niceScale(36.2)).toEqual({ max: 40, step: 10 });
    expect(niceScale(1.4)).toEqual({ max: 1.5, step: 0.5 });
    expect(niceScale(0)).toEqual({ max: 1, step: 0.2 });
  });
});

describe('a month in progress, in words', () => {
  const zone = reportZone();
  /** The October fixture as if generated mid-month, judged up to `judgedTo`. */
  const inProgressAt = (judgedTo: number): PracticeReport => {
    const r = fixture();
    r.period = { ...r.period, judgedTo, inProgress: true };
    return r;
  };
  const oct = (day: number, hour: number): number => zone.toInstant(2026, 10, day, hour, 0);

  it('names the judged days and the hour (London time; the end of a day is 24:00)', () => {
    expect(judgedSpan(inProgressAt(oct(7, 14) + 21 * 60_000), zone)).toBe('1–7 October up to 14:21');
    expect(judgedSpan(inProgressAt(oct(1, 3)), zone)).toBe('1 October up to 03:00');
    expect(judgedSpan(inProgressAt(oct(8, 0)), zone)).toBe('1–7 October up to 24:00');
    expect(inProgressText(inProgressAt(oct(1, 0)), zone)).toMatch(/^Month in progress: nothing judged yet/);
  });

  it('a finished month (or one archived under rules 1.0, without judgedTo) says nothing of it', () => {
    expect(inProgressText(fixture(), zone)).toBeNull();
    const html = renderHtml(practiceDocument(fixture(), zone));
    expect(html).not.toContain('Month in progress');
  });

  it('charts show the judged days only: a day to come is not a day without data', () => {
    const r = judgedView(inProgressAt(oct(7, 14)), zone);
    expect(r.link.daily.map((d) => d.date)).toEqual(['2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05', '2026-10-06', '2026-10-07']);
    expect(r.completeness.daily).toHaveLength(7);
    expect(r.apps.apps.every((a) => a.daily.length === 7)).toBe(true);
    const html = renderHtml(practiceDocument(inProgressAt(oct(7, 14)), zone));
    expect(html).toContain('Month in progress: judged on 1–7 October up to 14:00');
  });
});
