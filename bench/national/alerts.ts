/**
 * Evaluation lag as a user sees it: GET /api/v1/alerts (every page, on either collector in turn)
 * every `everyMs`, noting when each breached practice's alert first appears. The lag is measured
 * from the practice's first failing sample (its event time) to that poll; the alert's `startedAt`
 * (the event time of its first breaching step) splits it into the rule's own part (a 3-minute
 * availability window must be more than half failed) and the collector's (grace, tick, writes).
 * Alerts of any other rule are counted too: under overload `agent-silent` is the first to say so.
 */
import type { Client } from './http.ts';
import { BREACH_RULE } from './schedule.ts';

export interface AlertSeen {
  seenAt: number;
  startedAt: number;
}

export interface AlertWatch {
  seen: Map<string, AlertSeen>;
  /** Active alerts by rule at the last poll. */
  byRule: Map<string, number>;
  polls: number;
  pollErrors: number;
  stop(): Promise<void>;
}

export function watchAlerts(o: { client: Client; next: () => string; apiKey: string; everyMs: number; breached: ReadonlySet<string> }): AlertWatch {
  const w: AlertWatch = { seen: new Map(), byRule: new Map(), polls: 0, pollErrors: 0, stop: async () => {} };
  let stopped = false;
  const pollOnce = async (): Promise<void> => {
    const base = o.next();
    const byRule = new Map<string, number>();
    for (let offset = 0; offset < 100_000; offset += 1000) {
      const r = await o.client.send({
        url: `${base}/api/v1/alerts?state=active&limit=1000&offset=${offset}`,
        method: 'GET',
        headers: { authorization: `Bearer ${o.apiKey}` },
        timeoutMs: 30_000,
      });
      if (r.status !== 200) {
        w.pollErrors++;
        return;
      }
      const page = JSON.parse(r.body) as { total: number; items: { practice: string; rule: { id: string }; startedAt: string }[] };
      const now = Date.now();
      for (const a of page.items) {
        byRule.set(a.rule.id, (byRule.get(a.rule.id) ?? 0) + 1);
        if (a.rule.id === BREACH_RULE && o.breached.has(a.practice) && !w.seen.has(a.practice))
          w.seen.set(a.practice, { seenAt: now, startedAt: Date.parse(a.startedAt) });
      }
      if (offset + page.items.length >= page.total || page.items.length === 0) break;
    }
    w.byRule = byRule;
    w.polls++;
  };
  const loop = (async () => {
    while (!stopped) {
      await pollOnce();
      await new Promise((r) => setTimeout(r, o.everyMs));
    }
  })();
  w.stop = async () => {
    stopped = true;
    await loop;
  };
  return w;
}
