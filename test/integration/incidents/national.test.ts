/**
 * National incidents end to end through ingest: ten practices' backlogs (samples built with the
 * agent's own code from the example agent config) delivered at once, EPS slow at five of them
 * within a few minutes, a sixth practice's backlog arriving later, one practice slow alone later
 * and one slow on another application. One incident with the right members and start (event
 * time), the member alerts linked and not notified on their own, one notification for the
 * incident on a real webhook receiver on loopback, the lone breaches notified as usual; the
 * monthly report splits a member's EPS minutes into those inside the incident and its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../shared/src/log.ts';
import type { WireSample } from '../../../shared/src/wire.ts';
import { parseCollectorConfig } from '../../../collector/src/config/load.ts';
import { startCollector, type RunningCollector } from '../../../collector/src/collector.ts';
import { createAgentToken, createApiKey } from '../../../collector/src/auth/credentials.ts';
import type { Notification } from '../../../collector/src/notifications/channels/types.ts';
import { FakeClock } from '../../unit/evaluation/memory-source.ts';
import { ingestBacklog } from './ingest.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../alerts/servers.ts';
import { waitFor } from '../../helpers/wait.ts';
import { exampleHttpChecks, httpRun } from './agent-samples.ts';
import { monthFrame, reportZone } from '../../../collector/src/reports/month.ts';

const M = 60_000;
const T0 = Math.floor((Date.now() - 5 * 3_600_000) / 3_600_000) * 3_600_000;
const PRACTICES = Array.from({ length: 10 }, (_, i) => `P0000${i}`);
const RULE = 'app-http-total-p95';
const checks = exampleHttpChecks();
const eps = checks.get('eps-https')!;
const spine = checks.get('spine-https')!;

/** Minutes [from, to) after T0 during which a practice's check answered slowly (2.5 s; the rule warns above 1.5 s). */
const slow: Record<string, { check: 'eps' | 'spine'; from: number; to: number }> = {
  P00000: { check: 'eps', from: 40, to: 80 },
  P00001: { check: 'eps', from: 42, to: 80 },
  P00002: { check: 'eps', from: 44, to: 80 },
  P00003: { check: 'eps', from: 46, to: 80 },
  P00004: { check: 'eps', from: 48, to: 80 },
  P00005: { check: 'eps', from: 50, to: 80 }, // its backlog arrives later
  P00006: { check: 'eps', from: 120, to: 130 }, // alone, after the incident
  P00007: { check: 'spine', from: 40, to: 80 }, // another application, alone
};

/** What the practice's agent measured in minutes [from, to) of T0: both checks once a minute. */
function backlog(practice: string, from: number, to: number, now: number): WireSample[] {
  const out: WireSample[] = [];
  for (let m = from; m < to; m++) {
    const ts = T0 + m * M + 7000;
    for (const [name, c] of [
      ['eps', eps],
      ['spine', spine],
    ] as const) {
      const s = slow[practice];
      const isSlow = s !== undefined && s.check === name && m >= s.from && m < s.to;
      out.push(...httpRun(c.labels, ts, isSlow ? 2500 : 180, now));
    }
  }
  return out;
}

let dir: string;
let c: RunningCollector;
let hook: WebhookReceiver;
let desk: string;
let practiceKey: string;
const clock = new FakeClock(T0);
const tokens: Record<string, string> = {};

async function ingest(practice: string, samples: WireSample[]): Promise<void> {
  await ingestBacklog(c, tokens[practice]!, `${practice}-${clock.t}`, samples);
}

/** Evaluate what arrived, then let the notifier's group wait pass and send. */
async function evaluateAndNotify(): Promise<void> {
  await c.alerting.tick();
  await c.alerting.tick();
  clock.t += 31_000;
  await c.alerting.tick();
  await c.alerting.notifier.drain();
}

const notices = (): Notification[] => hook.deliveries.map((d) => JSON.parse(d.body) as Notification);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'n3mon-incidents-'));
  hook = await startWebhookReceiver();
  const config = parseCollectorConfig(
    {
      dataDir: dir,
      listen: { port: 0 },
      practices: PRACTICES.map((ods) => ({ ods, name: `Surgery ${ods}` })),
      storage: { synchronous: 'normal' },
      alerting: { tickMs: 60_000 }, // ticks are driven by the test
      notifications: [{ kind: 'webhook', url: hook.url, secret: 'a-shared-secret-of-enough-length' }],
    },
    'test',
  );
  c = await startCollector(config, { log: silentLogger(), clock });
  for (const p of PRACTICES) tokens[p] = (await createAgentToken(c.meta, { practice: p, agent: 'srv1', now: T0 })).token;
  desk = (await createApiKey(c.meta, { role: 'servicedesk' })).key;
  practiceKey = (await createApiKey(c.meta, { role: 'practice', practice: 'P00002' })).key;
}, 60_000);

