/**
 * The national-applications section's split (accounting rules §12): for an application with
 * national incidents the practice was part of, availability and response time inside those
 * incidents and in the practice's own minutes — as document blocks (HTML, PDF) and CSV rows.
 */
import type { ZonedClock } from '../../../../shared/src/calendar/zoned.ts';
import type { IncidentSplitSide, PracticeReport } from '../model.ts';
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
  out.push({
    type: 'list',
    items: apps.flatMap((a) =>
      (a.incidentSplit?.incidents ?? []).map(
        (i) => `${localDateTime(zone, i.start)}${i.end === null ? ' (still open)' : ` – ${localDateTime(zone, i.end)}`}: ${i.summary}`,
      ),
    ),
  });
  return out;
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
