/**
 * The summary section: RAG per area with the reason, the headline figures against last month and
 * the organisation median, and what changed. The appendix (rules version, rules in
 * brief, every threshold with its source). Pure functions of the other sections.
 */
import type { AppendixSection, AreaId, HeadlineFigure, PracticeReport, SummarySection } from '../model.ts';
import { AREA_TITLES, AREAS } from '../model.ts';
import { ACCOUNTING, ACCOUNTING_RULES_VERSION, worstRag, type Rag } from '../rules.ts';
import type { ReportThresholds } from '../thresholds.ts';
import { fmtMs, fmtPct } from '../render/format.ts';

export type Sections = Pick<PracticeReport, 'apps' | 'link' | 'lan' | 'incidents' | 'servers' | 'completeness'>;

/** The few figures compared across months and practices (also kept in the archive's JSON). */
export const HEADLINE_FIGURES = [
  { id: 'link-availability-core', label: 'National link availability (core hours)', unit: 'ratio', better: 'higher' },
  { id: 'link-rtt-p95', label: 'National link RTT p95', unit: 'ms', better: 'lower' },
  { id: 'app-availability-core', label: 'Lowest national app availability (core hours)', unit: 'ratio', better: 'higher' },
  { id: 'app-http-p95', label: 'Slowest national app HTTP total p95', unit: 'ms', better: 'lower' },
  { id: 'lan-rtt-p95', label: 'LAN gateway RTT p95', unit: 'ms', better: 'lower' },
  { id: 'completeness', label: 'Data completeness', unit: 'ratio', better: 'higher' },
] as const;
export type FigureId = (typeof HEADLINE_FIGURES)[number]['id'];

export interface Headline {
  ods: string;
  month: string;
  overall: Rag;
  areas: Record<AreaId, Rag>;
  figures: Record<FigureId, number | null>;
}

function minOf(list: ReadonlyArray<number | null>): number | null {
  const xs = list.filter((x): x is number => x !== null);
  return xs.length === 0 ? null : Math.min(...xs);
}

function maxOf(list: ReadonlyArray<number | null>): number | null {
  const xs = list.filter((x): x is number => x !== null);
  return xs.length === 0 ? null : Math.max(...xs);
}

export function figuresOf(s: Sections): Record<FigureId, number | null> {
  return {
    'link-availability-core': minOf(s.link.checks.map((c) => c.core.availability)),
    'link-rtt-p95': s.link.rtt.all.p95,
    'app-availability-core': minOf(s.apps.apps.map((a) => a.core.availability)),
    'app-http-p95': maxOf(s.apps.apps.map((a) => a.timings.find((t) => t.metric === 'http_total_ms')?.all.p95 ?? null)),
    'lan-rtt-p95': maxOf(s.lan.gateways.map((g) => g.rtt.p95)),
    completeness: s.completeness.overall,
  };
}

export function areaRags(s: Sections): Record<AreaId, Rag> {
  return {
    apps: s.apps.rag,
    link: s.link.rag,
    lan: s.lan.rag,
    branch: s.lan.branches?.rag ?? 'grey',
    incidents: s.incidents.rag,
    servers: s.servers.rag,
    completeness: s.completeness.rag,
  };
}

export function headlineOf(report: PracticeReport): Headline {
  return { ods: report.practice.ods, month: report.month, overall: report.summary.overall, areas: areaRags(report), figures: figuresOf(report) };
}

