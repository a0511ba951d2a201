/**
 * The incident correlator: listens to alert changes, and once per evaluation round re-derives the
 * national incidents of every (rule, scope) that changed — from the alerts' event times, so the
 * order in which practices' data arrived does not matter — stores them with their member alerts
 * and sends one notification per incident (firing when it opens, resolved when it ends) through
 * the notifier's channels. Member alerts are not notified on their own (Notifier `explained`: the
 * store's incidentOfAlert).
 *
 * Several collectors may share one state database: what this keeps in memory (the keys changed
 * since the last tick, the evaluation's progress, when it last swept) is rebuilt by a collector
 * that takes over, because its first tick re-derives every open incident in the store and every
 * key with an active alert (./README.md "Taking over").
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
  /** Has the first tick since start or takeOver() (the sweep of active alerts) run? */
  private started = false;
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
    this.markIn(this.dirty, a);
  }

  private markIn(into: Map<string, Pending>, a: Alert): void {
    const scope = scopeOf(a, this.deps.providerOf);
    if (scope === undefined) return;
    const key = incidentKey(a.ruleId, scope);
    const d = into.get(key);
    if (d === undefined) into.set(key, { ruleId: a.ruleId, scope, title: a.title, area: a.area, from: a.startedAt });
    else d.from = Math.min(d.from, a.startedAt);
  }

  /**
   * This collector (again) does the correlating after another one did (it gained the alerting
   * lease): the next tick re-derives every key with an active alert and every open incident, since
   * what changed meanwhile was seen by the other collector, not by this one.
   */
  takeOver(): void {
    this.started = false;
    this.lastSweep = Number.NEGATIVE_INFINITY;
  }

  /** Re-derive the incidents of every changed key and of every open incident; send what is due. Never rejects. */
  async tick(): Promise<void> {
    if (!this.deps.config.enabled) return;
    const work = new Map(this.dirty);
    this.dirty.clear();
    const now = this.deps.clock.now();
    const sweep = now - this.lastSweep >= OPEN_SWEEP_MS;
    try {
      if (!this.started) {
        // Take over from whoever ran before (this process or another collector): every key with an active alert.
        for (const a of await this.deps.alerts.allActive()) this.markIn(work, a);
        this.started = true;
      }
      for (const i of sweep ? await this.deps.store.open() : []) {
        const d = work.get(i.key);
        if (d === undefined) work.set(i.key, { ruleId: i.ruleId, scope: i.scope, title: i.title, area: i.area, from: i.startedAt });
        else d.from = Math.min(d.from, i.startedAt);
      }
      if (sweep) this.lastSweep = now;
    } catch (err) {
      this.log.error({ err }, 'open incidents not read; will retry at the next tick');
    }
    if (work.size === 0) return;
    const monitoring = this.deps.monitoring();
    for (const [key, p] of work) {
      try {
        await this.reconcile(key, p, monitoring.get(key)?.size ?? 0);
      } catch (err) {
        const d = this.dirty.get(key);
        if (d === undefined) this.dirty.set(key, p);
        else d.from = Math.min(d.from, p.from);
        this.log.error({ err, key }, 'incident correlation failed; will retry at the next tick');
      }
    }
  }

  private async reconcile(key: string, p: Pending, monitored: number): Promise<void> {
    const { alerts, store, config } = this.deps;
    const horizon = p.from - LOOKBACK_MS;
    const breaches: Breach[] = [];
    for (const a of await alerts.ofRule(p.ruleId, horizon)) {
      const s = scopeOf(a, this.deps.providerOf);
      if (s === undefined || s.kind !== p.scope.kind || s.value !== p.scope.value) continue;
      breaches.push({ alertId: a.id, practice: a.practice, startedAt: a.startedAt, endedAt: a.endedAt });
    }
    const monitoring = Math.max(monitored, new Set(breaches.map((b) => b.practice)).size);
    const needed = practicesNeeded(config, monitoring);
    const episodes = correlate(breaches, { needed, windowMs: config.windowMs, resolveAfterMs: config.resolveAfterMs, eventNow: this.eventNow });
    const stored = await store.ofKey(key, horizon);
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
        id = (await store.insert({ key, ruleId: p.ruleId, scope: p.scope, title: p.title, area: p.area, ...fields }, now)).id;
        this.log.info({ incidentId: id, key, practices: ep.current, monitoring, startedAt: ep.startedAt }, 'national incident opened');
      } else {
        id = match.id;
        await store.update(id, fields, now);
        if (match.state === 'open' && fields.state === 'resolved') this.log.info({ incidentId: id, key, endedAt: ep.endedAt }, 'national incident resolved');
      }
      used.add(id);
      await store.setMembers(id, ep.members);
      await this.notifyIfDue((await store.get(id)) as Incident, now);
    }
  }

  private async notifyIfDue(i: Incident, now: number): Promise<void> {
    let status: IncidentNotice['status'] | undefined;
    if (i.state === 'open' && i.notified === null) status = 'firing';
    else if (i.state === 'resolved' && i.notified !== 'resolved') status = 'resolved';
    if (status === undefined) return;
    const members = await this.deps.store.members(i.id);
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
    // Claimed in the store before it is sent: a notice is sent once, whichever collector gets here first.
    if (!(await this.deps.store.claimNotice(i.id, status, now))) return;
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
