/** The practice report model laid out as a document: the sections of sections/index.ts (PRODUCT.md's eight), in that order. */
import type { ZonedClock } from '../../../../shared/src/calendar/zoned.ts';
import type { AvailabilityFigure, PracticeReport, Percentiles } from '../model.ts';
import { localDate, localDateTime, parseMonth } from '../month.ts';
import type { Level } from '../thresholds.ts';
import type { Rag } from '../rules.ts';
import { completenessChart, percentileChart, smokeChart, utilisationChart } from './charts.ts';
import { cell, cells, RAG_LABELS, type Block, type Cell, type ReportDocument } from './document.ts';
import { fmtBps, fmtDuration, fmtMs, fmtNumber, fmtPct, fmtRule, NO_DATA } from './format.ts';
import { appendixBlocks, incidentBlocks } from './practice-document-tail.ts';
import { branchBlocks } from './branch-blocks.ts';
import { incidentSplitBlocks, linkIncidentSplitBlocks } from './incident-split-blocks.ts';
import { inProgress, inProgressText, judgedSpan, judgedView, MONTH_NAMES } from './period.ts';
import { REPORT_SECTIONS, sectionHeading, type SectionId } from '../sections/index.ts';

export function monthTitle(month: string): string {
  const { year, monthNumber } = parseMonth(month);
  return `${MONTH_NAMES[monthNumber - 1]} ${year}`;
}

export function verdictCell(a: AvailabilityFigure): Cell {
  if (a.verdict === 'missed') return cell('missed', { rag: 'red', strong: true });
  if (a.verdict === 'met') return cell('met', { rag: 'green' });
  return cell(a.runs === 0 ? 'no data' : 'unknown', { rag: 'grey' });
}

export function levelCell(level: Level | null): Cell {
  if (level === 'critical') return cell('critical', { rag: 'red', strong: true });
  if (level === 'warning') return cell('warning', { rag: 'amber' });
  if (level === 'ok') return cell('within', { rag: 'green' });
  return cell(NO_DATA, { rag: 'grey' });
}

export function ragCell(rag: Rag): Cell {
  return cell(RAG_LABELS[rag], { rag });
}

function pct(p: Percentiles, which: 'p50' | 'p95'): string {
  return fmtMs(p[which]);
}

function notes(list: readonly string[]): Block[] {
  return list.map((text) => ({ type: 'paragraph', text, note: true }) as Block);
}

function summaryBlocks(r: PracticeReport): Block[] {
  const s = r.summary;
  const fmt = (unit: 'ratio' | 'ms', v: number | null): string => (unit === 'ms' ? fmtMs(v) : fmtPct(v));
  return [
    { type: 'heading', level: 2, text: sectionHeading('summary'), rag: s.overall },
    { type: 'rag-grid', items: s.areas.map((a) => ({ title: a.title, rag: a.rag, previous: a.previous, reason: a.reason })) },
    {
      type: 'table',
      columns: [
        { title: 'Figure', weight: 3 },
        { title: 'This month', align: 'right' },
        { title: 'Last month', align: 'right' },
        { title: s.orgPractices > 0 ? `Organisation median (${s.orgPractices} practices)` : 'Organisation median', align: 'right', weight: 1.4 },
      ],
      rows: s.figures.map((f) => cells(f.label, fmt(f.unit, f.value), fmt(f.unit, f.previous), s.orgPractices > 0 ? fmt(f.unit, f.orgMedian) : NO_DATA)),
    },
    ...(s.orgPractices === 0
      ? [{ type: 'paragraph', text: 'The organisation median is computed when the month is archived (on the 1st of the next month).', note: true } as Block]
      : []),
    { type: 'heading', level: 3, text: 'What changed since last month' },
    { type: 'list', items: s.changes },
  ];
}

