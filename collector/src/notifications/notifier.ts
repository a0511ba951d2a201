/**
 * Notifications: alert changes are grouped per practice and sent to every channel.
 *
 * - Grouping: the first change of a practice starts a `groupWaitMs` wait; everything that changed
 *   for that practice by then goes out in one notification.
 * - Firing is sent once per alert, and again only when it gets worse (warning → critical).
 * - Resolved is sent only once the alert has stayed resolved for `resolveHoldMs` of event time
 *   (the same window in which a re-raise reopens the alert): a flapping series sends one firing
 *   and, when it finally settles, one resolved — not fifty of each.
 * - Suppressed alerts (explained by an active cause) are not sent; the cause's notice counts them.
 * - Alerts explained by a national incident before their first notice are not sent: the
 *   incident's one notice covers them. One already sent stays as it was (its resolved follows).
 * - An alert opened and resolved before anything was sent (a backlog) is sent once, as resolved,
 *   with its start and end.
 *
 * Delivery runs in the background with the channel's own retries; `tick()` only decides and
 * starts sends, so evaluation is never held up by a slow receiver.
 *
 * Several collectors may share the state database: each notice is claimed before it is sent by
 * one conditional update of the alert's `notified` mark (AlertStore.claimNotice — "from what I
 * read to the next notice"), and only the process whose update changed the row sends it. Two
 * processes deciding on the same alert can never both send one notice (at most once: a crash
 * between the claim and the send loses that notice, as before).
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../../shared/src/clock.ts';
import type { Logger } from '../../../shared/src/log.ts';
import type { AlertChange, AlertListener } from '../alerts/manager.ts';
import type { Alert, AlertStore } from '../alerts/store.ts';
import type { Channel, NoticeItem, Notification } from './channels/types.ts';

export interface NotifierOptions {
  groupWaitMs: number;
  resolveHoldMs: number;
}

export interface NotifierDeps {
  alerts: AlertStore;
  channels: readonly Channel[];
  clock: Clock;
  log: Logger;
  organisation: string;
  /** The practice's name for the notice (sync or async; the ODS code when unknown or when the lookup fails). */
  practiceName: (ods: string) => string | undefined | Promise<string | undefined>;
  options: NotifierOptions;
  /** Is this alert explained by a national incident (collector/src/incidents)? Then the incident's notice covers it. */
  explained?: (alertId: number) => boolean | Promise<boolean>;
}

const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());

export function noticeOf(a: Alert, status: NoticeItem['status'], suppressed: number): NoticeItem {
  return {
    status,
    alertId: a.id,
    ruleId: a.ruleId,
    title: a.title,
    severity: a.severity,
    peak: a.peak,
    area: a.area,
    agent: a.agent,
    metric: a.metric,
    labels: a.labels,
    value: a.value,
    unit: a.unit,
    startedAt: iso(a.startedAt) as string,
    endedAt: iso(a.endedAt),
    reopened: a.reopened,
    acknowledged: a.ack === null ? null : { by: a.ack.by, at: iso(a.ack.at) as string, note: a.ack.note },
    suppressed,
    source: a.source,
  };
}

export class Notifier implements AlertListener {
  private readonly deps: NotifierDeps;
  private readonly log: Logger;
  /**
   * practice → alert id → when it was first pending (collector clock). This process's work list
   * only: whether a notice is still owed is decided from the alert row read at send time, and the
   * claim in the database settles which collector sends it.
   */
  private readonly pending = new Map<string, Map<number, number>>();
  /** practice\0agent → evaluated until (event time). */
  private readonly eventClock = new Map<string, number>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  /** Notifications started, for tests and /metrics. */
  sent = 0;

  constructor(deps: NotifierDeps) {
    this.deps = deps;
    this.log = deps.log.child({ component: 'notify' });
  }

  onAlertChange(c: AlertChange): void {
    if (c.kind === 'acknowledged' || c.kind === 'deescalated') return;
    let p = this.pending.get(c.alert.practice);
    if (p === undefined) this.pending.set(c.alert.practice, (p = new Map()));
    if (!p.has(c.alert.id)) p.set(c.alert.id, this.deps.clock.now());
  }

  onProgress(p: { practice: string; agent: string; evaluatedUntil: number }): void {
    this.eventClock.set(`${p.practice}\u0000${p.agent}`, p.evaluatedUntil);
  }

  /** Alerts still waiting to be told (for start-up: resolved alerts whose notice is due later). */
  resume(alerts: readonly Alert[]): void {
    for (const a of alerts) this.onAlertChange({ kind: 'opened', alert: a });
  }

