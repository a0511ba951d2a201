/**
 * A real collector (startCollector: SQLite store, meta.db, alerting, reports, dashboard) on a tmp
 * data dir, with one principal of every kind the route × role table of docs/api.md names, and an
 * alert of practice A to act on. Driven through inject().
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { silentLogger } from '../../../shared/src/log.ts';
import { parseCollectorConfig } from '../../../collector/src/config/load.ts';
import { startCollector, type RunningCollector } from '../../../collector/src/collector.ts';
import { createAgentToken, createApiKey } from '../../../collector/src/auth/credentials.ts';
import { UserStore } from '../../../collector/src/ui/users.ts';
import { SessionStore } from '../../../collector/src/ui/sessions.ts';
import type { User } from '../../../collector/src/ui/users.ts';
import type { CompiledRule } from '../../../collector/src/evaluation/compiled.ts';

export const A = 'A81001';
export const B = 'B82002';
export const PASSWORD = 'walker password 1';
/** Sessions made ahead per signed-in caller (one per request). */
const SESSIONS_AHEAD = 100;

/** The callers of the table, in its column order. */
export const CALLERS = ['admin', 'desk key', 'desk user', 'practice key', 'practice user', 'other practice', 'none', 'agent'] as const;
export type Caller = (typeof CALLERS)[number];

export interface Lab {
  c: RunningCollector;
  /** The collector's data dir (its meta.db). */
  dataDir: string;
  users: UserStore;
  /** Headers that authenticate `caller` (a fresh session for the user callers). */
  headers(caller: Caller): Record<string, string>;
  /** The practice a caller's lists are limited to (undefined: every practice). */
  practiceOf(caller: Caller): string | undefined;
  /** Raise a fresh alert of practice `ods`; returns its id. */
  raise(ods: string): Promise<number>;
  /** A fresh maintenance window of practice `ods`, starting tomorrow; returns its id. */
  window(ods: string): Promise<number>;
  /** inject() from a client that is not on loopback (an address label only: nothing is sent). */
  call(opts: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function startLab(opts: { maintenanceIntervalMs?: number } = {}): Promise<Lab> {
  const dir = mkdtempSync(join(tmpdir(), 'n3mon-security-'));
  const config = parseCollectorConfig(
    {
      dataDir: dir,
      listen: { host: '127.0.0.1', port: 0 },
      organisation: { name: 'Example ICB' },
      practices: [
        { ods: A, name: 'Example Surgery' },
        { ods: B, name: 'Riverside Medical Centre' },
      ],
      storage: { synchronous: 'normal', ...(opts.maintenanceIntervalMs === undefined ? {} : { maintenanceIntervalMs: opts.maintenanceIntervalMs }) },
      alerting: { tickMs: 60_000 },
    },
    'test',
  );
  const c = await startCollector(config, { log: silentLogger() });
  try {
    const users = await UserStore.open(c.meta.state);
    const sessions = new SessionStore(c.meta.state);
    const made: Record<string, User> = {
      admin: await users.create({ username: 'boss', role: 'admin', password: PASSWORD }),
      desk: await users.create({ username: 'desk.one', role: 'servicedesk', password: PASSWORD }),
      practice: await users.create({ username: 'pm.a', role: 'practice', practice: A, password: PASSWORD }),
    };
    await users.create({ username: 'walker', role: 'servicedesk', password: PASSWORD });
    const bearer = (t: string): Record<string, string> => ({ authorization: `Bearer ${t}` });
    const fixed: Partial<Record<Caller, Record<string, string>>> = {
      'desk key': bearer((await createApiKey(c.meta, { role: 'servicedesk', label: 'grafana' })).key),
      'practice key': bearer((await createApiKey(c.meta, { role: 'practice', practice: A })).key),
      'other practice': bearer((await createApiKey(c.meta, { role: 'practice', practice: B })).key),
      none: {},
      agent: bearer((await createAgentToken(c.meta, { practice: A, agent: 'srv1' })).token),
    };
    // A fresh session for every request (a walked DELETE /api/v1/session ends only its own), made
    // ahead because the store is asynchronous and headers() is not; topped up between requests.
    const pool = new Map<string, { id: string; csrf: string }[]>();
    let refilling: Promise<void> | undefined;
    let refillFailed: unknown;
    const refill = async (): Promise<void> => {
      for (const u of [made.admin, made.desk, made.practice] as User[]) {
        const list = pool.get(u.id) ?? [];
        pool.set(u.id, list);
        while (list.length < SESSIONS_AHEAD) list.push(await sessions.create(u.id, Date.now()));
      }
    };
    await refill();
    const sessionOf = (u: User): Record<string, string> => {
      if (refillFailed !== undefined) throw refillFailed;
      const list = pool.get(u.id) ?? [];
      if (list.length < SESSIONS_AHEAD / 2)
        refilling ??= refill()
          .catch((err: unknown) => {
            refillFailed = err;
          })
          .finally(() => {
            refilling = undefined;
          });
      const s = list.pop();
      if (s === undefined) throw new Error(`security fixture: more than ${SESSIONS_AHEAD} session requests for ${u.username} without an await between them`);
      return { cookie: `n3mon_session=${s.id}`, 'x-csrf-token': s.csrf };
    };
    let n = 0;
    const raise = async (ods: string): Promise<number> => {
      const rule = c.alerting.profiles.organisation.byId.get('n3-loss-mean') as CompiledRule;
      const at = Date.now() - 60_000;
      n++;
      await c.alerting.manager.apply({
        kind: 'raise',
        practice: ods,
        agent: 'srv1',
        seriesId: `${ods}-lab-${n}`,
        metric: 'icmp_loss_ratio',
        labels: { role: 'n3-gateway', target: `10.200.0.${n % 250}`, check: `icmp:n3-${n}` },
        rule,
        area: 'national-link',
        at,
        startedAt: at - 120_000,
        severity: 'critical',
        previous: 'ok',
        peak: 'critical',
        value: 0.05,
      });
      return Math.max(...(await c.alerting.alerts.list({ practice: ods, limit: 1000, offset: 0 })).items.map((a) => a.id));
    };
    const window = async (ods: string): Promise<number> => {
      const start = Date.now() + 86_400_000;
      return (
        await c.alerting.maintenance.create({ practice: ods, startsAt: start, endsAt: start + 3_600_000, reason: 'lab window', createdBy: 'lab' }, Date.now())
      ).id;
    };
    return {
      c,
      dataDir: dir,
      users,
      headers: (caller) => {
        if (caller === 'admin') return sessionOf(made.admin as User);
        if (caller === 'desk user') return sessionOf(made.desk as User);
        if (caller === 'practice user') return sessionOf(made.practice as User);
        return fixed[caller] as Record<string, string>;
      },
      practiceOf: (caller) => (caller === 'practice key' || caller === 'practice user' ? A : caller === 'other practice' ? B : undefined),
      raise,
      window,
      call: (opts) => c.app.inject({ remoteAddress: '192.0.2.10', ...opts }),
      close: async () => {
        await refilling; // no session written after the stop
        await c.stop({ graceMs: 1000 });
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await c.stop({ graceMs: 1000 });
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