function appsBlocks(r: PracticeReport, zone: ZonedClock): Block[] {
  const a = r.apps;
  const out: Block[] = [{ type: 'heading', level: 2, text: sectionHeading('apps'), rag: a.rag }];
  out.push({
    type: 'paragraph',
    text:
      a.target === null
        ? 'No availability target in the threshold profile.'
        : `Target: availability at least ${fmtPct(a.target.warning, 1)} each month, core hours and 24×7 (${a.target.source}).`,
  });
  out.push({
    type: 'table',
    columns: [
      { title: 'Application', weight: 1.2 },
      { title: 'Core hours', align: 'right' },
      { title: '24×7', align: 'right' },
      { title: 'Unknown (24×7)', align: 'right' },
      { title: 'Verdict core / 24×7', align: 'center', weight: 1.3 },
    ],
    rows: a.apps.map((app) => [
      cell(app.app),
      cell(fmtPct(app.core.availability, 3)),
      cell(fmtPct(app.all.availability, 3)),
      cell(fmtDuration(app.all.unknownMs)),
      cell(`${verdictCell(app.core).text} / ${verdictCell(app.all).text}`, {
        rag: app.core.verdict === 'missed' || app.all.verdict === 'missed' ? 'red' : app.core.verdict === 'met' && app.all.verdict === 'met' ? 'green' : 'grey',
      }),
    ]),
    empty: 'No data: no national-application checks reported this month.',
  });
  const rows: Cell[][] = [];
  for (const app of a.apps) {
    for (const t of app.timings) {
      rows.push([
        cell(app.app),
        cell(t.label),
        cell(pct(t.core, 'p50')),
        cell(pct(t.core, 'p95')),
        cell(pct(t.all, 'p50')),
        cell(pct(t.all, 'p95')),
        cell(`${fmtPct(t.withinCore, 1)} / ${fmtPct(t.withinAll, 1)}`),
        t.threshold === null ? cell('—') : levelCell(t.level),
      ]);
    }
  }
  out.push({ type: 'heading', level: 3, text: 'Response times (ms) and share of probes within the warning level' });
  out.push({
    type: 'table',
    columns: [
      { title: 'Application' },
      { title: 'Measure', weight: 1.5 },
      { title: 'p50 core', align: 'right' },
      { title: 'p95 core', align: 'right' },
      { title: 'p50 24×7', align: 'right' },
      { title: 'p95 24×7', align: 'right' },
      { title: 'Within core / 24×7', align: 'right', weight: 1.4 },
      { title: 'p95 vs rule', align: 'center' },
    ],
    rows,
    empty: 'No data: no response-time measurements this month.',
  });
  const rules = [
    ...new Map(
      a.apps
        .flatMap((app) => app.timings.map((t) => t.threshold))
        .filter((t) => t !== null)
        .map((t) => [t.id, t]),
    ).values(),
  ];
  if (rules.length > 0) out.push({ type: 'list', items: rules.map((t) => `${t.label}: ${fmtRule(t)} — ${t.source}`) });
  for (const app of a.apps) {
    const head = app.timings.find((t) => t.metric === 'http_total_ms') ?? app.timings.find((t) => t.metric === 'tcp_connect_ms');
    if (head === undefined) continue;
    out.push({
      type: 'chart',
      chart: percentileChart(app.app, head.label, app.daily, head.threshold?.warning ?? null),
      caption: `${app.app}: ${head.label} per day (p50 and p95).`,
    });
  }
  out.push(...incidentSplitBlocks(r, zone));
  out.push({ type: 'heading', level: 3, text: 'Worst core hours' });
  out.push({
    type: 'table',
    columns: [
      { title: 'Hour (local)', weight: 1.4 },
      { title: 'Application' },
      { title: 'Measure', weight: 1.2 },
      { title: 'p95', align: 'right' },
      { title: 'Samples', align: 'right' },
    ],
    rows: a.worstHours.map((w) =>
      cells(localDateTime(zone, w.hourStart), w.app, w.metric === 'http_total_ms' ? 'HTTP total' : 'TCP connect', fmtMs(w.p95), fmtNumber(w.count)),
    ),
    empty: 'No data.',
  });
  return [...out, ...notes(a.notes)];
}

