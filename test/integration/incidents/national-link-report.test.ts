/**
 * The monthly report's national-incident split for the national link (accounting rules §12): ten
 * practices of one national-link provider deliver their backlogs (the example agent config's
 * hscn-gateway ping bursts, built with the agent's own code); the link is slow at five of them
 * within minutes (one national incident of the provider), at a sixth alone later. A member's link
 * availability and RTT/jitter/loss are split exactly into the incident's minutes and its own, and
 * its link RAG is judged on its own part; practices outside the incident have no split.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../shared/src/log.ts';
import type { WireSample } from '../../../shared/src/wire.ts';
import { parseCollectorConfig } from '../../../collector/src/config/load.ts';
import { startCollector, type RunningCollector } from '../../../collector/src/collector.ts';
import { createAgentToken, createApiKey } from '../../../collector/src/auth/credentials.ts';
import { FakeClock } from '../../unit/evaluation/memory-source.ts';
import { ingestBacklog } from './ingest.ts';
import { exampleIcmpCheck, icmpRun } from './agent-samples.ts';
import { sectionHeading } from '../../../collector/src/reports/sections/index.ts';
import { skipUnlessLab } from '../../helpers/lab-guard.ts';

const M = 60_000;
const T0 = Math.floor((Date.now() - 5 * 3_600_000) / 3_600_000) * 3_600_000;
const PRACTICES = Array.from({ length: 10 }, (_, i) => `P0000${i}`);
const PROVIDER = 'Supplier A';
const gateway = exampleIcmpCheck('hscn-gateway');
const COUNT = gateway.check.count ?? 20;
const EVERY = gateway.check.intervalMs ?? 30_000;

/** Minutes [from, to) after T0 during which a practice's national link answered slowly (200 ms per round; the rule is critical above 150 ms). */
const slow: Record<string, { from: number; to: number }> = {
  P00000: { from: 40, to: 80 },
  P00001: { from: 42, to: 80 },
  P00002: { from: 44, to: 80 },
  P00003: { from: 46, to: 80 },
  P00004: { from: 48, to: 80 },
  P00005: { from: 49, to: 80 },
  P00006: { from: 120, to: 130 }, // alone, after the incident
};
/** The one burst of P00000 with no reply (inside the incident): 30 s of the link down. */
const TIMEOUT_AT = T0 + 60 * M + 7000;

/** Burst start times in minutes [from, to) of T0: one every check interval, 7 s into the interval. */
function burstTimes(from: number, to: number): number[] {
  const out: number[] = [];
  for (let t = T0 + from * M; t < T0 + to * M; t += EVERY) out.push(t + 7000);
  return out;
}

/** What the practice's agent measured: replies alternating ±1 ms around 20 ms (200 ms while slow). */
function backlog(practice: string, from: number, to: number, now: number): WireSample[] {
  const s = slow[practice];
  return burstTimes(from, to).flatMap((ts) => {
    const m = Math.floor((ts - T0) / M);
    const base = s !== undefined && m >= s.from && m < s.to ? 200 : 20;
    const rtts = practice === 'P00000' && ts === TIMEOUT_AT ? [] : Array.from({ length: COUNT }, (_, i) => base + (i % 2 === 0 ? -1 : 1));
    return icmpRun(gateway.labels, ts, rtts, COUNT, now);
  });
}

let dir: string;
let c: RunningCollector;
let desk: string;
const clock = new FakeClock(T0);
const tokens: Record<string, string> = {};

async function ingest(practice: string, samples: WireSample[]): Promise<void> {
  await ingestBacklog(c, tokens[practice]!, `${practice}-${clock.t}`, samples);
}

async function evaluate(): Promise<void> {
  await c.alerting.tick();
  await c.alerting.tick();
  clock.t += 31_000;
  await c.alerting.tick();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'n3mon-link-incidents-'));
  const config = parseCollectorConfig(
    {
      dataDir: dir,
      listen: { port: 0 },
      practices: PRACTICES.map((ods) => ({ ods, name: `Surgery ${ods}`, provider: PROVIDER })),
      storage: { synchronous: 'normal' },
      alerting: { tickMs: 60_000 }, // ticks are driven by the test
    },
    'test',
  );
  c = await startCollector(config, { log: silentLogger(), clock });
  for (const p of PRACTICES) tokens[p] = (await createAgentToken(c.meta, { practice: p, agent: 'srv1', now: T0 })).token;
  desk = (await createApiKey(c.meta, { role: 'servicedesk' })).key;
}, 60_000);

