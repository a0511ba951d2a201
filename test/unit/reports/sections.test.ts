// The report's sections come from one ordered list (collector/src/reports/sections/index.ts):
// the HTML and PDF headings are numbered from it, the CSV writes its rows in its order under its
// `section` values, and docs/reports.md lists the sections in the same order.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AvailabilityFigure, PracticeReport } from '../../../collector/src/reports/model.ts';
import { REPORT_SECTIONS, sectionHeading, sectionNumber } from '../../../collector/src/reports/sections/index.ts';
import { renderPractice } from '../../../collector/src/reports/formats.ts';
import { reportZone } from '../../../collector/src/reports/month.ts';
import { practiceDocument } from '../../../collector/src/reports/render/practice-document.ts';
import { practiceCsvRows } from '../../../collector/src/reports/render/csv.ts';
import { skipUnlessLab } from '../../helpers/lab-guard.ts';

const headings = REPORT_SECTIONS.map((s) => sectionHeading(s.id));

/** The captured October fixture, with a branch link so that every CSV section value has rows. */
function fixture(): PracticeReport {
  const r = JSON.parse(readFileSync(new URL('./fixtures/practice-report-2026-10.json', import.meta.url), 'utf8')) as PracticeReport;
  const fig: AvailabilityFigure = {
    runs: 8940,
    up: 8940,
    expected: 8940,
    availability: 1,
    lowerBound: 1,
    completeness: 1,
    unknownMs: 0,
    downMs: 0,
    verdict: 'met',
  };
  r.lan.branches = {
    sites: [{ check: 'icmp:branch', site: 'Branch', target: '192.0.2.9', core: fig, all: fig, rtt: { count: 8940, p50: 3, p95: 6 }, lossMean: 0, level: 'ok' }],
    target: null,
    rttThreshold: null,
    lossThreshold: null,
    rag: 'green',
    notes: [],
  };
  return r;
}

describe('report sections: one ordered list', () => {
  it('numbers each section by its place in the list', () => {
    expect(headings[0]).toBe('1. Summary');
    expect(sectionNumber('completeness')).toBe(REPORT_SECTIONS.findIndex((s) => s.id === 'completeness') + 1);
    expect(headings.at(-1)).toBe(`${REPORT_SECTIONS.length}. Appendix: accounting rules and thresholds`);
    expect(new Set(REPORT_SECTIONS.map((s) => s.id)).size).toBe(REPORT_SECTIONS.length);
  });

  it('the document (HTML and PDF are both drawn from it) has exactly the list as its section headings', () => {
    const doc = practiceDocument(fixture(), reportZone());
    expect(doc.blocks.filter((b) => b.type === 'heading' && b.level === 2).map((b) => (b.type === 'heading' ? b.text : ''))).toEqual(headings);
  });

  it('HTML: the <h2> headings are the list, in order', async () => {
    const html = (await renderPractice(fixture(), 'html', reportZone())).body.toString('utf8');
    const h2 = [...html.matchAll(/<h2>([^<]*)/g)].map((m) => (m[1] ?? '').trim().replace(/&amp;/g, '&'));
    expect(h2).toEqual(headings);
  });

  it('PDF: the headings appear in the list order (pdftotext)', async () => {
    const pdf = (await renderPractice(fixture(), 'pdf', reportZone())).body;
    if (skipUnlessLab({ files: ['/usr/bin/pdftotext'] })) return;
    const dir = mkdtempSync(join(tmpdir(), 'n3mon-sections-'));
    try {
      const file = join(dir, 'report.pdf');
      writeFileSync(file, pdf);
      const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
      let from = 0;
      for (const h of headings) {
        const at = text.indexOf(h, from);
        expect(at, `"${h}" after offset ${from}`).toBeGreaterThan(-1);
        from = at + h.length;
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('CSV: rows come section by section in the list order, under the section values the list gives', () => {
    const order = REPORT_SECTIONS.flatMap((s) => s.csv as readonly string[]);
    const seen = [...new Set(practiceCsvRows(fixture()).map((row) => row.section))];
    expect(seen).toEqual(order); // every listed value has rows in the fixture, each in one run, in order
    const rows = practiceCsvRows(fixture()).map((row) => order.indexOf(row.section));
    expect(rows.every((at, i) => i === 0 || at >= (rows[i - 1] as number))).toBe(true);
  });

  it('docs/reports.md lists the sections in the same order, and names every CSV section value', () => {
    const doc = readFileSync(new URL('../../../docs/reports.md', import.meta.url), 'utf8');
    const part = doc.slice(doc.indexOf('## What is in it'), doc.indexOf('\n## ', doc.indexOf('## What is in it') + 1));
    const listed = [...part.matchAll(/^(\d+)\. \*\*([^*]+)\*\*/gm)].map((m) => `${m[1]}. ${m[2]}`);
    expect(listed).toEqual(REPORT_SECTIONS.map((s, i) => `${i + 1}. ${s.title}`));
    for (const value of REPORT_SECTIONS.flatMap((s) => s.csv as readonly string[])) expect(part, value).toContain(`\`${value}\``);
  });
});