function linkBlocks(r: PracticeReport): Block[] {
  const l = r.link;
  const out: Block[] = [{ type: 'heading', level: 2, text: sectionHeading('link'), rag: l.rag }];
  out.push({
    type: 'paragraph',
    text:
      l.target === null
        ? 'No availability target in the threshold profile.'
        : `Target: availability at least ${fmtPct(l.target.warning, 1)} (${l.target.label}; ${l.target.source}).`,
  });
  out.push({
    type: 'table',
    columns: [
      { title: 'Probe target', weight: 1.6 },
      { title: 'Core hours', align: 'right' },
      { title: '24×7', align: 'right' },
      { title: 'Gaps as down', align: 'right' },
      { title: 'Down (24×7)', align: 'right' },
      { title: 'Unknown (24×7)', align: 'right' },
      { title: 'Verdict core / 24×7', align: 'center', weight: 1.3 },
    ],
    rows: l.checks.map((c) => [
      cell(c.target),
      cell(fmtPct(c.core.availability, 3)),
      cell(fmtPct(c.all.availability, 3)),
      cell(fmtPct(c.all.lowerBound, 3)),
      cell(fmtDuration(c.all.downMs)),
      cell(fmtDuration(c.all.unknownMs)),
      cell(`${verdictCell(c.core).text} / ${verdictCell(c.all).text}`, {
        rag: c.core.verdict === 'missed' || c.all.verdict === 'missed' ? 'red' : c.core.verdict === 'met' && c.all.verdict === 'met' ? 'green' : 'grey',
      }),
    ]),
    empty: 'No data: no national-link reachability checks this month.',
  });
  out.push({
    type: 'table',
    columns: [
      { title: 'Measure', weight: 1.3 },
      { title: 'p50 core', align: 'right' },
      { title: 'p95 core', align: 'right' },
      { title: 'p50 24×7', align: 'right' },
      { title: 'p95 24×7', align: 'right' },
      { title: 'Rule', weight: 2 },
      { title: 'Month vs rule', align: 'center' },
    ],
    rows: [
      [
        cell('Round-trip time (per-round mean)'),
        cell(pct(l.rtt.core, 'p50')),
        cell(pct(l.rtt.core, 'p95')),
        cell(pct(l.rtt.all, 'p50')),
        cell(pct(l.rtt.all, 'p95')),
        cell(fmtRule(l.rtt.threshold)),
        levelCell(l.rtt.level),
      ],
      [
        cell('Jitter'),
        cell(pct(l.jitter.core, 'p50')),
        cell(pct(l.jitter.core, 'p95')),
        cell(pct(l.jitter.all, 'p50')),
        cell(pct(l.jitter.all, 'p95')),
        cell(fmtRule(l.jitter.threshold)),
        levelCell(l.jitter.level),
      ],
      [
        cell('Packet loss (mean)'),
        cell('—'),
        cell(fmtPct(l.loss.core, 3)),
        cell('—'),
        cell(fmtPct(l.loss.all, 3)),
        cell(fmtRule(l.loss.threshold)),
        levelCell(l.loss.level),
      ],
    ],
  });
  out.push({
    type: 'chart',
    chart: smokeChart(l.daily, l.rtt.threshold?.warning ?? null),
    caption:
      'Round-trip time to the national link per day, SmokePing style: grey smoke is the spread of the rounds, the bar the median, its colour the day\'s loss. "?" marks a day without data.',
  });
  out.push({ type: 'heading', level: 3, text: 'WAN utilisation' });
  out.push({
    type: 'table',
    columns: [
      { title: 'Device', weight: 1.4 },
      { title: 'Interface' },
      { title: 'p95 in', align: 'right' },
      { title: 'p95 out', align: 'right' },
      { title: 'Time over warning', align: 'right' },
      { title: 'p95 vs rule', align: 'center' },
    ],
    rows: l.utilisation.interfaces.map((i) => [
      cell(i.device),
      cell(i.ifName),
      cell(fmtPct(i.p95In, 1)),
      cell(fmtPct(i.p95Out, 1)),
      cell(fmtPct(i.overWarningShare, 2)),
      levelCell(i.level),
    ]),
    empty: 'No data: no SNMP utilisation samples for a WAN interface this month.',
  });
  if (l.utilisation.interfaces.length > 0)
    out.push({
      type: 'chart',
      chart: utilisationChart(l.utilisation.daily, l.utilisation.threshold?.warning ?? null),
      caption: `WAN utilisation p95 per day against the ${fmtPct(l.utilisation.threshold?.warning ?? null, 0)} mark (${l.utilisation.threshold?.source ?? 'no rule'}).`,
    });
  out.push({ type: 'heading', level: 3, text: 'Throughput against contracted bandwidth' });
  out.push({
    type: 'table',
    columns: [
      { title: 'Direction' },
      { title: 'Tests', align: 'right' },
      { title: 'Left out', align: 'right' },
      { title: 'Median', align: 'right' },
      { title: 'Slowest 10 %', align: 'right' },
      { title: 'Contracted', align: 'right' },
      { title: 'Median / contracted', align: 'right' },
    ],
    rows: l.throughput.map((t) =>
      cells(
        t.direction === 'down' ? 'Download' : 'Upload',
        fmtNumber(t.count),
        fmtNumber(t.leftOut),
        fmtBps(t.median),
        fmtBps(t.p10),
        t.contractedBps === null ? 'not configured' : fmtBps(t.contractedBps),
        fmtPct(t.ratio, 0),
      ),
    ),
    empty: 'No data: no throughput tests this month.',
  });
  return [...out, ...notes(l.notes)];
}