afterAll(async () => {
  await c?.stop();
  await hook?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const api = async (url: string, key: string): Promise<{ status: number; body: any }> => {
  const r = await c.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
  return { status: r.statusCode, body: r.json() };
};

describe('national incidents from many practices\u2019 backlogs (event time)', () => {
  it('five practices slow on EPS within minutes open one incident; one notification for it, none per practice', async () => {
    clock.t = T0 + 90 * M + 5000;
    // Every practice but P00005 delivers its first 90 minutes at once.
    for (const p of PRACTICES) if (p !== 'P00005') await ingest(p, backlog(p, 0, 90, clock.t));
    await evaluateAndNotify();

    const open = await api('/api/v1/incidents?state=open', desk);
    expect(open.status).toBe(200);
    expect(open.body.total).toBe(1);
    const inc = open.body.items[0];
    expect(inc.scope).toEqual({ kind: 'app', value: 'eps' });
    expect(inc.rule.id).toBe(RULE);
    expect(inc.members.map((m: { practice: string }) => m.practice)).toEqual(['P00000', 'P00001', 'P00002', 'P00003', 'P00004']);
    // The incident starts when the first of the breaches that opened it started (event time), not on arrival.
    const memberAlerts = (await c.alerting.alerts.list({ limit: 100, offset: 0 })).items.filter((a) => a.ruleId === RULE && a.labels.app === 'eps');
    const first = Math.min(...memberAlerts.filter((a) => a.practice === 'P00000').map((a) => a.startedAt));
    expect(first).toBeGreaterThanOrEqual(T0 + 40 * M);
    expect(first).toBeLessThan(T0 + 45 * M);
    expect(inc.startedAt).toBe(new Date(first).toISOString());
    expect(inc.monitoring).toBe(9);
    expect(inc.summary).toMatch(new RegExp(`^eps: .* at \\d of 9 practices since ${new Date(first).toISOString().slice(11, 16)} UTC$`));

    await waitFor('the incident notification', async () => (notices().some((n) => n.incident?.status === 'firing') ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 50,
    });
    const incidentNotices = notices().filter((n) => n.incident !== undefined);
    expect(incidentNotices).toHaveLength(1);
    expect(incidentNotices[0]).toMatchObject({
      practice: { ods: 'NATIONAL' },
      items: [],
      incident: { status: 'firing', incidentId: inc.id, members: ['P00000', 'P00001', 'P00002', 'P00003', 'P00004'], scope: { kind: 'app', value: 'eps' } },
    });
    // No practice notification carries an EPS alert; the lone spine breach at P00007 is notified as usual.
    const practiceItems = notices().flatMap((n) => n.items.map((i) => ({ practice: n.practice.ods, rule: i.ruleId, app: i.labels.app })));
    expect(practiceItems.filter((i) => i.rule === RULE && i.app === 'eps')).toEqual([]);
    expect(practiceItems).toContainEqual({ practice: 'P00007', rule: RULE, app: 'spine' });
  }, 120_000);

  it('a practice\u2019s late backlog joins the same incident; the incident resolves in event time; the lone breach is its own', async () => {
    const before = hook.deliveries.length;
    clock.t = T0 + 160 * M + 5000;
    await ingest('P00005', backlog('P00005', 0, 160, clock.t));
    for (const p of PRACTICES) if (p !== 'P00005') await ingest(p, backlog(p, 90, 160, clock.t));
    await evaluateAndNotify();

    const all = await api('/api/v1/incidents', desk);
    expect(all.body.total).toBe(1);
    const inc = all.body.items[0];
    expect(inc.state).toBe('resolved');
    expect(inc.members.map((m: { practice: string }) => m.practice)).toEqual(['P00000', 'P00001', 'P00002', 'P00003', 'P00004', 'P00005']);
    expect(inc.peakPractices).toBe(6);
    expect(inc.monitoring).toBe(10);

    // Every EPS alert of the six members is linked to it; P00006's lone breach is not.
    const eps = (await c.alerting.alerts.list({ limit: 100, offset: 0 })).items.filter((a) => a.ruleId === RULE && a.labels.app === 'eps');
    const incidentOf = new Map<number, number | undefined>();
    for (const a of eps) incidentOf.set(a.id, await c.alerting.incidents.incidentOfAlert(a.id));
    const linked = (p: string): boolean[] => eps.filter((a) => a.practice === p).map((a) => incidentOf.get(a.id) === inc.id);
    for (const p of ['P00000', 'P00001', 'P00002', 'P00003', 'P00004', 'P00005']) expect(linked(p), p).toEqual([true]);
    expect(linked('P00006')).toEqual([false]);
    expect(inc.members.flatMap((m: { alertIds: number[] }) => m.alertIds).sort()).toEqual(
      eps
        .filter((a) => a.practice !== 'P00006')
        .map((a) => a.id)
        .sort(),
    );
    // It ended when fewer than five practices were still slow: after the last slow minute (80), within the 15-min window.
    const end = Date.parse(inc.endedAt);
    expect(end).toBeGreaterThan(T0 + 80 * M);
    expect(end).toBeLessThanOrEqual(T0 + 96 * M);

    await waitFor('the resolved notice', async () => (notices().some((n) => n.incident?.status === 'resolved') ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 50,
    });
    const later = notices().slice(before);
    expect(later.filter((n) => n.incident !== undefined).map((n) => n.incident!.status)).toEqual(['resolved']);
    expect(notices().filter((n) => n.incident !== undefined)).toHaveLength(2); // firing once, resolved once
    const items = later.flatMap((n) => n.items.map((i) => ({ practice: n.practice.ods, rule: i.ruleId, app: i.labels.app, status: i.status })));
    expect(items.filter((i) => i.rule === RULE && i.app === 'eps' && i.practice !== 'P00006')).toEqual([]);
    expect(items.filter((i) => i.practice === 'P00006' && i.rule === RULE).length).toBeGreaterThan(0);
  }, 120_000);

  it('a practice key sees only the incidents its practice is part of, and only itself among the members', async () => {
    const list = await api('/api/v1/incidents', practiceKey);
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(1);
    expect(list.body.items[0].members.map((m: { practice: string }) => m.practice)).toEqual(['P00002']);
    expect(list.body.items[0].peakPractices).toBe(6);
    const id = list.body.items[0].id;
    expect((await api(`/api/v1/incidents/${id}`, practiceKey)).status).toBe(200);
    const other = (await createApiKey(c.meta, { role: 'practice', practice: 'P00009' })).key;
    expect((await api('/api/v1/incidents', other)).body.total).toBe(0);
    expect((await api(`/api/v1/incidents/${id}`, other)).status).toBe(403);
    expect((await api('/api/v1/incidents/999999', desk)).status).toBe(404);
  });

  it('the monthly report splits a member\u2019s EPS minutes into the incident\u2019s and its own, exactly, and judges it on its own', async () => {
    const inc = (await c.alerting.incidents.list({ limit: 10, offset: 0 })).items[0]!;
    const start = inc.startedAt;
    const end = inc.endedAt!;
    const month = new Date(T0).toISOString().slice(0, 7);
    expect(monthFrame(month, reportZone()).start).toBeLessThanOrEqual(T0);
    const report = await c.reports.service.practiceReport('P00000', month);
    const app = report.apps.apps.find((a) => a.app === 'eps')!;
    const split = app.incidentSplit!;
    expect(split.incidents.map((i) => i.id)).toEqual([inc.id]);
    // The incident's minutes (its span is whole minutes of event time) and the rest add up to the month.
    expect(split.national.allMs).toBe(end - start);
    expect(split.national.allMs + split.own.allMs).toBe(report.period.allMs);
    // One run a minute at :07; the month in progress is judged up to report.period.judgedTo. Every run is in exactly one part.
    const judged = Array.from({ length: 160 }, (_, m) => T0 + m * M + 7000).filter((ts) => ts < report.period.judgedTo!);
    const runsInside = judged.filter((ts) => ts >= start && ts < end).length;
    expect(runsInside).toBe((end - start) / M);
    expect(app.all.runs).toBe(judged.length);
    expect(split.national.all).toMatchObject({ runs: runsInside, up: runsInside, expected: runsInside, verdict: 'met' });
    expect(split.own.all.runs).toBe(judged.length - runsInside);
    expect(split.national.all.runs + split.own.all.runs).toBe(app.all.runs);
    // Response time: slow inside the incident, the practice's usual 180 ms outside (sketches: within 1 %).
    const total = (side: typeof split.national) => side.timings.find((t) => t.metric === 'http_total_ms')!.all.p95!;
    expect(Math.abs(total(split.national) - 2500) / 2500).toBeLessThan(0.01);
    expect(Math.abs(total(split.own) - 180) / 180).toBeLessThan(0.01);
    const slowInside = Array.from({ length: 40 }, (_, i) => T0 + (40 + i) * M + 7000).filter((ts) => ts >= start && ts < end).length;
    expect(
      split.national.timings.find((t) => t.metric === 'http_total_ms')!.all.count + split.own.timings.find((t) => t.metric === 'http_total_ms')!.all.count,
    ).toBe(judged.length);
    expect(slowInside).toBeGreaterThan(30);
    // The whole month's p95 is past the warning level; the practice is judged on its own minutes.
    expect(app.timings.find((t) => t.metric === 'http_total_ms')!.level).toBe('warning');
    expect(app.rag).toBe('green');
    // A practice that was not part of it has no split; the CSV carries both parts.
    expect((await c.reports.service.practiceReport('P00006', month)).apps.apps.find((a) => a.app === 'eps')!.incidentSplit).toBeUndefined();
    const csv = await c.app.inject({ method: 'GET', url: `/api/v1/reports/P00000/${month}?format=csv`, headers: { authorization: `Bearer ${desk}` } });
    expect(csv.statusCode).toBe(200);
    expect(csv.body).toContain(`national_apps,eps,time,24x7_national_incidents,${end - start},ms`);
    expect(csv.body).toMatch(/national_apps,eps,http_total_ms_p95,24x7_own,18\d(\.\d+)?,ms/);
    const html = await c.app.inject({ method: 'GET', url: `/api/v1/reports/P00000/${month}`, headers: { authorization: `Bearer ${desk}` } });
    expect(html.body).toContain('National incidents and the practice’s own time');
    expect(html.body).toContain(inc.scope.value + ': ');
  }, 60_000);
});
