/**
 * The practice page's charts: one series request per metric the practice reports (over the
 * chosen range, at the API's automatic step), grouped per check, drawn per target / device.
 */
import type { App } from '../app.ts';
import { h } from '../dom.ts';
import type { ChartHandle } from '../charts/chart.ts';
import { smokeChart } from '../charts/smoke.ts';
import { linesChart, phasesChart, PHASES, type LineSeries } from '../charts/lines.ts';
import { fmtWithUnit } from '../format.ts';
import type { PracticeDetail, SeriesResponse } from '../types.ts';
import { BRANCH_SITE_ROLE, isNationalLinkInterface, SITE_LABEL } from '../../../../shared/src/roles.ts';

type Series = SeriesResponse['series'][number] & { metric: string };

export interface Range {
  from: number;
  to: number;
  onZoom: (from: number, to: number) => void;
}

export interface ChartSections {
  el: HTMLElement;
  charts: ChartHandle[];
}

const MAX_LINES = 6;

const groupKey = (s: Series) => `${s.agent}\u0000${s.labels.check ?? ''}`;

function groupBy(list: readonly Series[], key: (s: Series) => string): Map<string, Series[]> {
  const m = new Map<string, Series[]>();
  for (const s of list) {
    const k = key(s);
    const g = m.get(k);
    if (g === undefined) m.set(k, [s]);
    else g.push(s);
  }
  return m;
}

const peak = (s: Series) => s.points.reduce((m, p) => Math.max(m, p.max), 0);
const labelOf = (s: Series) => s.labels.target ?? s.labels.device ?? s.labels.check ?? s.id;

function section(id: string, title: string, intro: string, charts: ChartHandle[], empty: string, note?: HTMLElement): HTMLElement {
  return h(
    'section',
    { class: 'chart-section', 'aria-labelledby': id },
    h('h2', { id }, title),
    h('p', { class: 'muted' }, intro),
    ...(note === undefined ? [] : [note]),
    charts.length === 0
      ? h('p', { class: 'empty' }, empty)
      : h(
          'div',
          { class: 'chart-grid' },
          charts.map((c) => c.el),
        ),
  );
}

