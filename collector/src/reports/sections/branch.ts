/**
 * Part of section 4 — branch links ("branch to main practice"): per branch-site check,
 * availability (core hours and 24×7) against the branch availability target, RTT p50/p95 and
 * mean loss against the branch link rules. Its RAG is the summary's "Branch links" area.
 */
import { BRANCH_SITE_ROLE, SITE_LABEL } from '../../../../shared/src/roles.ts';
import type { ReportContext } from '../context.ts';
import { availabilityFigure, momentsOf, noFigure, percentilesOf, sketchOf } from '../figures.ts';
import type { BranchRow, BranchSection } from '../model.ts';
import { mean } from '../periods.ts';
import { worstRag, type Rag } from '../rules.ts';
import { checkLabel, type CheckRef } from '../series-index.ts';
import { levelOf, type Level } from '../thresholds.ts';
import { RTT_METRIC } from './link.ts';

/** Branch-site reachability checks (ICMP, TCP, HTTP… to the branch's router); never SNMP polls. */
export const isBranch = (c: CheckRef): boolean => c.role === BRANCH_SITE_ROLE && c.kind !== 'snmp' && c.kind !== 'throughput';

function worstLevel(levels: ReadonlyArray<Level | null>): Level | null {
  if (levels.includes('critical')) return 'critical';
  if (levels.includes('warning')) return 'warning';
  return levels.includes('ok') ? 'ok' : null;
}

function siteOf(ctx: ReportContext, c: CheckRef): string | null {
  for (const s of [...ctx.index.success(c.key), ...ctx.index.metric(RTT_METRIC, (x) => x.key === c.key)]) {
    const site = s.labels[SITE_LABEL];
    if (site !== undefined) return site;
  }
  return null;
}

export function buildBranchSection(ctx: ReportContext): BranchSection {
  const target = ctx.thresholds.get('branch-availability') ?? null;
  const rttRule = ctx.thresholds.get('branch-rtt') ?? null;
  const lossRule = ctx.thresholds.get('branch-loss') ?? null;
  const sites: BranchRow[] = [];
  for (const c of ctx.index.checks.filter(isBranch)) {
    const r = ctx.runs.get(c.key);
    const measured = r !== undefined && r.runsPerHour > 0;
    const rttS = ctx.index.metric(RTT_METRIC, (x) => x.key === c.key);
    const rtt = percentilesOf(sketchOf(ctx, rttS, ctx.all));
    const core = measured ? availabilityFigure(ctx, r, ctx.core, target?.warning ?? null) : noFigure();
    const all = measured ? availabilityFigure(ctx, r, ctx.all, target?.warning ?? null) : noFigure();
    if (all.runs === 0 && rtt.count === 0) continue;
    const lossMean = mean(
      momentsOf(
        ctx,
        ctx.index.metric('icmp_loss_ratio', (x) => x.key === c.key),
        ctx.all,
      ),
    );
    sites.push({
      check: c.check,
      site: siteOf(ctx, c),
      target: checkLabel(c),
      core,
      all,
      rtt,
      lossMean,
      level: worstLevel([levelOf(rttRule, rtt.p95), levelOf(lossRule, lossMean)]),
    });
  }
  sites.sort((a, b) => (a.site ?? a.target).localeCompare(b.site ?? b.target) || a.check.localeCompare(b.check));
  const notes: string[] = [];
  if (sites.length === 0)
    notes.push("No data: no branch-site checks reported this month (an ICMP check with role branch-site to each branch's router measures the link).");
  if (sites.length > 0 && target === null) notes.push('No branch availability target in the threshold profile: availability is shown without a verdict.');
  const rags: Rag[] = [];
  for (const s of sites) {
    for (const v of [s.core.verdict, s.all.verdict])
      if (v === 'missed') rags.push('red');
      else if (v === 'met') rags.push('green');
    rags.push(s.level === 'critical' ? 'red' : s.level === 'warning' ? 'amber' : s.level === 'ok' ? 'green' : 'grey');
  }
  return { sites, target, rttThreshold: rttRule, lossThreshold: lossRule, rag: worstRag(rags), notes };
}
