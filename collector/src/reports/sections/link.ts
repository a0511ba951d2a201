/**
 * Section 3 — national link: availability of the n3-gateway checks against the resilient/single
 * target, RTT/jitter/loss (with a SmokePing-style distribution per day), WAN utilisation p95
 * against the 75 % mark, throughput against the contracted bandwidth.
 */
import { isNationalLinkInterface, NATIONAL_LINK_ROLE } from '../../../../shared/src/roles.ts';
import { THROUGHPUT_READING_LABEL } from '../../../../shared/src/throughput.ts';
import type { StoredSeries } from '../../storage/types.ts';
import { quantileOf } from '../accounting.ts';
import type { ReportContext } from '../context.ts';
import {
  availabilityFigure,
  dailyMoments,
  dailySketches,
  longOutageMs,
  momentsOf,
  outsideMaintenanceMs,
  percentilesOf,
  sketchOf,
  withinShare,
} from '../figures.ts';
import type { CheckAvailability, InterfaceUtilisation, LinkIncidentSplitSide, LinkSection, SmokeDay, ThroughputFigure } from '../model.ts';
import { mean, type Period } from '../periods.ts';
import type { SplitPeriods } from '../incident-split.ts';
import { intersect, totalMs } from '../intervals.ts';
import { worstRag, type Rag } from '../rules.ts';
import { checkLabel, type CheckRef } from '../series-index.ts';
import { levelOf } from '../thresholds.ts';

import { RTT_METRIC } from '../series-index.ts';

export { RTT_METRIC };

const isN3 = (c: CheckRef): boolean => c.role === NATIONAL_LINK_ROLE;

/** The national link's reachability checks: its availability figures (not SNMP or throughput). */
export function isLinkReachability(c: CheckRef): boolean {
  return isN3(c) && c.kind !== 'snmp' && c.kind !== 'throughput';
}

/** WAN interfaces: the national-link interface as shared/src/roles.ts defines it (`ifRole` n3-gateway, or legacy wan). */
export function isWanInterface(_c: CheckRef, s: StoredSeries): boolean {
  return isNationalLinkInterface(s.labels);
}

function smoke(ctx: ReportContext): SmokeDay[] {
  const rtt = dailySketches(ctx, ctx.index.metric(RTT_METRIC, isN3));
  const loss = dailyMoments(ctx, ctx.index.metric('icmp_loss_ratio', isN3));
  return ctx.frame.days.map((day, i) => {
    const s = rtt[i];
    const l = loss[i];
    const q = (p: number): number => (s === undefined ? Number.NaN : (quantileOf(s, p) ?? Number.NaN));
    return {
      date: day.date,
      rtt:
        s === undefined || s.count === 0 ? null : { min: q(0), p10: q(0.1), p25: q(0.25), p50: q(0.5), p75: q(0.75), p90: q(0.9), max: q(1), count: s.count },
      lossMean: l === undefined ? null : mean(l),
    };
  });
}

function utilisation(ctx: ReportContext): LinkSection['utilisation'] {
  const threshold = ctx.thresholds.get('wan-utilisation') ?? null;
  const inS = ctx.index.metric('snmp_if_in_utilisation_ratio', isWanInterface);
  const outS = ctx.index.metric('snmp_if_out_utilisation_ratio', isWanInterface);
  const ifKey = (s: StoredSeries): string => `${s.agent}/${s.labels.check ?? ''}/${s.labels.ifIndex ?? s.labels.ifName ?? ''}`;
  const both = [...inS, ...outS];
  const daily = dailySketches(ctx, both).map((s, i) => ({ date: ctx.frame.days[i]?.date ?? '', p95: quantileOf(s, 0.95) }));
  const keys = [...new Set(both.map(ifKey))].sort();
  const interfaces: InterfaceUtilisation[] = keys.map((k) => {
    const i = inS.filter((s) => ifKey(s) === k);
    const o = outS.filter((s) => ifKey(s) === k);
    const first = (i[0] ?? o[0]) as StoredSeries;
    const si = sketchOf(ctx, i, ctx.all);
    const so = sketchOf(ctx, o, ctx.all);
    const limit = threshold?.warning ?? null;
    const over =
      limit === null || si.count + so.count === 0
        ? null
        : 1 - ((withinShare(si, limit, si.count) ?? 0) * si.count + (withinShare(so, limit, so.count) ?? 0) * so.count) / (si.count + so.count);
    const p95In = quantileOf(si, 0.95);
    const p95Out = quantileOf(so, 0.95);
    const worst = p95In === null ? p95Out : p95Out === null ? p95In : Math.max(p95In, p95Out);
    return {
      device: first.labels.device ?? first.labels.target ?? ctx.index.checkOf(first).check,
      ifName: first.labels.ifName ?? first.labels.ifIndex ?? '?',
      p95In,
      p95Out,
      overWarningShare: over,
      level: levelOf(threshold ?? undefined, worst),
    };
  });
  return { interfaces, daily, threshold };
}

