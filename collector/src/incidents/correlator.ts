/**
 * The incident correlator: listens to alert changes, and once per evaluation round re-derives the
 * national incidents of every (rule, scope) that changed — from the alerts' event times, so the
 * order in which practices' data arrived does not matter — stores them with their member alerts
 * and sends one notification per incident (firing when it opens, resolved when it ends) through
 * the notifier's channels. Member alerts are not notified on their own (Notifier `explained`).
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../../shared/src/clock.ts';
import type { Logger } from '../../../shared/src/log.ts';
import type { AlertChange, AlertListener } from '../alerts/manager.ts';
import type { Alert, AlertStore } from '../alerts/store.ts';
import type { IncidentNotice, Notification } from '../notifications/channels/types.ts';
import { correlate, type Breach } from './correlate.ts';
import { practicesNeeded, type IncidentsConfig } from './config.ts';
import { incidentKey, scopeOf, type Scope } from './scope.ts';
import type { Incident, IncidentFields, IncidentStore } from './store.ts';

/** How far before the earliest changed breach the correlator looks for the rest of its episode. */
const LOOKBACK_MS = 24 * 3_600_000;
/** Open incidents with no changed breach are re-derived this often (collector clock): only event time passing can resolve them. */
const OPEN_SWEEP_MS = 60_000;

export interface IncidentCorrelatorDeps {
  alerts: AlertStore;
  store: IncidentStore;
  config: IncidentsConfig;
  clock: Clock;
  log: Logger;
  organisation: string;
  providerOf: (ods: string) => string | undefined;
  /** Practices that monitor each key now (from the current rule states). */
  monitoring: () => Map<string, Set<string>>;
  deliver: (n: Notification) => void;
}

interface Pending {
  ruleId: string;
  scope: Scope;
  title: string;
  area: string;
  from: number;
}

const hhmm = (t: number): string => new Date(t).toISOString().slice(11, 16);

/** "app-http-total-p95 … EPS: 37 of 120 practices since 10:42 UTC" — the incident's scope in one line. */
export function incidentSummary(i: Pick<Incident, 'title' | 'scope' | 'practices' | 'peakPractices' | 'monitoring' | 'startedAt' | 'state'>): string {
  const count = i.state === 'open' ? i.practices : i.peakPractices;
  return `${i.scope.value}: ${i.title} at ${count} of ${i.monitoring} practices since ${hhmm(i.startedAt)} UTC${i.state === 'resolved' ? ' (resolved)' : ''}`;
}

export class IncidentCorrelator implements AlertListener {
  private readonly deps: IncidentCorrelatorDeps;
  private readonly log: Logger;
  private readonly dirty = new Map<string, Pending>();
  private eventNow = 0;
  private lastSweep = Number.NEGATIVE_INFINITY;
  /** Incident notifications started. */
  sent = 0;

  constructor(deps: IncidentCorrelatorDeps) {
    this.deps = deps;
    this.log = deps.log.child({ component: 'incidents' });
  }

  onAlertChange(c: AlertChange): void {
    if (!this.deps.config.enabled || c.kind === 'acknowledged') return;
    this.mark(c.alert);
  }

  onProgress(p: { evaluatedUntil: number }): void {
    if (p.evaluatedUntil > this.eventNow) this.eventNow = p.evaluatedUntil;
  }

  private mark(a: Alert): void {
    const scope = scopeOf(a, this.deps.providerOf);
    if (scope === undefined) return;
    const key = incidentKey(a.ruleId, scope);
    const d = this.dirty.get(key);
    if (d === undefined) this.dirty.set(key, { ruleId: a.ruleId, scope, title: a.title, area: a.area, from: a.startedAt });
    else d.from = Math.min(d.from, a.startedAt);
  }