afterAll(async () => {
  await c?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('the monthly report splits the national link by its provider\u2019s national incidents', () => {
  it('opens one provider incident from the backlogs, and resolves it in event time', async () => {
    clock.t = T0 + 90 * M + 5000;
    for (const p of PRACTICES) await ingest(p, backlog(p, 0, 90, clock.t));
    await evaluate();
    clock.t = T0 + 160 * M + 5000;
    for (const p of PRACTICES) await ingest(p, backlog(p, 90, 160, clock.t));
    await evaluate();
    const all = await c.alerting.incidents.list({ limit: 10, offset: 0 });
    expect(all.total).toBe(1);
    const inc = all.items[0]!;
    const listed = await c.app.inject({ method: 'GET', url: '/api/v1/incidents', headers: { authorization: `Bearer ${desk}` } });
    expect(listed.json().items[0].members.map((m: { practice: string }) => m.practice)).toEqual(['P00000', 'P00001', 'P00002', 'P00003', 'P00004', 'P00005']);
    expect(inc.scope).toEqual({ kind: 'provider', value: PROVIDER });
    expect(inc.state).toBe('resolved');
  }, 120_000);

  it('a member\u2019s link availability and RTT are split exactly; its link RAG is judged on its own part', async () => {
    const inc = (await c.alerting.incidents.list({ limit: 10, offset: 0 })).items[0]!;
    const start = inc.startedAt;
    const end = inc.endedAt!;
    const month = new Date(T0).toISOString().slice(0, 7);
    const report = await c.reports.service.practiceReport('P00000', month);
    const link = report.link;
    const split = link.incidentSplit!;
    expect(split.incidents.map((i) => i.id)).toEqual([inc.id]);
    // The incident's minutes and the rest add up to the month (24×7, maintenance none).
    expect(split.national.allMs).toBe(end - start);
    expect(split.national.allMs + split.own.allMs).toBe(report.period.allMs);
    // Every burst lies in exactly one part; the one without a reply is inside the incident.
    const judged = burstTimes(0, 160).filter((ts) => ts < report.period.judgedTo!);
    const inside = judged.filter((ts) => ts >= start && ts < end);
    expect(TIMEOUT_AT).toBeGreaterThanOrEqual(start);
    expect(TIMEOUT_AT).toBeLessThan(end);
    expect(inside.length).toBe(((end - start) / M) * (M / EVERY));
    const whole = link.checks[0]!;
    const nat = split.national.checks[0]!;
    const own = split.own.checks[0]!;
    expect(link.checks).toHaveLength(1);
    expect(whole.all).toMatchObject({ runs: judged.length, up: judged.length - 1 });
    expect(nat.all).toMatchObject({ runs: inside.length, up: inside.length - 1, expected: inside.length });
    expect(nat.all.availability).toBe((inside.length - 1) / inside.length);
    expect(own.all).toMatchObject({ runs: judged.length - inside.length, up: judged.length - inside.length });
    // RTT: 200 ms inside, the practice's own 20 ms outside (sketches: within 1 %); every reply counted once.
    expect(Math.abs(split.national.rtt.all.p95! - 200) / 200).toBeLessThan(0.01);
    expect(Math.abs(split.own.rtt.all.p95! - 20) / 20).toBeLessThan(0.01);
    expect(split.national.rtt.all.count + split.own.rtt.all.count).toBe(judged.length - 1);
    expect(split.national.rtt.all.count).toBe(inside.length - 1);
    expect(split.national.rtt.level).toBe('critical');
    expect(split.own.rtt.level).toBe('ok');
    // Loss: the one burst without a reply, all of it inside the incident.
    expect(split.national.loss.all).toBeCloseTo(1 / inside.length, 9);
    expect(split.own.loss.all).toBe(0);
    // The month's RTT p95 is critical (the section would be red); the link is judged on its own part.
    expect(link.rtt.level).toBe('critical');
    expect(link.rag).toBe('green');
  }, 60_000);

  it('practices outside the incident have no split; the CSV and HTML carry both parts', async () => {
    const month = new Date(T0).toISOString().slice(0, 7);
    const inc = (await c.alerting.incidents.list({ limit: 10, offset: 0 })).items[0]!;
    for (const p of ['P00006', 'P00008']) expect((await c.reports.service.practiceReport(p, month)).link.incidentSplit, p).toBeUndefined();
    const csv = await c.app.inject({ method: 'GET', url: `/api/v1/reports/P00000/${month}?format=csv`, headers: { authorization: `Bearer ${desk}` } });
    expect(csv.statusCode).toBe(200);
    expect(csv.body).toContain(`national_link,link,time,24x7_national_incidents,${inc.endedAt! - inc.startedAt},ms`);
    expect(csv.body).toMatch(/national_link,link,rtt_p95,24x7_own,(19\.\d+|20(\.\d+)?),ms/);
    expect(csv.body).toMatch(/national_link,[^,]+,availability,24x7_national_incidents,0\.9\d+,ratio/);
    const html = await c.app.inject({ method: 'GET', url: `/api/v1/reports/P00000/${month}`, headers: { authorization: `Bearer ${desk}` } });
    expect(html.statusCode).toBe(200);
    expect(html.body).toContain('National incidents and the practice’s own time');
    expect(html.body).toContain('RTT p95 24×7');
    expect(html.body).toContain(`${PROVIDER}: `); // the incident's summary in the list
    const pdf = await c.app.inject({ method: 'GET', url: `/api/v1/reports/P00000/${month}?format=pdf`, headers: { authorization: `Bearer ${desk}` } });
    expect(pdf.statusCode).toBe(200);
    if (skipUnlessLab({ files: ['/usr/bin/pdftotext'] })) return;
    const file = join(dir, 'P00000.pdf');
    writeFileSync(file, pdf.rawPayload);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    const linkAt = text.indexOf(sectionHeading('link'));
    expect(linkAt).toBeGreaterThan(-1);
    expect(text.indexOf('Inside national incidents', linkAt)).toBeGreaterThan(linkAt);
    expect(text.indexOf('The practice’s own', linkAt)).toBeGreaterThan(linkAt);
  }, 60_000);
});
