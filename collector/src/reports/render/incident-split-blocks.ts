/**
 * The national-applications section's split (accounting rules §12): for an application with
 * national incidents the practice was part of, availability and response time inside those
 * incidents and in the practice's own minutes — as document blocks (HTML, PDF) and CSV rows. The
 * national-link section's split (its provider's incidents) the same way.
 */
import type { ZonedClock } from '../../../../shared/src/calendar/zoned.ts';
import type { AppIncidentSplitFigures, IncidentSplitSide, PracticeReport } from '../model.ts';
import { localDateTime } from '../month.ts';
import { cells, type Block } from './document.ts';
import { fmtDuration, fmtMs, fmtPct } from './format.ts';

const PARTS = [
  ['national', 'Inside national incidents'],
  ['own', 'The practice’s own'],
] as const;

function headline(s: IncidentSplitSide): IncidentSplitSide['timings'][number] | undefined {
  return s.timings.find((t) => t.metric === 'http_total_ms') ?? s.timings.find((t) => t.metric === 'tcp_connect_ms');
}

export function incidentSplitBlocks(r: PracticeReport, zone: ZonedClock): Block[] {
  const apps = r.apps.apps.filter((a) => a.incidentSplit !== undefined);
  if (apps.length === 0) return [];
  const out: Block[] = [{ type: 'heading', level: 3, text: 'National incidents and the practice’s own time' }];
  out.push({
    type: 'paragraph',
    text: 'Minutes inside national incidents the practice was part of (the same application failing at many practices at once) are shown apart from the practice’s own; the practice’s RAG is judged on its own minutes (accounting rules §12).',
  });
  out.push({
    type: 'table',
    columns: [
      { title: 'Application' },
      { title: 'Part', weight: 1.5 },
      { title: 'Time (24×7)', align: 'right' },
      { title: 'Availability core', align: 'right' },
      { title: 'Availability 24×7', align: 'right' },
      { title: 'p95 24×7', align: 'right' },
    ],
    rows: apps.flatMap((a) => {
      const split = a.incidentSplit as NonNullable<typeof a.incidentSplit>;
      return PARTS.map(([k, title]) => {
        const s = split[k];
        const h = headline(s);
        return cells(
          a.app,
          title,
          fmtDuration(s.allMs),
          fmtPct(s.core.availability, 3),
          fmtPct(s.all.availability, 3),
          h === undefined ? '—' : `${fmtMs(h.all.p95)} (${h.label})`,
        );
      });
    }),
  });
  out.push({ type: 'list', items: apps.flatMap((a) => incidentItems(a.incidentSplit?.incidents ?? [], zone)) });
  return out;
}

function incidentItems(incidents: AppIncidentSplitFigures['incidents'], zone: ZonedClock): string[] {
  return incidents.map((i) => `${localDateTime(zone, i.start)}${i.end === null ? ' (still open)' : ` – ${localDateTime(zone, i.end)}`}: ${i.summary}`);
}

/** The national link's split: availability per probe target and RTT/jitter/loss on each part. */
export function linkIncidentSplitBlocks(r: PracticeReport, zone: ZonedClock): Block[] {
  const split = r.link.incidentSplit;
  if (split === undefined) return [];
  return [
    { type: 'heading', level: 3, text: 'National incidents and the practice’s own time' },
    {
      type: 'paragraph',
      text: 'Minutes inside national incidents of the practice’s national-link provider it was part of (the provider’s link failing at many practices at once) are shown apart from the practice’s own; the link’s RAG is judged on its own minutes (accounting rules §12).',
    },
    {
      type: 'table',
      columns: [
        { title: 'Part', weight: 1.5 },
        { title: 'Time (24×7)', align: 'right' },
        { title: 'Availability core', align: 'right' },
        { title: 'Availability 24×7', align: 'right' },
        { title: 'RTT p95 24×7', align: 'right' },
        { title: 'Jitter p95 24×7', align: 'right' },
        { title: 'Loss 24×7', align: 'right' },
      ],
      rows: PARTS.map(([k, title]) => {
        const s = split[k];
        // The worst probe target's availability, as the section's verdict takes it.
        const worst = (xs: Array<number | null>): number | null => {
          const v = xs.filter((x) => x !== null);
          return v.length === 0 ? null : Math.min(...v);
        };
        return cells(
          title,
          fmtDuration(s.allMs),
          fmtPct(worst(s.checks.map((c) => c.core.availability)), 3),
          fmtPct(worst(s.checks.map((c) => c.all.availability)), 3),
          fmtMs(s.rtt.all.p95),
          fmtMs(s.jitter.all.p95),
          fmtPct(s.loss.all, 3),
        );
      }),
    },
    { type: 'list', items: incidentItems(split.incidents, zone) },
  ];
}

type Add = (section: string, item: string, measure: string, period: string, value: string, unit: string) => void;

export function incidentSplitCsvRows(r: PracticeReport, add: Add, num: (v: number | null | undefined) => string): void {
  for (const a of r.apps.apps) {
    const split = a.incidentSplit;
    if (split === undefined) continue;
    for (const [k] of PARTS) {
      const s = split[k];
      const part = k === 'national' ? 'national_incidents' : 'own';
      add('national_apps', a.app, 'time', `core_${part}`, num(s.coreMs), 'ms');
      add('national_apps', a.app, 'time', `24x7_${part}`, num(s.allMs), 'ms');
      add('national_apps', a.app, 'availability', `core_${part}`, num(s.core.availability), 'ratio');
      add('national_apps', a.app, 'availability', `24x7_${part}`, num(s.all.availability), 'ratio');
      for (const t of s.timings) {
        add('national_apps', a.app, `${t.metric}_p95`, `core_${part}`, num(t.core.p95), 'ms');
        add('national_apps', a.app, `${t.metric}_p95`, `24x7_${part}`, num(t.all.p95), 'ms');
      }
    }
  }
}

export function linkIncidentSplitCsvRows(r: PracticeReport, add: Add, num: (v: number | null | undefined) => string): void {
  const split = r.link.incidentSplit;
  if (split === undefined) return;
  for (const [k] of PARTS) {
    const s = split[k];
    const part = k === 'national' ? 'national_incidents' : 'own';
    add('national_link', 'link', 'time', `core_${part}`, num(s.coreMs), 'ms');
    add('national_link', 'link', 'time', `24x7_${part}`, num(s.allMs), 'ms');
    for (const c of s.checks) {
      add('national_link', c.target, 'availability', `core_${part}`, num(c.core.availability), 'ratio');
      add('national_link', c.target, 'availability', `24x7_${part}`, num(c.all.availability), 'ratio');
    }
    for (const [name, m] of [
      ['rtt', s.rtt],
      ['jitter', s.jitter],
    ] as const) {
      add('national_link', 'link', `${name}_p95`, `core_${part}`, num(m.core.p95), 'ms');
      add('national_link', 'link', `${name}_p95`, `24x7_${part}`, num(m.all.p95), 'ms');
    }
    add('national_link', 'link', 'loss_mean', `core_${part}`, num(s.loss.core), 'ratio');
    add('national_link', 'link', 'loss_mean', `24x7_${part}`, num(s.loss.all), 'ratio');
  }
}
