/** The incidents section: every alert of the month, outages found in the data, and which match which. */
import { listedOutages } from '../accounting.ts';
import type { IncidentRecord, ReportContext } from '../context.ts';
import { longOutageMs, outsideMaintenanceMs } from '../figures.ts';
import type { IncidentRow, IncidentsSection, OutageRow } from '../model.ts';
import { ACCOUNTING, worstRag, type Rag } from '../rules.ts';
import { checkLabel, type CheckRef } from '../series-index.ts';

/** Roles whose checks' down stretches are outages (the reachability checks of the report). */
export const OUTAGE_ROLES: ReadonlySet<string> = new Set(['n3-gateway', 'national-app', 'lan-gateway', 'branch-site', 'internet']);
const NOT_REACHABILITY = new Set(['snmp', 'host', 'throughput', 'agent']);

export function isReachabilityCheck(c: CheckRef): boolean {
  return OUTAGE_ROLES.has(c.role) && !NOT_REACHABILITY.has(c.kind);
}

/** Does an alert describe this outage? Same check (or, for alerts without one, the same role) and overlapping in time. */
export function matches(alert: IncidentRecord, check: CheckRef, start: number, end: number): boolean {
  if (alert.check !== undefined) {
    if (alert.check !== check.key && alert.check !== check.check) return false;
  } else if (alert.role === undefined || alert.role !== check.role) {
    return false;
  }
  const slack = ACCOUNTING.incidentMatchSlackMs;
  const alertEnd = alert.end ?? Number.POSITIVE_INFINITY;
  return alert.start < end + slack && alertEnd > start - slack;
}

export function buildIncidentsSection(ctx: ReportContext): IncidentsSection {
  const { frame } = ctx;
  const longMs = longOutageMs(ctx);
  const alerts: IncidentRow[] = ctx.incidents.alerts
    .filter((a) => a.start < frame.end && (a.end ?? Number.POSITIVE_INFINITY) > frame.start)
    .map((a) => {
      const end = a.end ?? Math.min(ctx.now, frame.end);
      return {
        id: a.id,
        rule: a.rule,
        severity: a.severity,
        subject: a.subject,
        start: a.start,
        end: a.end,
        durationMs: Math.max(0, Math.min(end, frame.end) - Math.max(a.start, frame.start)),
        over5h: end - a.start > longMs,
      };
    })
    .sort((a, b) => a.start - b.start);
  const outages: OutageRow[] = [];
  for (const c of ctx.index.checks.filter(isReachabilityCheck)) {
    for (const o of listedOutages(ctx.runs.get(c.key)?.outages ?? [])) {
      const outside = outsideMaintenanceMs(ctx, o);
      outages.push({
        check: c.check,
        role: c.role,
        app: c.app ?? null,
        target: checkLabel(c),
        start: o.start,
        end: o.end,
        durationMs: o.end - o.start,
        endedInGap: o.endedInGap,
        inMaintenance: outside === 0,
        over5h: outside > longMs,
        incidentIds: ctx.incidents.alerts.filter((a) => matches(a, c, o.start, o.end)).map((a) => a.id),
      });
    }
  }
  outages.sort((a, b) => a.start - b.start || a.check.localeCompare(b.check));
  const rags: Rag[] = [];
  for (const a of alerts) rags.push(a.severity === 'critical' ? 'red' : 'amber');
  for (const o of outages) if (!o.inMaintenance) rags.push(o.over5h ? 'red' : 'amber');
  // Nothing to report is only good news when the practice's reachability checks actually ran.
  const measured = ctx.index.checks.some((c) => isReachabilityCheck(c) && (ctx.runs.get(c.key)?.runsPerHour ?? 0) > 0);
  if (rags.length === 0) rags.push(measured ? 'green' : 'grey');
  const notes: string[] = [];
  if (!ctx.incidents.available) notes.push('The alert store was not available to this report: only outages found in the data are listed.');
  const unmatched = outages.filter((o) => o.incidentIds.length === 0 && !o.inMaintenance).length;
  if (unmatched > 0 && ctx.incidents.available)
    notes.push(`${unmatched} outage(s) found in the data had no matching alert (short outages end before an alert's sustained-breach rule raises).`);
  return {
    alertsAvailable: ctx.incidents.available,
    alerts,
    outages,
    maintenance: ctx.incidents.maintenance.filter((m) => m.start < frame.end && m.end > frame.start).sort((a, b) => a.start - b.start),
    longOutageRule: ctx.thresholds.get('outage') ?? null,
    rag: worstRag(rags),
    notes,
  };
}
