/** The incidents and appendix sections of the practice document. */
import type { ZonedClock } from '../../../../shared/src/calendar/zoned.ts';
import type { PracticeReport } from '../model.ts';
import { localDateTime } from '../month.ts';
import { cell, cells, type Block } from './document.ts';
import { sectionHeading } from '../sections/index.ts';
import { fmtDuration, fmtMs, fmtRule } from './format.ts';

export function incidentBlocks(r: PracticeReport, zone: ZonedClock): Block[] {
  const s = r.incidents;
  const at = (t: number | null): string => (t === null ? 'open' : localDateTime(zone, t));
  const longText = fmtMs(s.longOutageRule?.critical ?? 5 * 3_600_000);
  const out: Block[] = [{ type: 'heading', level: 2, text: sectionHeading('incidents'), rag: s.rag }];
  out.push({ type: 'heading', level: 3, text: 'Alerts raised' });
  out.push({
    type: 'table',
    columns: [
      { title: 'Start (local)', weight: 1.2 },
      { title: 'End (local)', weight: 1.2 },
      { title: 'Duration', align: 'right' },
      { title: 'Severity', align: 'center' },
      { title: 'Rule', weight: 1.3 },
      { title: 'About', weight: 2 },
    ],
    rows: s.alerts.map((a) => [
      cell(at(a.start)),
      cell(at(a.end)),
      cell(fmtDuration(a.durationMs), a.over5h ? { strong: true } : {}),
      cell(a.severity, { rag: a.severity === 'critical' ? 'red' : 'amber' }),
      cell(a.rule),
      cell(a.subject),
    ]),
    empty: s.alertsAvailable ? 'No alerts this month.' : 'Alert history is not available to this report.',
  });
  out.push({ type: 'heading', level: 3, text: `Outages found in the data (longer than ${longText} in bold)` });
  out.push({
    type: 'table',
    columns: [
      { title: 'Start (local)', weight: 1.2 },
      { title: 'End (local)', weight: 1.2 },
      { title: 'Duration', align: 'right' },
      { title: 'What', weight: 2 },
      { title: 'Alert', weight: 1 },
      { title: 'Note', weight: 1.4 },
    ],
    rows: s.outages.map((o) => [
      cell(at(o.start)),
      cell(at(o.end)),
      cell(fmtDuration(o.durationMs), o.over5h ? { strong: true, rag: 'red' } : {}),
      cell(`${o.app ?? o.role}: ${o.target}`),
      cell(o.incidentIds.length === 0 ? 'none' : o.incidentIds.join(', ')),
      cell(
        [o.over5h ? `over ${longText}` : '', o.inMaintenance ? 'in maintenance' : '', o.endedInGap ? 'data stopped' : ''].filter((x) => x !== '').join('; ') ||
          '—',
      ),
    ]),
    empty: 'No outages of 5 minutes or more.',
  });
  if (s.longOutageRule !== null) out.push({ type: 'paragraph', text: `${s.longOutageRule.label}: ${fmtRule(s.longOutageRule)} (${s.longOutageRule.source}).` });
  if (s.maintenance.length > 0) {
    out.push({ type: 'heading', level: 3, text: 'Maintenance windows (excluded from availability)' });
    out.push({
      type: 'table',
      columns: [{ title: 'From (local)' }, { title: 'To (local)' }, { title: 'Reason', weight: 2 }],
      rows: s.maintenance.map((m) => cells(at(m.start), at(m.end), m.reason)),
    });
  }
  return [...out, ...s.notes.map((text) => ({ type: 'paragraph', text, note: true }) as Block)];
}

export function appendixBlocks(r: PracticeReport): Block[] {
  const a = r.appendix;
  return [
    { type: 'heading', level: 2, text: sectionHeading('appendix') },
    { type: 'paragraph', text: `Figures in this report follow the n3mon accounting rules, version ${a.rulesVersion} (${a.rulesDocument}). In brief:` },
    { type: 'list', items: a.rules },
    { type: 'heading', level: 3, text: 'Thresholds and their sources' },
    {
      type: 'table',
      columns: [
        { title: 'Rule', weight: 2.2 },
        { title: 'Levels', weight: 1.6 },
        { title: 'Source', weight: 2.6 },
      ],
      rows: a.thresholds.map((t) => [cell(t.label), cell(fmtRule(t)), cell(t.source)]),
      empty: 'No threshold profile.',
    },
  ];
}
