/** The organisation summary laid out as a document (same renderers as the practice report). */
import type { OrgSummary } from '../organisation.ts';
import { AREA_TITLES, AREAS } from '../model.ts';
import { HEADLINE_FIGURES } from '../sections/summary.ts';
import { cell, cells, RAG_LABELS, type Block, type ReportDocument } from './document.ts';
import { fmtMs, fmtNumber, fmtPct, NO_DATA } from './format.ts';
import { monthTitle, ragCell } from './practice-document.ts';
import { csvField, CSV_COLUMNS } from './csv.ts';

const fmtFigure = (unit: 'ratio' | 'ms', v: number | null): string => (unit === 'ms' ? fmtMs(v) : fmtPct(v));

export function orgDocument(s: OrgSummary): ReportDocument {
  const title = 'CFH Applications Monitoring Report — organisation summary';
  const subtitle = `${s.organisation} — ${monthTitle(s.month)}`;
  const rags = ['red', 'amber', 'green', 'grey'] as const;
  const blocks: Block[] = [
    { type: 'heading', level: 1, text: title },
    { type: 'paragraph', text: subtitle },
    {
      type: 'paragraph',
      text: `${s.practices.length} practices. Accounting rules version ${s.rulesVersion}. Practices are ranked worst first: overall RAG, then the number of red and amber areas, then national link availability.`,
    },
    { type: 'heading', level: 2, text: 'Practices by RAG' },
    {
      type: 'table',
      columns: [
        { title: 'Overall RAG', weight: 1.4 },
        { title: 'This month', align: 'right' },
        { title: 'Last month', align: 'right' },
      ],
      rows: rags.map((r) => [ragCell(r), cell(fmtNumber(s.counts[r])), cell(s.previousCounts === null ? NO_DATA : fmtNumber(s.previousCounts[r]))]),
    },
    { type: 'heading', level: 2, text: 'Ranking' },
    {
      type: 'table',
      columns: [
        { title: '#', align: 'right', weight: 0.45 },
        { title: 'Practice', weight: 2.2 },
        { title: 'ODS', weight: 0.9 },
        { title: 'Overall', weight: 0.9 },
        ...AREAS.map((a) => ({ title: AREA_TITLES[a].replace('National ', 'Nat. '), weight: 0.95 })),
        { title: 'vs last month', weight: 1 },
      ],
      rows: s.practices.map((p) => [
        cell(String(p.rank)),
        cell(p.name),
        cell(p.ods),
        ragCell(p.overall),
        ...AREAS.map((a) => ragCell(p.areas[a])),
        cell(
          p.change === null
            ? NO_DATA
            : p.change > 0
              ? `better (was ${RAG_LABELS[p.previousOverall ?? 'grey']})`
              : p.change < 0
                ? `worse (was ${RAG_LABELS[p.previousOverall ?? 'grey']})`
                : 'same',
          p.change === -1 ? { rag: 'red' } : p.change === 1 ? { rag: 'green' } : {},
        ),
      ]),
      empty: 'No practices.',
    },
    { type: 'heading', level: 2, text: 'Worst performers per area' },
  ];
  for (const w of s.worst) {
    const f = HEADLINE_FIGURES.find((x) => x.id === w.figure);
    blocks.push({ type: 'heading', level: 3, text: w.title });
    blocks.push({
      type: 'table',
      columns: [{ title: 'Practice', weight: 2.2 }, { title: 'ODS' }, { title: 'RAG' }, { title: f?.label ?? 'Figure', align: 'right', weight: 2 }],
      rows: w.practices.map((p) => [cell(p.name), cell(p.ods), ragCell(p.rag), cell(f === undefined ? NO_DATA : fmtFigure(f.unit, p.value))]),
      empty: 'No practice is amber or red in this area.',
    });
  }
  blocks.push({ type: 'heading', level: 2, text: 'Organisation medians' });
  blocks.push({
    type: 'table',
    columns: [
      { title: 'Figure', weight: 3 },
      { title: 'Median', align: 'right' },
    ],
    rows: HEADLINE_FIGURES.map((f) => cells(f.label, fmtFigure(f.unit, s.medians[f.id]))),
  });
  return {
    title,
    subtitle,
    header: `${s.organisation} · ${monthTitle(s.month)}`,
    footer: `n3mon · accounting rules v${s.rulesVersion}`,
    meta: { title: `${title} — ${subtitle}`, subject: `Organisation summary, ${s.month}`, author: 'n3mon' },
    blocks,
  };
}

/** The organisation summary as CSV rows in the practice CSV's columns (section `organisation`). */
export function renderOrgCsv(s: OrgSummary): string {
  const lines = [CSV_COLUMNS.join(',')];
  const row = (ods: string, name: string, item: string, measure: string, value: string, unit: string, verdict = ''): void => {
    const r: Record<(typeof CSV_COLUMNS)[number], string> = {
      ods,
      practice: name,
      month: s.month,
      section: 'organisation',
      item,
      measure,
      period: 'month',
      value,
      unit,
      warning: '',
      critical: '',
      verdict,
      rules_version: s.rulesVersion,
    };
    lines.push(CSV_COLUMNS.map((c) => csvField(r[c], c !== 'value')).join(','));
  };
  for (const p of s.practices) {
    row(p.ods, p.name, 'overall', 'rank', String(p.rank), 'rank', p.overall);
    row(p.ods, p.name, 'overall', 'rag', p.overall, 'rag', p.previousOverall ?? '');
    for (const a of AREAS) row(p.ods, p.name, a, 'rag', p.areas[a], 'rag');
    for (const f of HEADLINE_FIGURES) row(p.ods, p.name, f.id, 'value', p.figures[f.id] === null ? '' : String(p.figures[f.id]), f.unit);
  }
  for (const f of HEADLINE_FIGURES) row('', s.organisation, f.id, 'median', s.medians[f.id] === null ? '' : String(s.medians[f.id]), f.unit);
  return lines.join('\r\n') + '\r\n';
}
