// The dashboard shows national incidents (issue 17, point 2), in real Chromium against a real
// collector process: open incidents above the overview's practice list, and on a practice page
// which of its alerts are part of one. The samples are the agent's own (the HTTP probe's code on
// the example agent config's eps-https and spine-https checks): EPS slow at five of six practices
// for the last hour, spine slow at the sixth alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WireSample } from '../../../shared/src/wire.ts';
import { skipUnlessLab } from '../../helpers/lab-guard.ts';
import { exampleHttpChecks, httpRun } from '../../integration/incidents/agent-samples.ts';
import { agentToken, CHROMIUM, createUser, startCollectorProcess, type Browsing, type Collector, openSignedIn } from './fixture.ts';

const skip = skipUnlessLab({ files: [CHROMIUM] });
const MIN = 60_000;
const EPS_SLOW = ['A81001', 'B82002', 'C83003', 'E85005', 'F86006'];
const SPINE_SLOW = 'D84004';

/** The last 90 minutes of a practice's agent: both checks once a minute, slow (2.5 s) from 60 minutes ago where planted. */
function agentSamples(practice: string, now: number): WireSample[] {
  const checks = exampleHttpChecks();
  const out: WireSample[] = [];
  for (let m = 90; m >= 1; m--) {
    const ts = now - m * MIN;
    for (const id of ['eps-https', 'spine-https']) {
      const slow = m <= 60 && (id === 'eps-https' ? EPS_SLOW.includes(practice) : practice === SPINE_SLOW);
      out.push(...httpRun(checks.get(id)!.labels, ts, slow ? 2500 : 180, now));
    }
  }
  return out;
}

describe.skipIf(skip)('the dashboard: national incidents', () => {
  let c: Collector;
  let b: Browsing;
  beforeAll(async () => {
    c = await startCollectorProcess();
    const desk = await createUser(c, 'desk.national', 'servicedesk');
    const now = Date.now();
    for (const p of [...EPS_SLOW, SPINE_SLOW]) await c.ingest(await agentToken(c, p), `backlog-${p}`, agentSamples(p, now));
    b = await openSignedIn(c.url, desk);
  }, 120_000);
  afterAll(async () => {
    await b?.close();
    await c?.stop();
  });

  it('lists the open incident above the practice list, with its scope and practices', async () => {
    const { page } = b;
    const incident = page.locator('#national-incidents .national-incident');
    // The collector evaluates on its own timer and the overview refreshes every 15 s. The count of
    // practices monitoring it is refreshed by the open-incident sweep (every minute): an evaluation
    // tick between two practices' backlogs may open the incident before the last one is counted.
    await incident.first().waitFor({ timeout: 90_000 });
    await page.locator('#national-incidents .national-incident', { hasText: 'at 5 of 6 practices' }).first().waitFor({ timeout: 90_000 });
    expect(await incident.count()).toBe(1);
    const text = await incident.first().innerText();
    expect(text).toMatch(/^eps: National application HTTP response time \(15-min p95\) at 5 of 6 practices since \d\d:\d\d UTC/);
    expect(text).toContain(`Practices: ${EPS_SLOW.join(', ')}`);
    expect(text).not.toContain(SPINE_SLOW);
    await expect(page.getByRole('heading', { name: 'National incident open: 1' }).isVisible()).resolves.toBe(true);
    // Above the practice list.
    const above = await page.evaluate(() => {
      const banner = document.querySelector('#national-incidents');
      const table = document.querySelector('#overview-table');
      return banner !== null && table !== null && (banner.compareDocumentPosition(table) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;
    });
    expect(above).toBe(true);
    await b.shot('national-incidents-overview');
    expect(b.problems).toEqual([]);
    expect(b.outside).toEqual([]);
  }, 200_000);

  it('a practice page marks the alerts that are part of it, and only those', async () => {
    const { page } = b;
    await page.goto(`${c.url}/#/practice/A81001`);
    const epsRow = page.locator('tr.alert-row', { hasText: 'National application HTTP response time (15-min p95) — https://eps.example.invalid/health' });
    await epsRow.first().waitFor({ timeout: 30_000 });
    expect(await epsRow.first().locator('.incident-note').innerText()).toMatch(/^Part of a national incident: eps: .* at 5 of 6 practices/);
    await b.shot('national-incidents-practice');

    await page.goto(`${c.url}/#/practice/${SPINE_SLOW}`);
    const spineRow = page.locator('tr.alert-row', { hasText: 'https://spine.example.invalid/healthcheck' });
    await spineRow.first().waitFor({ timeout: 30_000 });
    expect(await spineRow.locator('.incident-note').count()).toBe(0);
    expect(b.problems).toEqual([]);
    expect(b.outside).toEqual([]);
  });
});