function lanBlocks(r: PracticeReport, zone: ZonedClock): Block[] {
  const l = r.lan;
  const out: Block[] = [{ type: 'heading', level: 2, text: sectionHeading('lan'), rag: l.rag }];
  out.push({
    type: 'table',
    columns: [
      { title: 'Gateway / site', weight: 1.6 },
      { title: 'Reachable (24×7)', align: 'right' },
      { title: 'RTT p50', align: 'right' },
      { title: 'RTT p95', align: 'right' },
      { title: 'Loss', align: 'right' },
      { title: 'p95 vs rule', align: 'center' },
    ],
    rows: l.gateways.map((g) => [
      cell(g.target),
      cell(fmtPct(g.all.availability, 3)),
      cell(fmtMs(g.rtt.p50)),
      cell(fmtMs(g.rtt.p95)),
      cell(fmtPct(g.lossMean, 3)),
      levelCell(g.level),
    ]),
    empty: 'No data: no LAN gateway checks this month.',
  });
  if (l.threshold !== null) out.push({ type: 'paragraph', text: `${l.threshold.label}: ${fmtRule(l.threshold)} (${l.threshold.source}).` });
  out.push(...branchBlocks(l.branches));
  out.push({ type: 'heading', level: 3, text: 'Interface errors and discards' });
  out.push({
    type: 'table',
    columns: [
      { title: 'Device', weight: 1.4 },
      { title: 'Interface' },
      { title: 'Errors', align: 'right' },
      { title: 'Discards', align: 'right' },
      { title: 'Peak per second', align: 'right' },
    ],
    rows: l.errors.map((e) => cells(e.device, e.ifName, fmtNumber(e.errors), fmtNumber(e.discards), fmtNumber(e.peakPerS, 2))),
    empty: l.snmp ? 'No interface errors or discards this month.' : 'No data: no SNMP devices polled.',
  });
  out.push({ type: 'heading', level: 3, text: 'Busiest ports' });
  out.push({
    type: 'table',
    columns: [
      { title: 'Device', weight: 1.4 },
      { title: 'Interface' },
      { title: 'Mean in', align: 'right' },
      { title: 'Mean out', align: 'right' },
      { title: 'p95 in', align: 'right' },
      { title: 'p95 out', align: 'right' },
    ],
    rows: l.busiestPorts.map((p) => cells(p.device, p.ifName, fmtBps(p.meanInBps), fmtBps(p.meanOutBps), fmtBps(p.p95InBps), fmtBps(p.p95OutBps))),
    empty: 'No data: no SNMP traffic counters.',
  });
  out.push({ type: 'heading', level: 3, text: 'Device reboots' });
  out.push({
    type: 'table',
    columns: [
      { title: 'Device', weight: 1.4 },
      { title: 'Reboots', align: 'right' },
      { title: 'When (hour, local)', weight: 2.5 },
    ],
    rows: l.reboots.map((d) => cells(d.device, fmtNumber(d.reboots), d.at.map((t) => localDateTime(zone, t)).join(', ') || '—')),
    empty: 'No data: no SNMP uptime samples.',
  });
  return [...out, ...notes(l.notes)];
}

