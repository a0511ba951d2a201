/**
 * Section 4 — practice LAN: gateway RTT/loss, interface errors and discards, busiest ports, device
 * reboots; and the branch links (./branch.ts), whose RAG is an area of its own.
 */
import type { StoredSeries } from '../../storage/types.ts';
import { countReboots, quantileOf } from '../accounting.ts';
import { bucketsOf, type ReportContext } from '../context.ts';
import { availabilityFigure, momentsOf, noFigure, percentilesOf, sketchOf } from '../figures.ts';
import type { DeviceReboots, GatewayRow, InterfaceErrors, LanSection, PortLoad } from '../model.ts';
import { mean } from '../periods.ts';
import { ACCOUNTING, worstRag, type Rag } from '../rules.ts';
import { checkLabel, type CheckRef } from '../series-index.ts';
import { levelOf } from '../thresholds.ts';
import { RTT_METRIC } from './link.ts';
import { HOUR_MS } from '../month.ts';
import { buildBranchSection } from './branch.ts';

const isLan = (c: CheckRef): boolean => c.role === 'lan-gateway' && c.kind !== 'snmp';

function deviceOf(ctx: ReportContext, s: StoredSeries): string {
  return s.labels.device ?? s.labels.target ?? ctx.index.checkOf(s).check;
}

function ifKey(s: StoredSeries): string {
  return `${s.agent}/${s.labels.check ?? ''}/${s.labels.ifIndex ?? s.labels.ifName ?? ''}`;
}

function groupByInterface(list: readonly StoredSeries[]): Map<string, StoredSeries[]> {
  const out = new Map<string, StoredSeries[]>();
  for (const s of list) {
    const k = ifKey(s);
    let arr = out.get(k);
    if (arr === undefined) out.set(k, (arr = []));
    arr.push(s);
  }
  return out;
}

/** Seconds one sample of the series stands for: the SNMP check's poll interval (default 60 s). */
function sampleSeconds(ctx: ReportContext, s: StoredSeries): number {
  const rph = ctx.runs.get(ctx.index.checkOf(s).key)?.runsPerHour ?? 0;
  return rph > 0 ? HOUR_MS / 1000 / rph : 60;
}

function interfaceErrors(ctx: ReportContext): InterfaceErrors[] {
  const metrics = ['snmp_if_in_errors_per_s', 'snmp_if_out_errors_per_s', 'snmp_if_in_discards_per_s', 'snmp_if_out_discards_per_s'];
  const groups = groupByInterface(metrics.flatMap((m) => ctx.index.metric(m)));
  const out: InterfaceErrors[] = [];
  for (const list of groups.values()) {
    const row: InterfaceErrors = {
      device: deviceOf(ctx, list[0] as StoredSeries),
      ifName: (list[0] as StoredSeries).labels.ifName ?? '?',
      errors: 0,
      discards: 0,
      peakPerS: 0,
    };
    for (const s of list) {
      const m = momentsOf(ctx, [s], ctx.all);
      if (m.count === 0) continue;
      const events = m.sum * sampleSeconds(ctx, s);
      if (s.metric.includes('errors')) row.errors += events;
      else row.discards += events;
      row.peakPerS = Math.max(row.peakPerS, m.max);
    }
    if (row.errors > 0 || row.discards > 0) out.push({ ...row, errors: Math.round(row.errors), discards: Math.round(row.discards) });
  }
  return out.sort((a, b) => b.errors + b.discards - (a.errors + a.discards)).slice(0, ACCOUNTING.topN * 2);
}

/**
 * The busiest ports: ranked by mean rate (in or out, from the hourly sums), then the p95 of the
 * top ones read from their merged sketches.
 */
function busiestPorts(ctx: ReportContext): PortLoad[] {
  const inG = groupByInterface(ctx.index.metric('snmp_if_in_bps'));
  const outG = groupByInterface(ctx.index.metric('snmp_if_out_bps'));
  const ranked = [...new Set([...inG.keys(), ...outG.keys()])]
    .map((k) => {
      const i = inG.get(k) ?? [];
      const o = outG.get(k) ?? [];
      const meanIn = mean(momentsOf(ctx, i, ctx.all));
      const meanOut = mean(momentsOf(ctx, o, ctx.all));
      return { i, o, meanIn, meanOut, load: Math.max(meanIn ?? 0, meanOut ?? 0) };
    })
    .sort((a, b) => b.load - a.load)
    .slice(0, ACCOUNTING.topN);
  return ranked.map(({ i, o, meanIn, meanOut }) => {
    const first = (i[0] ?? o[0]) as StoredSeries;
    return {
      device: deviceOf(ctx, first),
      ifName: first.labels.ifName ?? '?',
      meanInBps: meanIn,
      meanOutBps: meanOut,
      p95InBps: quantileOf(sketchOf(ctx, i, ctx.all), 0.95),
      p95OutBps: quantileOf(sketchOf(ctx, o, ctx.all), 0.95),
    };
  });
}

function reboots(ctx: ReportContext): DeviceReboots[] {
  const out: DeviceReboots[] = [];
  for (const s of ctx.index.metric('snmp_device_uptime_s')) {
    const d = bucketsOf(ctx, [s])[0];
    if (d === undefined) continue;
    const hourly = [...d.hourly.values()].sort((a, b) => a.start - b.start);
    const at = countReboots(hourly);
    out.push({ device: deviceOf(ctx, s), reboots: at.length, at });
  }
  return out.sort((a, b) => b.reboots - a.reboots || a.device.localeCompare(b.device));
}

export function buildLanSection(ctx: ReportContext): LanSection {
  const threshold = ctx.thresholds.get('lan-rtt') ?? null;
  const lossRule = ctx.thresholds.get('lan-loss');
  const gateways: GatewayRow[] = [];
  for (const c of ctx.index.checks.filter(isLan)) {
    const r = ctx.runs.get(c.key);
    const rtt = percentilesOf(
      sketchOf(
        ctx,
        ctx.index.metric(RTT_METRIC, (x) => x.key === c.key),
        ctx.all,
      ),
    );
    const lossMean = mean(
      momentsOf(
        ctx,
        ctx.index.metric('icmp_loss_ratio', (x) => x.key === c.key),
        ctx.all,
      ),
    );
    const all = r !== undefined && r.runsPerHour > 0 ? availabilityFigure(ctx, r, ctx.all, null) : noFigure();
    if (all.runs === 0 && rtt.count === 0) continue;
    const levels = [levelOf(threshold ?? undefined, rtt.p95), levelOf(lossRule, lossMean)];
    const level = levels.includes('critical') ? 'critical' : levels.includes('warning') ? 'warning' : levels.includes('ok') ? 'ok' : null;
    gateways.push({ check: c.check, target: checkLabel(c), all, rtt, lossMean, level });
  }
  const snmp = ctx.index.checks.some((c) => c.kind === 'snmp');
  const section: Omit<LanSection, 'rag'> = {
    gateways,
    threshold,
    errors: interfaceErrors(ctx),
    busiestPorts: busiestPorts(ctx),
    reboots: reboots(ctx),
    snmp,
    branches: buildBranchSection(ctx),
    notes: [],
  };
  if (gateways.length === 0) section.notes.push('No data: no LAN gateway (lan-gateway) checks reported this month.');
  if (!snmp) section.notes.push('No data: no SNMP devices are polled for this practice, so interface errors, port load and reboots are not known.');
  const rags: Rag[] = gateways.map((g) => (g.level === 'critical' ? 'red' : g.level === 'warning' ? 'amber' : g.level === 'ok' ? 'green' : 'grey'));
  return { ...section, rag: worstRag(rags) };
}
