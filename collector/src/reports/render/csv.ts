/**
 * CSV: one row per practice × section × item × measure × period with the monthly figure, for
 * spreadsheets. Ratios stay ratios (0..1), times are ms; empty = no data. RFC 4180 quoting, CRLF;
 * text that a spreadsheet would run as a formula is prefixed with an apostrophe.
 */
import type { AvailabilityFigure, PracticeReport } from '../model.ts';
import type { ThresholdRef } from '../thresholds.ts';
import { branchCsvRows } from './branch-blocks.ts';
import { incidentSplitCsvRows, linkIncidentSplitCsvRows } from './incident-split-blocks.ts';
import { REPORT_SECTIONS, type SectionId } from '../sections/index.ts';

export const CSV_COLUMNS = [
  'ods',
  'practice',
  'month',
  'section',
  'item',
  'measure',
  'period',
  'value',
  'unit',
  'warning',
  'critical',
  'verdict',
  'rules_version',
] as const;

type Row = Record<(typeof CSV_COLUMNS)[number], string>;

function num(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '' : String(Math.round(v * 1e6) / 1e6);
}

export function csvField(value: string, isText = true): string {
  let v = value;
  if (isText && /^[=+\-@\t\r]/.test(v)) v = `'${v}`;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** Adds one row: the section column, then item, measure, period, value, unit, the rule's levels, the verdict. */
type Add = (section: string, item: string, measure: string, period: string, value: string, unit: string, rule?: ThresholdRef | null, verdict?: string) => void;

function availRows(add: Add, section: string, item: string, period: string, a: AvailabilityFigure, rule: ThresholdRef | null): void {
  add(section, item, 'availability', period, num(a.availability), 'ratio', rule, a.verdict);
  add(section, item, 'availability_gaps_as_down', period, num(a.lowerBound), 'ratio');
  add(section, item, 'unknown', period, num(a.unknownMs), 'ms');
}

function summaryRows(r: PracticeReport, add: Add): void {
  // The judged part of the month: all of it once over; the elapsed part of a month in progress.
  add('summary', 'period', 'judged_to', 'month', num(r.period.judgedTo ?? r.period.end), 'epoch_ms');
  add('summary', 'period', 'in_progress', 'month', r.period.inProgress === true ? '1' : '0', 'boolean');
  for (const a of r.summary.areas) add('summary', a.area, 'rag', 'month', a.rag, 'rag', null, a.previous ?? '');
  for (const f of r.summary.figures) add('summary', f.id, 'value', 'month', num(f.value), f.unit);
}

function appsRows(r: PracticeReport, add: Add): void {
  for (const app of r.apps.apps) {
    availRows(add, 'national_apps', app.app, 'core', app.core, r.apps.target);
    availRows(add, 'national_apps', app.app, '24x7', app.all, r.apps.target);
    for (const t of app.timings) {
      add('national_apps', app.app, `${t.metric}_p50`, 'core', num(t.core.p50), 'ms');
      add('national_apps', app.app, `${t.metric}_p95`, 'core', num(t.core.p95), 'ms', t.threshold);
      add('national_apps', app.app, `${t.metric}_p50`, '24x7', num(t.all.p50), 'ms');
      add('national_apps', app.app, `${t.metric}_p95`, '24x7', num(t.all.p95), 'ms', t.threshold, t.level ?? '');
      add('national_apps', app.app, `${t.metric}_within_warning`, 'core', num(t.withinCore), 'ratio');
      add('national_apps', app.app, `${t.metric}_within_warning`, '24x7', num(t.withinAll), 'ratio');
    }
  }
  incidentSplitCsvRows(r, add, num);
}

function linkRows(r: PracticeReport, add: Add): void {
  const l = r.link;
  for (const c of l.checks) {
    availRows(add, 'national_link', c.target, 'core', c.core, l.target);
    availRows(add, 'national_link', c.target, '24x7', c.all, l.target);
  }
  for (const [name, m, rule] of [
    ['rtt', l.rtt, l.rtt.threshold],
    ['jitter', l.jitter, l.jitter.threshold],
  ] as const) {
    add('national_link', 'link', `${name}_p50`, 'core', num(m.core.p50), 'ms');
    add('national_link', 'link', `${name}_p95`, 'core', num(m.core.p95), 'ms', rule);
    add('national_link', 'link', `${name}_p50`, '24x7', num(m.all.p50), 'ms');
    add('national_link', 'link', `${name}_p95`, '24x7', num(m.all.p95), 'ms', rule, m.level ?? '');
  }
  add('national_link', 'link', 'loss_mean', 'core', num(l.loss.core), 'ratio', l.loss.threshold);
  add('national_link', 'link', 'loss_mean', '24x7', num(l.loss.all), 'ratio', l.loss.threshold, l.loss.level ?? '');
  for (const i of l.utilisation.interfaces) {
    add('national_link', `${i.device} ${i.ifName}`, 'utilisation_in_p95', '24x7', num(i.p95In), 'ratio', l.utilisation.threshold);
    add('national_link', `${i.device} ${i.ifName}`, 'utilisation_out_p95', '24x7', num(i.p95Out), 'ratio', l.utilisation.threshold, i.level ?? '');
  }
  for (const t of l.throughput) {
    add('national_link', `throughput_${t.direction}`, 'median', '24x7', num(t.median), 'bps');
    add('national_link', `throughput_${t.direction}`, 'left_out', '24x7', num(t.leftOut), 'count');
    add('national_link', `throughput_${t.direction}`, 'contracted', 'config', num(t.contractedBps), 'bps');
  }
  linkIncidentSplitCsvRows(r, add, num);
}

function lanRows(r: PracticeReport, add: Add): void {
  for (const g of r.lan.gateways) {
    add('lan', g.target, 'availability', '24x7', num(g.all.availability), 'ratio');
    add('lan', g.target, 'rtt_p95', '24x7', num(g.rtt.p95), 'ms', r.lan.threshold, g.level ?? '');
    add('lan', g.target, 'loss_mean', '24x7', num(g.lossMean), 'ratio');
  }
  for (const e of r.lan.errors) {
    add('lan', `${e.device} ${e.ifName}`, 'errors', '24x7', num(e.errors), 'count');
    add('lan', `${e.device} ${e.ifName}`, 'discards', '24x7', num(e.discards), 'count');
  }
  for (const d of r.lan.reboots) add('lan', d.device, 'reboots', '24x7', num(d.reboots), 'count');
  branchCsvRows(r.lan.branches, add, num);
}

function incidentRows(r: PracticeReport, add: Add): void {
  const inc = r.incidents;
  add('incidents', 'alerts', 'count', 'month', inc.alertsAvailable ? String(inc.alerts.length) : '', 'count');
  add('incidents', 'outages', 'count', 'month', String(inc.outages.length), 'count');
  add('incidents', 'outages', 'over_long_limit', 'month', String(inc.outages.filter((o) => o.over5h).length), 'count', inc.longOutageRule);
  add('incidents', 'outages', 'total_duration', 'month', String(inc.outages.reduce((n, o) => n + o.durationMs, 0)), 'ms');
}

function serverRows(r: PracticeReport, add: Add): void {
  for (const h of r.servers.hosts) {
    add('servers', h.host, 'cpu_mean', '24x7', num(h.cpu.mean), 'ratio');
    add('servers', h.host, 'cpu_p95', '24x7', num(h.cpu.p95), 'ratio');
    add('servers', h.host, 'memory_p95', '24x7', num(h.memory.p95), 'ratio', r.servers.memoryThreshold, h.memory.level ?? '');
    for (const d of h.disks)
      add('servers', `${h.host} ${d.mount}`, 'disk_used_last', 'month_end', num(d.last), 'ratio', r.servers.diskThreshold, d.level ?? '');
  }
  for (const a of r.servers.assets) add('servers', a.name, `age_${a.kind}`, 'month_end', num(a.ageYears), 'years', a.threshold, a.level);
}

function completenessRows(r: PracticeReport, add: Add): void {
  add('completeness', 'all', 'received_share', '24x7', num(r.completeness.overall), 'ratio', null, r.completeness.rag);
  for (const c of r.completeness.checks) add('completeness', c.check, 'received_share', '24x7', num(c.completeness), 'ratio');
}

/** Each section's rows, by the id of its entry in REPORT_SECTIONS (which decides their order and `section` values). */
const SECTION_ROWS: Record<SectionId, (r: PracticeReport, add: Add) => void> = {
  summary: summaryRows,
  apps: appsRows,
  link: linkRows,
  lan: lanRows,
  incidents: incidentRows,
  servers: serverRows,
  completeness: completenessRows,
  appendix: () => undefined, // the rules and thresholds are the `warning`/`critical`/`rules_version` columns
};

export function practiceCsvRows(r: PracticeReport): Row[] {
  const rows: Row[] = [];
  const base = { ods: r.practice.ods, practice: r.practice.name, month: r.month, rules_version: r.rulesVersion };
  for (const s of REPORT_SECTIONS) {
    const own: readonly string[] = s.csv;
    const add: Add = (section, item, measure, period, value, unit, rule, verdict = '') => {
      // A bug, not data: a row filed under a section value that REPORT_SECTIONS does not give this section.
      if (!own.includes(section))
        throw new Error(`CSV: section ${s.id} wrote a row under "${section}", not one of its REPORT_SECTIONS csv values (${own.join(', ')})`);
      rows.push({ ...base, section, item, measure, period, value, unit, warning: num(rule?.warning), critical: num(rule?.critical), verdict });
    };
    SECTION_ROWS[s.id](r, add);
  }
  return rows;
}

export function renderCsv(reports: readonly PracticeReport[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of reports)
    for (const row of practiceCsvRows(r)) lines.push(CSV_COLUMNS.map((c) => csvField(row[c], c !== 'value' && c !== 'warning' && c !== 'critical')).join(','));
  return lines.join('\r\n') + '\r\n';
}