function serverBlocks(r: PracticeReport): Block[] {
  const s = r.servers;
  const out: Block[] = [{ type: 'heading', level: 2, text: sectionHeading('servers'), rag: s.rag }];
  out.push({
    type: 'table',
    columns: [
      { title: 'Host', weight: 1.4 },
      { title: 'CPU mean', align: 'right' },
      { title: 'CPU p95', align: 'right' },
      { title: 'Memory p95', align: 'right' },
      { title: 'Memory max', align: 'right' },
      { title: 'Memory vs rule', align: 'center' },
    ],
    rows: s.hosts.map((h) => [
      cell(h.host),
      cell(fmtPct(h.cpu.mean, 1)),
      cell(fmtPct(h.cpu.p95, 1)),
      cell(fmtPct(h.memory.p95, 1)),
      cell(fmtPct(h.memory.max, 1)),
      levelCell(h.memory.level),
    ]),
    empty: 'No data: no host metrics this month.',
  });
  out.push({
    type: 'table',
    columns: [
      { title: 'Host', weight: 1.4 },
      { title: 'Mount', weight: 1.4 },
      { title: inProgress(r) ? 'Latest used' : 'Used at month end', align: 'right' },
      { title: 'Highest', align: 'right' },
      { title: 'vs rule', align: 'center' },
    ],
    rows: s.hosts.flatMap((h) => h.disks.map((d) => [cell(h.host), cell(d.mount), cell(fmtPct(d.last, 1)), cell(fmtPct(d.max, 1)), levelCell(d.level)])),
    empty: 'No data: no disk samples.',
  });
  const rules = [s.memoryThreshold, s.diskThreshold].filter((t) => t !== null);
  if (rules.length > 0) out.push({ type: 'list', items: rules.map((t) => `${t.label}: ${fmtRule(t)} — ${t.source}`) });
  out.push({ type: 'heading', level: 3, text: 'Equipment due for replacement' });
  out.push({
    type: 'table',
    columns: [
      { title: 'Item', weight: 1.6 },
      { title: 'Class' },
      { title: 'Installed' },
      { title: 'Age', align: 'right' },
      { title: 'Status', align: 'center' },
      { title: 'Rule', weight: 1.6 },
    ],
    rows: s.assets.map((a) => [
      cell(a.name),
      cell(a.kind),
      cell(a.installed),
      cell(`${a.ageYears.toFixed(1)} y`),
      a.level === 'critical'
        ? cell('overdue', { rag: 'red', strong: true })
        : a.level === 'warning'
          ? cell('due', { rag: 'amber' })
          : cell('in life', { rag: 'green' }),
      cell(a.threshold === null ? 'no rule' : `${fmtRule(a.threshold)}`),
    ]),
    empty: 'No equipment list for this practice (collector config practices[].assets).',
  });
  return [...out, ...notes(s.notes)];
}