export function median(values: ReadonlyArray<number | null>): number | null {
  const xs = values.filter((x): x is number => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  if (xs.length === 0) return null;
  const mid = xs.length >> 1;
  return xs.length % 2 === 1 ? (xs[mid] as number) : ((xs[mid - 1] as number) + (xs[mid] as number)) / 2;
}

export interface OrgBaseline {
  practices: number;
  medians: Record<FigureId, number | null>;
}

export function orgBaseline(headlines: readonly Headline[]): OrgBaseline {
  const medians = {} as Record<FigureId, number | null>;
  for (const f of HEADLINE_FIGURES) medians[f.id] = median(headlines.map((h) => h.figures[f.id]));
  return { practices: headlines.length, medians };
}

function reasonFor(area: AreaId, s: Sections): string {
  switch (area) {
    case 'apps': {
      if (s.apps.apps.length === 0) return 'no data';
      const worst = [...s.apps.apps].sort((a, b) => (a.core.availability ?? 2) - (b.core.availability ?? 2))[0];
      return `${s.apps.apps.length} app(s); lowest core-hours availability ${fmtPct(worst?.core.availability ?? null)} (${worst?.app ?? ''})`;
    }
    case 'link': {
      const a = minOf(s.link.checks.map((c) => c.core.availability));
      return s.link.checks.length === 0
        ? 'no data'
        : `core-hours availability ${fmtPct(a)}; RTT p95 ${fmtMs(s.link.rtt.all.p95)}; loss ${fmtPct(s.link.loss.all, 3)}`;
    }
    case 'lan':
      return s.lan.gateways.length === 0 ? 'no data' : `gateway RTT p95 ${fmtMs(maxOf(s.lan.gateways.map((g) => g.rtt.p95)))}`;
    case 'branch': {
      const sites = s.lan.branches?.sites ?? [];
      if (sites.length === 0) return 'no data';
      const a = minOf(sites.map((b) => b.all.availability));
      return `${sites.length} branch site(s); lowest availability ${fmtPct(a)}; RTT p95 ${fmtMs(maxOf(sites.map((b) => b.rtt.p95)))}`;
    }
    case 'incidents': {
      const long = s.incidents.outages.filter((o) => o.over5h).length;
      return `${s.incidents.alerts.length} alert(s), ${s.incidents.outages.length} outage(s)${long > 0 ? `, ${long} over ${fmtMs(ACCOUNTING.longOutageMs)}` : ''}`;
    }
    case 'servers': {
      const due = s.servers.assets.filter((a) => a.level !== 'ok').length;
      return `${s.servers.hosts.length} host(s) monitored; ${s.servers.assetsConfigured ? `${due} item(s) due for replacement` : 'no equipment list'}`;
    }
    case 'completeness':
      return `${fmtPct(s.completeness.overall)} of expected samples received`;
  }
}

const RAG_WORDS: Record<Rag, string> = { red: 'red', amber: 'amber', green: 'green', grey: 'no data' };

export function buildSummary(s: Sections, previous: Headline | null, org: OrgBaseline | null): SummarySection {
  const rags = areaRags(s);
  const figures = figuresOf(s);
  const areas = AREAS.map((area) => ({ area, title: AREA_TITLES[area], rag: rags[area], previous: previous?.areas[area] ?? null, reason: reasonFor(area, s) }));
  const list: HeadlineFigure[] = HEADLINE_FIGURES.map((f) => ({
    id: f.id,
    label: f.label,
    unit: f.unit,
    better: f.better,
    value: figures[f.id],
    previous: previous?.figures[f.id] ?? null,
    orgMedian: org?.medians[f.id] ?? null,
  }));
  const changes: string[] = [];
  if (previous === null) changes.push('No report for the previous month to compare with.');
  else {
    for (const a of areas) if (a.previous !== null && a.previous !== a.rag) changes.push(`${a.title}: ${RAG_WORDS[a.previous]} → ${RAG_WORDS[a.rag]}.`);
    for (const f of list) {
      if (f.value === null || f.previous === null) continue;
      const fmt = (x: number): string => (f.unit === 'ms' ? fmtMs(x) : fmtPct(x));
      const moved = f.unit === 'ms' ? Math.abs(f.value - f.previous) > 0.1 * Math.max(f.previous, 1) : Math.abs(f.value - f.previous) >= 0.001;
      if (!moved) continue;
      const better = f.better === 'higher' ? f.value > f.previous : f.value < f.previous;
      changes.push(`${f.label}: ${fmt(f.previous)} → ${fmt(f.value)} (${better ? 'better' : 'worse'}).`);
    }
    if (changes.length === 0) changes.push('No material change since last month.');
  }
  return { overall: worstRag(Object.values(rags)), areas, figures: list, changes, orgPractices: org?.practices ?? 0 };
}

export const RULES_IN_BRIEF: readonly string[] = [
  'The month is the Europe/London calendar month; core hours are 08:00–18:30 Monday–Friday excluding England and Wales bank holidays.',
  'A month in progress is judged on its elapsed part, up to 2 minutes before the report was made (runs still in flight are not counted as missing); the rest of the month is neither up, down nor unknown.',
  'Availability counts probe runs: each run stands for one check interval; a run that failed is down time. Maintenance windows are left out of both sides.',
  'Time without any run is unknown — never up. Availability is the share of measured time that was up; the share unknown is shown beside it, and a target is only judged when the gaps could not change the verdict or at least 90 % of runs arrived.',
  'Percentiles are nearest-rank over every measurement of the period, read from mergeable sketches of the hourly and minute rollups (within 1 % of the exact value).',
  '"Within threshold" is the share of runs measured at or under the rule\'s warning level; failed runs count as not within.',
  'An outage is a stretch of consecutive failed runs of one check, to the minute; it is matched to an alert of the same check (or role) overlapping it within 30 minutes.',
];

export function buildAppendix(thresholds: ReportThresholds): AppendixSection {
  return { rulesVersion: ACCOUNTING_RULES_VERSION, rulesDocument: 'docs/accounting-rules.md', rules: [...RULES_IN_BRIEF], thresholds: [...thresholds.all()] };
}