  /** Re-derive the incidents of every changed key and of every open incident; send what is due. Never throws. */
  tick(): void {
    if (!this.deps.config.enabled) return;
    const work = new Map(this.dirty);
    this.dirty.clear();
    const now = this.deps.clock.now();
    const sweep = now - this.lastSweep >= OPEN_SWEEP_MS;
    if (sweep) this.lastSweep = now;
    for (const i of sweep ? this.deps.store.open() : []) {
      const d = work.get(i.key);
      if (d === undefined) work.set(i.key, { ruleId: i.ruleId, scope: i.scope, title: i.title, area: i.area, from: i.startedAt });
      else d.from = Math.min(d.from, i.startedAt);
    }
    if (work.size === 0) return;
    const monitoring = this.deps.monitoring();
    for (const [key, p] of work) {
      try {
        this.reconcile(key, p, monitoring.get(key)?.size ?? 0);
      } catch (err) {
        this.dirty.set(key, p);
        this.log.error({ err, key }, 'incident correlation failed; will retry at the next tick');
      }
    }
  }

  private reconcile(key: string, p: Pending, monitored: number): void {
    const { alerts, store, config } = this.deps;
    const horizon = p.from - LOOKBACK_MS;
    const breaches: Breach[] = [];
    for (const a of alerts.ofRule(p.ruleId, horizon)) {
      const s = scopeOf(a, this.deps.providerOf);
      if (s === undefined || s.kind !== p.scope.kind || s.value !== p.scope.value) continue;
      breaches.push({ alertId: a.id, practice: a.practice, startedAt: a.startedAt, endedAt: a.endedAt });
    }
    const monitoring = Math.max(monitored, new Set(breaches.map((b) => b.practice)).size);
    const needed = practicesNeeded(config, monitoring);
    const episodes = correlate(breaches, { needed, windowMs: config.windowMs, resolveAfterMs: config.resolveAfterMs, eventNow: this.eventNow });
    const stored = store.ofKey(key, horizon);
    const used = new Set<number>();
    const now = this.deps.clock.now();
    for (const ep of episodes) {
      const fields: IncidentFields = {
        state: ep.endedAt === null ? 'open' : 'resolved',
        startedAt: ep.startedAt,
        openedAt: ep.openedAt,
        endedAt: ep.endedAt,
        practices: ep.current,
        peakPractices: ep.peak,
        monitoring,
      };
      const match = stored.find((s) => !used.has(s.id) && s.startedAt < (ep.endedAt ?? Infinity) && (s.endedAt ?? Infinity) > ep.startedAt);
      let id: number;
      if (match === undefined) {
        id = store.insert({ key, ruleId: p.ruleId, scope: p.scope, title: p.title, area: p.area, ...fields }, now).id;
        this.log.info({ incidentId: id, key, practices: ep.current, monitoring, startedAt: ep.startedAt }, 'national incident opened');
      } else {
        id = match.id;
        store.update(id, fields, now);
        if (match.state === 'open' && fields.state === 'resolved') this.log.info({ incidentId: id, key, endedAt: ep.endedAt }, 'national incident resolved');
      }
      used.add(id);
      store.setMembers(id, ep.members);
      this.notifyIfDue(store.get(id) as Incident, now);
    }
  }

  private notifyIfDue(i: Incident, now: number): void {
    let status: IncidentNotice['status'] | undefined;
    if (i.state === 'open' && i.notified === null) status = 'firing';
    else if (i.state === 'resolved' && i.notified !== 'resolved') status = 'resolved';
    if (status === undefined) return;
    const members = this.deps.store.members(i.id);
    const notice: IncidentNotice = {
      status,
      incidentId: i.id,
      ruleId: i.ruleId,
      title: i.title,
      area: i.area,
      scope: i.scope,
      summary: incidentSummary(i),
      startedAt: new Date(i.startedAt).toISOString(),
      endedAt: i.endedAt === null ? null : new Date(i.endedAt).toISOString(),
      practices: i.practices,
      peakPractices: i.peakPractices,
      monitoring: i.monitoring,
      members: [...new Set(members.map((m) => m.practice))].sort(),
      alerts: members.length,
    };
    this.deps.store.setNotified(i.id, status, now);
    this.sent++;
    this.deps.deliver({
      id: randomUUID(),
      version: 1,
      organisation: this.deps.organisation,
      practice: { ods: NATIONAL_PRACTICE.ods, name: NATIONAL_PRACTICE.name },
      sentAt: new Date(now).toISOString(),
      items: [],
      incident: notice,
    });
  }
}

/** What a national incident's notification carries as its `practice` (it is about many). */
export const NATIONAL_PRACTICE = { ods: 'NATIONAL', name: 'National incident' } as const;