function completenessBlocks(r: PracticeReport, zone: ZonedClock): Block[] {
  const c = r.completeness;
  const out: Block[] = [{ type: 'heading', level: 2, text: sectionHeading('completeness'), rag: c.rag }];
  const span = inProgress(r) ? judgedSpan(r, zone) : null;
  const judged = span === null ? '' : ` in the judged part of the month (${span})`;
  out.push({
    type: 'paragraph',
    text: `${fmtPct(c.overall)} of the expected probe runs arrived${judged} (${fmtNumber(c.received)} of ${fmtNumber(c.expected)}). Time without data is unknown: it is never counted as up.`,
  });
  out.push({ type: 'chart', chart: completenessChart(c.daily), caption: 'Share of expected probe runs received per day; grey is unknown.' });
  out.push({
    type: 'table',
    columns: [
      { title: 'Check', weight: 2 },
      { title: 'Role', weight: 1.2 },
      { title: 'Runs / hour', align: 'right' },
      { title: 'Received', align: 'right' },
      { title: 'Expected', align: 'right' },
      { title: 'Complete', align: 'right' },
      { title: 'Unknown', align: 'right' },
    ],
    rows: c.checks.map((k) =>
      cells(k.check, k.role, fmtNumber(k.runsPerHour), fmtNumber(k.received), fmtNumber(k.expected), fmtPct(k.completeness, 2), fmtDuration(k.unknownMs)),
    ),
    empty: 'No data: no checks reported this month.',
  });
  if (c.notAssessed.length > 0) out.push({ type: 'list', items: c.notAssessed.map((n) => `${n.check}: not assessed (${n.reason}).`) });
  out.push({ type: 'heading', level: 3, text: 'Gaps (no data from any check for an hour or more)' });
  out.push({
    type: 'table',
    columns: [{ title: 'From (local)' }, { title: 'To (local)' }, { title: 'Duration', align: 'right' }],
    rows: c.gaps.map((g) => cells(localDateTime(zone, g.start), localDateTime(zone, g.end), fmtDuration(g.durationMs))),
    empty: 'No gaps of an hour or more.',
  });
  return out;
}

/** Each section's blocks, by the id of its entry in REPORT_SECTIONS (which decides the order and the numbers). */
const SECTION_BLOCKS: Record<SectionId, (r: PracticeReport, zone: ZonedClock) => Block[]> = {
  summary: (r) => summaryBlocks(r),
  apps: appsBlocks,
  link: (r, zone) => [...linkBlocks(r), ...linkIncidentSplitBlocks(r, zone)],
  lan: lanBlocks,
  incidents: incidentBlocks,
  servers: (r) => serverBlocks(r),
  completeness: completenessBlocks,
  appendix: (r) => appendixBlocks(r),
};

export function practiceDocument(r: PracticeReport, zone: ZonedClock): ReportDocument {
  const title = 'CFH Applications Monitoring Report';
  const subtitle = `${r.practice.name} (${r.practice.ods}) — ${monthTitle(r.month)}`;
  const intro: Block[] = [
    { type: 'heading', level: 1, text: title },
    { type: 'paragraph', text: subtitle },
    {
      type: 'paragraph',
      text: `${r.practice.organisation}. Period ${localDate(zone, r.period.start)} to ${localDate(zone, r.period.end - 1)} (${r.timeZone}); core hours ${r.period.coreHours} (${Math.round(r.period.coreMs / 3_600_000)} h ${inProgress(r) ? 'judged so far' : 'this month'})${r.period.maintenanceMs > 0 ? `; ${fmtDuration(r.period.maintenanceMs)} of maintenance excluded` : ''}. Accounting rules version ${r.rulesVersion}. Generated ${localDateTime(zone, r.generatedAt)}.`,
    },
  ];
  const progress = inProgressText(r, zone);
  if (progress !== null) intro.push({ type: 'paragraph', text: progress });
  const shown = judgedView(r, zone);
  const blocks = [...intro, ...REPORT_SECTIONS.flatMap((s) => SECTION_BLOCKS[s.id](shown, zone))];
  return {
    title,
    subtitle,
    header: `${r.practice.name} · ${r.practice.ods} · ${monthTitle(r.month)}`,
    footer: `n3mon · accounting rules v${r.rulesVersion}`,
    meta: { title: `${title} — ${subtitle}`, subject: `Monthly performance report for ${r.practice.ods}, ${r.month}`, author: 'n3mon' },
    blocks,
  };
}