function throughput(ctx: ReportContext): ThroughputFigure[] {
  const out: ThroughputFigure[] = [];
  for (const [direction, metric, contracted] of [
    ['down', 'throughput_down_bps', ctx.practice.contractedDownBps],
    ['up', 'throughput_up_bps', ctx.practice.contractedUpBps],
  ] as const) {
    // Readings the probe marked as not the link's rate (a `reading` label) are counted, not used.
    const s = sketchOf(
      ctx,
      ctx.index.metric(metric, (_c, x) => x.labels[THROUGHPUT_READING_LABEL] === undefined),
      ctx.all,
    );
    const leftOut = sketchOf(
      ctx,
      ctx.index.metric(metric, (_c, x) => x.labels[THROUGHPUT_READING_LABEL] !== undefined),
      ctx.all,
    ).count;
    if (s.count === 0 && leftOut === 0 && contracted === undefined) continue;
    const median = quantileOf(s, 0.5);
    out.push({
      direction,
      count: s.count,
      leftOut,
      median,
      p10: quantileOf(s, 0.1),
      contractedBps: contracted ?? null,
      ratio: median !== null && contracted !== undefined && contracted > 0 ? median / contracted : null,
    });
  }
  return out;
}

/** Availability and RTT/jitter/loss of the link on a pair of periods (the month's, or one part of an incident split). */
function linkFigures(ctx: ReportContext, periods: SplitPeriods): Omit<LinkIncidentSplitSide, 'coreMs' | 'allMs'> {
  const target = ctx.thresholds.get('n3-availability') ?? null;
  const checks: CheckAvailability[] = [];
  for (const c of ctx.index.checks.filter(isLinkReachability)) {
    const r = ctx.runs.get(c.key);
    if (r === undefined || r.runsPerHour === 0) continue;
    checks.push({
      check: c.check,
      target: checkLabel(c),
      role: c.role,
      core: availabilityFigure(ctx, r, periods.core, target?.warning ?? null),
      all: availabilityFigure(ctx, r, periods.all, target?.warning ?? null),
    });
  }
  const rttS = ctx.index.metric(RTT_METRIC, isN3);
  const jitS = ctx.index.metric('icmp_jitter_ms', isN3);
  const lossS = ctx.index.metric('icmp_loss_ratio', isN3);
  const rttAll = percentilesOf(sketchOf(ctx, rttS, periods.all));
  const jitAll = percentilesOf(sketchOf(ctx, jitS, periods.all));
  const lossAll = mean(momentsOf(ctx, lossS, periods.all));
  return {
    checks,
    rtt: { core: percentilesOf(sketchOf(ctx, rttS, periods.core)), all: rttAll, level: levelOf(ctx.thresholds.get('n3-rtt'), rttAll.p95) },
    jitter: { core: percentilesOf(sketchOf(ctx, jitS, periods.core)), all: jitAll, level: levelOf(ctx.thresholds.get('n3-jitter'), jitAll.p95) },
    loss: { core: mean(momentsOf(ctx, lossS, periods.core)), all: lossAll, level: levelOf(ctx.thresholds.get('n3-loss'), lossAll) },
  };
}