export async function buildChartSections(app: App, ods: string, detail: PracticeDetail, range: Range, signal: AbortSignal): Promise<ChartSections> {
  const have = new Set(detail.metrics.map((m) => m.metric));
  const fetchMetric = async (metric: string): Promise<Series[]> =>
    have.has(metric)
      ? (
          await app.api.get<SeriesResponse>(`/api/v1/practices/${encodeURIComponent(ods)}/series`, { metric, from: range.from, to: range.to }, { signal })
        ).series.map((s) => ({ ...s, metric }))
      : [];
  const wanted = [
    'icmp_rtt_median_ms',
    'icmp_rtt_min_ms',
    'icmp_rtt_max_ms',
    'icmp_loss_ratio',
    'http_phase_ms',
    'http_total_ms',
    'tcp_connect_ms',
    'snmp_if_in_utilisation_ratio',
    'snmp_if_out_utilisation_ratio',
    'snmp_if_in_errors_per_s',
    'snmp_if_out_errors_per_s',
    'snmp_if_in_discards_per_s',
    'snmp_if_out_discards_per_s',
    'snmp_if_speed_mismatch_bps',
    'host_cpu_load_ratio',
    'host_mem_used_ratio',
    'host_disk_used_ratio',
  ] as const;
  const results = await Promise.all(wanted.map((m) => fetchMetric(m)));
  const got = Object.fromEntries(wanted.map((m, i) => [m, results[i] ?? []])) as Record<(typeof wanted)[number], Series[]>;
  const common = { from: range.from, to: range.to, onZoom: range.onZoom };
  const stepOf = (list: readonly Series[]) => {
    for (const s of list) if (s.points.length > 1) return Math.min(...s.points.slice(1).map((p, i) => p.ts - (s.points[i] as { ts: number }).ts));
    return 60_000;
  };

  // Latency and loss, per ICMP check; branch sites (role branch-site) in a section of their own.
  const smoke: ChartHandle[] = [];
  const branch: ChartHandle[] = [];
  const med = groupBy(got.icmp_rtt_median_ms, groupKey);
  const mins = groupBy(got.icmp_rtt_min_ms, groupKey);
  const maxs = groupBy(got.icmp_rtt_max_ms, groupKey);
  const loss = groupBy(got.icmp_loss_ratio, groupKey);
  const icmpKeys = [...new Set([...med.keys(), ...loss.keys()])].sort();
  for (const k of icmpKeys) {
    const any = (med.get(k) ?? loss.get(k) ?? [])[0] as Series;
    const site = any.labels[SITE_LABEL] === undefined ? '' : `${any.labels[SITE_LABEL]}: `;
    const role = any.labels.role === undefined ? '' : ` (${any.labels.role})`;
    (any.labels.role === BRANCH_SITE_ROLE ? branch : smoke).push(
      smokeChart({
        title: `${site}${labelOf(any)}${role}`,
        median: med.get(k)?.[0]?.points ?? [],
        min: mins.get(k)?.[0]?.points ?? [],
        max: maxs.get(k)?.[0]?.points ?? [],
        loss: loss.get(k)?.[0]?.points ?? [],
        stepMs: stepOf([...(med.get(k) ?? []), ...(loss.get(k) ?? [])]),
        ...common,
      }),
    );
  }

  // National applications: HTTP phases per check, TCP connect times together.
  const apps: ChartHandle[] = [];
  const phases = groupBy(got.http_phase_ms, groupKey);
  const totals = groupBy(got.http_total_ms, groupKey);
  for (const [k, list] of [...phases].sort(([a], [b]) => a.localeCompare(b))) {
    const first = list[0] as Series;
    const byPhase = Object.fromEntries(PHASES.map((p) => [p, list.find((s) => s.labels.phase === p)?.points ?? []]));
    apps.push(
      phasesChart({
        title: `${first.labels.app === undefined ? '' : `${first.labels.app}: `}${labelOf(first)} — response time by phase (median)`,
        phases: byPhase,
        total: totals.get(k)?.[0]?.points ?? [],
        ...common,
      }),
    );
  }
  if (got.tcp_connect_ms.length > 0) {
    apps.push(
      linesChart({
        title: 'TCP connect time (p95)',
        unit: 'ms',
        series: got.tcp_connect_ms
          .slice(0, MAX_LINES)
          .map((s): LineSeries => ({ label: `${s.labels.app === undefined ? '' : `${s.labels.app} `}${labelOf(s)}`, points: s.points, pick: 'p95' })),
        ...common,
      }),
    );
  }

  // Interfaces: the busiest ports' utilisation and the ports with errors or discards, per device.
  const ifaces: ChartHandle[] = [];
  const devices = groupBy(
    [...got.snmp_if_in_utilisation_ratio, ...got.snmp_if_out_utilisation_ratio],
    (s) => `${s.agent}\u0000${s.labels.device ?? s.labels.target ?? ''}`,
  );
  for (const [, list] of [...devices].sort(([a], [b]) => a.localeCompare(b))) {
    const device = labelOf(list[0] as Series);
    // The national-link (WAN) port first, whatever its load: it is the one the 75 % rule judges.
    const wan = (s: Series): number => (isNationalLinkInterface(s.labels) ? 1 : 0);
    const busiest = [...list].sort((a, b) => wan(b) - wan(a) || peak(b) - peak(a)).slice(0, MAX_LINES);
    const ports = new Set(list.map((s) => s.labels.ifName ?? s.labels.ifIndex));
    ifaces.push(
      linesChart({
        title: `${device} — interface utilisation (p95)`,
        unit: '%',
        yMax: 100,
        series: busiest.map((s) => ({
          label: `${s.labels.ifName ?? s.labels.ifIndex ?? '?'} ${s.metric.includes('_in_') ? 'in' : 'out'}${wan(s) === 1 ? ' (national link)' : ''}`,
          points: s.points,
          pick: 'p95',
          scale: 100,
          dash: s.metric.includes('_out_'),
        })),
        note: `Showing ${busiest.some((s) => wan(s) === 1) ? 'the national-link port and ' : ''}the busiest of ${ports.size * 2} interface directions; the 75 % mark is the NHS advice to review connectivity (judged on the national-link port).`,
        ...common,
      }),
    );
  }
  const faults = [...got.snmp_if_in_errors_per_s, ...got.snmp_if_out_errors_per_s, ...got.snmp_if_in_discards_per_s, ...got.snmp_if_out_discards_per_s].filter(
    (s) => peak(s) > 0,
  );
  for (const [, list] of groupBy(faults, (s) => `${s.agent}\u0000${s.labels.device ?? s.labels.target ?? ''}`)) {
    const worst = [...list].sort((a, b) => peak(b) - peak(a)).slice(0, MAX_LINES);
    ifaces.push(
      linesChart({
        title: `${labelOf(list[0] as Series)} — interface errors and discards`,
        unit: 'per_s',
        series: worst.map((s) => ({
          label: `${s.labels.ifName ?? s.labels.ifIndex ?? '?'} ${s.metric.replace(/^snmp_if_|_per_s$/g, '').replace('_', ' ')}`,
          points: s.points,
          pick: 'max',
        })),
        ...common,
      }),
    );
  }
  const faultNote = got.snmp_if_in_errors_per_s.length > 0 && faults.length === 0 ? ' No interface errors or discards in this period.' : '';
  // Ports whose rate disproved the speed the device reports (snmpd's lo at 10 Mbit/s, a dialer at 56 kbit/s): the agent sends their rates but no utilisation.
  const mismatched = got.snmp_if_speed_mismatch_bps.filter((s) => s.points.length > 0).slice(0, MAX_LINES * 2);
  if (mismatched.length > 0) {
    const portKey = (s: Series, dir: string) => `${s.agent}\u0000${labelOf(s)}\u0000${s.labels.ifIndex ?? ''}\u0000${dir}`;
    const flagged = new Set(mismatched.map((s) => portKey(s, s.labels.direction ?? '')));
    const [inBps, outBps] = await Promise.all([fetchMetric('snmp_if_in_bps'), fetchMetric('snmp_if_out_bps')]);
    const rates = [...inBps, ...outBps].filter((s) => flagged.has(portKey(s, s.metric.includes('_in_') ? 'in' : 'out')));
    for (const [, list] of groupBy(rates, (s) => `${s.agent}\u0000${labelOf(s)}`)) {
      const series = list.slice(0, MAX_LINES).map(
        (s): LineSeries => ({
          label: `${s.labels.ifName ?? s.labels.ifIndex ?? '?'} ${s.metric.includes('_in_') ? 'in' : 'out'}`,
          points: s.points,
          pick: 'p95',
          dash: s.metric.includes('_out_'),
        }),
      );
      ifaces.push(linesChart({ title: `${labelOf(list[0] as Series)} — rate of interfaces above their reported speed (p95)`, unit: 'bps', series, ...common }));
    }
  }
  const speedNote =
    mismatched.length === 0
      ? undefined
      : h(
          'p',
          { class: 'note speed-mismatch' },
          'Rate above the reported interface speed — set ',
          h('code', null, 'inBps'),
          '/',
          h('code', null, 'outBps'),
          ' (or ',
          h('code', null, 'speedBps'),
          `) in the agent config: ${mismatched.map((s) => `${labelOf(s)} ${s.labels.ifName ?? s.labels.ifIndex ?? '?'} ${s.labels.direction ?? ''} (reports ${fmtWithUnit(peak(s), 'bps')})`).join(', ')}. No utilisation is shown for these until then.`,
        );

  // Server (host metrics), per agent.
  const host: ChartHandle[] = [];
  for (const [agent, list] of groupBy([...got.host_cpu_load_ratio, ...got.host_mem_used_ratio, ...got.host_disk_used_ratio], (s) => s.agent)) {
    const name = (s: Series) => (s.metric === 'host_cpu_load_ratio' ? 'CPU' : s.metric === 'host_mem_used_ratio' ? 'Memory' : `Disk ${s.labels.mount ?? ''}`);
    const ordered = [...list].sort((a, b) => name(a).localeCompare(name(b))).slice(0, MAX_LINES + 2);
    host.push(
      linesChart({
        title: `Server ${agent} — CPU, memory and disk used`,
        unit: '%',
        yMax: 100,
        series: ordered.map((s) => ({ label: name(s), points: s.points, pick: 'mean', scale: 100 })),
        ...common,
      }),
    );
  }

  const el = h(
    'div',
    { class: 'chart-sections' },
    section(
      'sec-latency',
      'Latency and packet loss',
      'Round-trip time of each ICMP target, SmokePing style. Drag across a chart to zoom in.',
      smoke,
      'This practice has no ICMP checks reporting in this period.',
    ),
    section(
      'sec-branch',
      'Branch links',
      'Round-trip time and loss to each branch site (role branch-site), SmokePing style.',
      branch,
      'No branch-site checks reporting in this period.',
    ),
    section(
      'sec-apps',
      'National applications',
      'HTTP response time split by phase, and TCP connect times.',
      apps,
      'No national-application checks reporting in this period.',
    ),
    section(
      'sec-ifaces',
      'Interfaces',
      `Switch and router interfaces polled over SNMP.${faultNote}`,
      ifaces,
      'No SNMP interface data in this period.',
      speedNote,
    ),
    section('sec-host', 'Server', 'Host metrics of the practice server the agent runs on.', host, 'No host metrics in this period.'),
  );
  return { el, charts: [...smoke, ...branch, ...apps, ...ifaces, ...host] };
}
