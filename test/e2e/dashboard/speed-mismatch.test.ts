// The dashboard's interface view says when a port's rate is above the speed its device reports
// (issue 10, point 6), in real Chromium against a real collector. The samples are the agent's own:
// the SNMP probe's rate code run over a sequence recorded from snmpd while lo carried ~100 Mbit/s
// (it reports lo at 10 Mbit/s), with the base labels the scheduler adds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WireSample } from '../../../shared/src/wire.ts';
import { skipUnlessLab } from '../../helpers/lab-guard.ts';
import { loadSequence, replay } from '../../unit/probes/snmp/sequences.ts';
import { agentToken, CHROMIUM, createUser, startCollectorProcess, type Browsing, type Collector, openSignedIn } from './fixture.ts';

const skip = skipUnlessLab({ files: [CHROMIUM] });
const MIN = 60_000;

/** One poll a minute, ending now: what an agent polling snmpd every minute would have sent. */
function agentSamples(now: number): WireSample[] {
  const base = { check: 'core-switch', role: 'lan-gateway', target: '192.0.2.1:161' };
  const evals = replay(loadSequence('snmpd-lo-above-speed').polls, [{ name: 'lo' }]);
  return evals.flatMap((e, i) => {
    const ts = now - (evals.length - i) * MIN;
    return [
      ...e.samples.map((s) => ({ metric: s.metric, labels: { ...base, ...s.labels }, ts, value: s.value })),
      { metric: 'probe_success', labels: { ...base, outcome: 'success' }, ts, value: 1 },
    ];
  });
}

describe.skipIf(skip)('the dashboard: a port faster than its device says', () => {
  let c: Collector;
  let b: Browsing;
  beforeAll(async () => {
    c = await startCollectorProcess();
    const desk = await createUser(c, 'desk.speed', 'servicedesk');
    const samples = agentSamples(Math.floor(Date.now() / MIN) * MIN);
    expect(samples.filter((s) => s.metric === 'snmp_if_speed_mismatch_bps').length).toBeGreaterThan(0);
    await c.ingest(await agentToken(c, 'D84004'), 'lo-fast', samples);
    b = await openSignedIn(c.url, desk);
  }, 120_000);
  afterAll(async () => {
    await b?.close();
    await c?.stop();
  });

  it('notes the port under Interfaces, with what to set in the agent config, and charts its rate', async () => {
    const { page } = b;
    await page.goto(`${c.url}/#/practice/D84004`);
    const note = page.locator('#sec-ifaces ~ .speed-mismatch, section[aria-labelledby="sec-ifaces"] .speed-mismatch');
    await note.first().waitFor({ timeout: 30_000 });
    const text = await note.first().innerText();
    expect(text).toContain('Rate above the reported interface speed — set inBps/outBps (or speedBps) in the agent config');
    expect(text).toContain('192.0.2.1:161 lo in (reports 10 Mbit/s)');
    expect(text).toContain('192.0.2.1:161 lo out (reports 10 Mbit/s)');
    // Its rate is charted (the utilisation chart cannot show it).
    const chart = page.locator('figure.chart', { hasText: '192.0.2.1:161 — rate of interfaces above their reported speed (p95)' });
    await chart.waitFor();
    expect(await chart.locator('.chart-summary').innerText()).toMatch(/lo in: latest \d+(\.\d+)? Mbit\/s/);
    await b.shot('speed-mismatch');
    expect(b.problems).toEqual([]);
    expect(b.outside).toEqual([]);
  });
});