export function buildLinkSection(ctx: ReportContext): LinkSection {
  const target = ctx.thresholds.get('n3-availability') ?? null;
  const daily = smoke(ctx); // first: the RTT series' month sketches come with its daily ones
  const month = linkFigures(ctx, ctx);
  const checks = month.checks;
  const util = utilisation(ctx);
  const section: Omit<LinkSection, 'rag'> = {
    target,
    checks,
    rtt: { ...month.rtt, threshold: ctx.thresholds.get('n3-rtt') ?? null },
    jitter: { ...month.jitter, threshold: ctx.thresholds.get('n3-jitter') ?? null },
    loss: { ...month.loss, threshold: ctx.thresholds.get('n3-loss') ?? null },
    daily,
    utilisation: util,
    throughput: throughput(ctx),
    notes: [],
  };
  if (target === null) section.notes.push('No availability target in the threshold profile: availability is shown without a verdict.');
  if (checks.length === 0) section.notes.push('No data: no national-link (n3-gateway) reachability checks reported this month.');
  if (util.interfaces.length === 0)
    section.notes.push("No data: no SNMP utilisation samples for a WAN interface (an interface the agent's SNMP check marks `role: n3-gateway`).");
  if (section.throughput.length === 0) section.notes.push('No data: no throughput tests ran and no contracted bandwidth is configured.');
  else if (section.throughput.some((t) => t.contractedBps === null))
    section.notes.push('Contracted bandwidth is not configured for this practice, so throughput is shown without comparison.');
  for (const t of section.throughput) {
    if (t.leftOut > 0)
      section.notes.push(
        `Throughput ${t.direction === 'down' ? 'download' : 'upload'}: ${t.leftOut} reading${t.leftOut === 1 ? '' : 's'} left out of median / contracted (a lower bound, a stall, or a receiver running late: the probe's \`reading\` label).`,
      );
  }
  const split = ctx.linkSplit;
  if (split === undefined) return { ...section, rag: linkRag(section, ctx) };
  // Accounting rules §12: both parts shown, the link judged on the practice's own minutes.
  const side = (p: SplitPeriods): LinkIncidentSplitSide => ({ coreMs: p.core.lengthMs, allMs: p.all.lengthMs, ...linkFigures(ctx, p) });
  const own = side(split.own);
  const incidentSplit = {
    incidents: split.incidents.map((i) => ({ id: i.id, summary: i.summary, start: i.start, end: i.end })),
    national: side(split.national),
    own,
  };
  return {
    ...section,
    rag: linkRag(
      {
        ...section,
        checks: own.checks,
        rtt: { ...section.rtt, level: own.rtt.level },
        jitter: { ...section.jitter, level: own.jitter.level },
        loss: { ...section.loss, level: own.loss.level },
      },
      ctx,
      split.own.all,
    ),
    incidentSplit,
  };
}

function linkRag(s: Omit<LinkSection, 'rag'>, ctx: ReportContext, own?: Period): Rag {
  const rags: Rag[] = [];
  for (const c of s.checks) {
    for (const v of [c.core.verdict, c.all.verdict])
      if (v === 'missed') rags.push('red');
      else if (v === 'met') rags.push('green');
  }
  for (const level of [s.rtt.level, s.jitter.level, s.loss.level, ...s.utilisation.interfaces.map((i) => i.level)]) {
    if (level === 'critical') rags.push('red');
    else if (level === 'warning') rags.push('amber');
    else if (level === 'ok') rags.push('green');
  }
  const longMs = longOutageMs(ctx);
  for (const c of ctx.index.checks) {
    if (!isN3(c)) continue;
    for (const o of ctx.runs.get(c.key)?.outages ?? []) {
      // With a split, only the outage's minutes in the practice's own part count (§12).
      const ms = own === undefined ? outsideMaintenanceMs(ctx, o) : totalMs(intersect([{ from: o.start, to: o.end }], own.intervals));
      if (ms > longMs) rags.push('red');
    }
  }
  return worstRag(rags);
}