  private clockFor(a: Alert, now: number): number {
    // Agent silence is judged by arrival time; everything else by the agent's event time.
    if (a.seriesId.startsWith('silence:')) return now;
    return this.eventClock.get(`${a.practice}\u0000${a.agent}`) ?? now;
  }

  /** What to send for an alert now: a notice, nothing (done), or wait (keep pending). */
  private async decide(a: Alert, now: number): Promise<{ notice?: NoticeItem['status']; keep: boolean }> {
    const explained = async (): Promise<boolean> => (await this.deps.explained?.(a.id)) === true;
    if (a.state !== 'resolved') {
      if (a.cause !== null) return { keep: false };
      if (a.notified === null && (await explained())) return { keep: false };
      if (a.notified === 'firing:critical') return { keep: false };
      if (a.notified === 'firing:warning' && a.severity !== 'critical') return { keep: false };
      return { notice: 'firing', keep: false };
    }
    if (a.notified === 'resolved') return { keep: false };
    if ((a.endedAt ?? now) + this.deps.options.resolveHoldMs > this.clockFor(a, now)) return { keep: true };
    if (a.notified?.startsWith('firing') === true || (a.notified === null && a.cause === null && !(await explained())))
      return { notice: 'resolved', keep: false };
    return { keep: false };
  }

  /** Decide and start the notifications that are due. Never rejects (called from a timer). */
  async tick(): Promise<void> {
    const now = this.deps.clock.now();
    for (const [practice, ids] of [...this.pending]) {
      if (ids.size === 0) {
        this.pending.delete(practice);
        continue;
      }
      const oldest = Math.min(...ids.values());
      if (now - oldest < this.deps.options.groupWaitMs) continue;
      await this.flushPractice(practice, ids, now);
      if (ids.size === 0 && this.pending.get(practice) === ids) this.pending.delete(practice);
    }
  }

  /** Claim and send what is due for one practice. A failure leaves the rest pending for the next tick; what was claimed is still sent. */
  private async flushPractice(practice: string, ids: Map<number, number>, now: number): Promise<void> {
    const items: NoticeItem[] = [];
    const { alerts } = this.deps;
    for (const id of [...ids.keys()].sort((x, y) => x - y)) {
      try {
        const a = await alerts.get(id);
        if (a === undefined) {
          ids.delete(id);
          continue;
        }
        const d = await this.decide(a, now);
        if (d.notice === undefined) {
          if (!d.keep) ids.delete(id);
          continue;
        }
        const suppressed = d.notice === 'firing' ? await alerts.dependents(a.id) : 0;
        ids.delete(id);
        // Another collector (or an earlier round) claimed this notice first: it is theirs to send.
        if (!(await alerts.claimNotice(a.id, a.notified, d.notice === 'firing' ? `firing:${a.severity}` : 'resolved', now))) continue;
        items.push(noticeOf(a, d.notice, suppressed));
      } catch (err) {
        this.log.error({ err, practice, alertId: id }, 'notification failed to build; will retry at the next tick');
        break;
      }
    }
    if (items.length === 0) return;
    let name: string | undefined;
    try {
      name = await this.deps.practiceName(practice);
    } catch (err) {
      this.log.warn({ err, practice }, 'practice name not found for a notification; sent with the ODS code');
    }
    const n: Notification = {
      id: randomUUID(),
      version: 1,
      organisation: this.deps.organisation,
      practice: { ods: practice, name: name ?? practice },
      sentAt: new Date(now).toISOString(),
      items,
    };
    this.send(n);
  }

  /** Send a notification built elsewhere (a national incident's) through every channel. */
  deliver(n: Notification): void {
    this.send(n);
  }

  private send(n: Notification): void {
    this.sent++;
    for (const ch of this.deps.channels) {
      const p = ch
        .send(n, this.abort.signal)
        .then((r) => {
          const fields = {
            channel: ch.name,
            kind: ch.kind,
            notification: n.id,
            practice: n.practice.ods,
            alerts: n.items.length,
            outcome: r.outcome,
            attempts: r.attempts,
          };
          if (r.outcome === 'delivered') this.log.info(fields, 'notification delivered');
          else this.log.error({ ...fields, reason: r.message }, 'notification not delivered');
        })
        .catch((err: unknown) => this.log.error({ err, channel: ch.name, notification: n.id }, 'notification channel failed'))
        .finally(() => this.inflight.delete(p));
      this.inflight.add(p);
    }
  }

  /** Wait for deliveries in flight (each is bounded by its channel's timeout and retries). */
  async drain(): Promise<void> {
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
  }

  /** Stop: abort the waits between retries, let attempts in flight finish, close channels. */
  async close(): Promise<void> {
    this.abort.abort();
    await this.drain();
    for (const ch of this.deps.channels) ch.close?.();
  }
}
