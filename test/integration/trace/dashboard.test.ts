// The dashboard's alert view shows an icmp alert's path trace, in real Chromium against a real
// collector process: the national link (n3-gateway) loses half its packets for the last 30
// minutes, the agent's trace at the start of it (the samples of agent/src/probes/trace's own code
// on mtr output captured in the 3-router lab: loss and delay from hop 2) is stored with the check's
// labels, and the alert's "Path" lists the hops with hop 2 marked as where the loss starts.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WireSample } from '../../../shared/src/wire.ts';
import { parseMtrJson } from '../../../agent/src/probes/trace/parse.ts';
import { traceSamples } from '../../../agent/src/probes/trace/samples.ts';
import { skipUnlessLab } from '../../helpers/lab-guard.ts';
import { agentToken, CHROMIUM, createUser, startCollectorProcess, type Browsing, type Collector, openSignedIn } from '../../e2e/dashboard/fixture.ts';

const skip = skipUnlessLab({ files: [CHROMIUM] });
const MIN = 60_000;
const LABELS = { check: 'hscn-router', role: 'n3-gateway', target: '10.219.186.14' };
const CAPTURED = readFileSync(new URL('../../unit/probes/trace/fixtures/mtr-loss-delay-hop2.json', import.meta.url), 'utf8');

function agentSamples(now: number): WireSample[] {
  const out: WireSample[] = [];
  for (let m = 60; m >= 1; m--) {
    const ts = now - m * MIN;
    const lossy = m <= 30;
    out.push(
      { metric: 'icmp_loss_ratio', labels: LABELS, ts, value: lossy ? 0.5 : 0 },
      { metric: 'icmp_rtt_median_ms', labels: LABELS, ts, value: lossy ? 62 : 2 },
    );
  }
  const parsed = parseMtrJson(CAPTURED);
  if (!parsed.ok) throw new Error(parsed.message);
  for (const s of traceSamples(parsed.hops, { ts: now - 30 * MIN + 5000, reason: 'burst', previousPath: 'x' })) {
    out.push({ metric: s.metric, labels: { ...LABELS, ...s.labels }, ts: s.ts ?? now, value: s.value });
  }
  return out;
}

describe.skipIf(skip)("the dashboard: an alert's path trace", () => {
  let c: Collector;
  let b: Browsing;
  beforeAll(async () => {
    c = await startCollectorProcess();
    const desk = await createUser(c, 'desk.trace', 'servicedesk');
    await c.ingest(await agentToken(c, 'A81001'), 'trace-backlog', agentSamples(Date.now()));
    b = await openSignedIn(c.url, desk);
  }, 120_000);
  afterAll(async () => {
    await b?.close();
    await c?.stop();
  });

  it("opens the alert's Path: the hops, hop 2 marked as where the loss starts", async () => {
    const { page } = b;
    const row = page.locator('tr.alert-row', { hasText: LABELS.target }).filter({ hasText: /loss/i });
    // The collector evaluates on its own timer; the alerts page refreshes every 15 s.
    const deadline = Date.now() + 90_000;
    for (;;) {
      await page.goto(`${c.url}/#/alerts`);
      await page.locator('table.alerts, p.empty').first().waitFor({ timeout: 30_000 });
      if ((await row.count()) > 0) break;
      if (Date.now() > deadline) throw new Error('no loss alert on the national link within 90 s');
      await page.waitForTimeout(2000);
    }
    await row.first().locator('details.alert-trace summary').click();
    const culprit = row.first().locator('tr.trace-culprit');
    await culprit.waitFor({ timeout: 30_000 });
    expect(await culprit.count()).toBe(1);
    expect(await culprit.innerText()).toMatch(/^2\s+10\.219\.186\.10\s+\d+ %\s+[\d.]+ ms\s+◀ loss starts here$/);
    expect(await row.first().locator('tr.trace-hop').count()).toBeGreaterThanOrEqual(3);
    expect(await row.first().locator('.trace').innerText()).toContain('Hop 2 (10.219.186.10) introduced the loss.');
    // The live refresh (every 15 s) leaves an open Path alone.
    const stamp = page.locator('.live-stamp');
    const before = await stamp.innerText();
    await page.waitForFunction((t) => document.querySelector('.live-stamp')?.textContent !== t, before, { timeout: 40_000 });
    expect(await row.first().locator('details.alert-trace').getAttribute('open')).not.toBeNull();
    expect(await row.first().locator('tr.trace-culprit').count()).toBe(1);
    await b.shot('alert-path-trace');
    expect(b.problems).toEqual([]);
    expect(b.outside).toEqual([]);
  }, 180_000);
});
