// The dashboard as people use it, in real Chromium against a real collector process with data
// pushed through the ingest API: sign in, the overview with a practice in each state, search and
// filter, live updates, a practice page with charts, alerts, the practice viewer's limits (UI and
// API), sign-out — with no console errors and no request leaving the collector. Screenshots go
// to test-artifacts/dashboard/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { skipUnlessLab } from '../../helpers/lab-guard.ts';
import { agentToken, CHROMIUM, createUser, openBrowser, startCollectorProcess, type Browsing, type Collector, signIn } from './fixture.ts';
import { APP_DOWN, HEALTHY, LINK_BAD, MIN, practiceSamples } from './data.ts';

const skip = skipUnlessLab({ files: [CHROMIUM] });

let c: Collector;
let b: Browsing;
let desk: { username: string; password: string };
let viewer: { username: string; password: string };
const tokens: Record<string, string> = {};
let now = 0;

beforeAll(async () => {
  if (skip) return;
  c = await startCollectorProcess();
  [desk, viewer] = await Promise.all([createUser(c, 'desk.one', 'servicedesk'), createUser(c, 'hillside.pm', 'practice', 'B82002')]);
  for (const ods of ['A81001', 'B82002', 'C83003']) tokens[ods] = await agentToken(c, ods);
  now = Math.floor(Date.now() / MIN) * MIN;
  const from = now - 3 * 60 * MIN;
  // A81001's last 20 minutes arrive later, in the live-update step.
  await c.ingest(tokens.A81001 as string, 'a-hist', practiceSamples(HEALTHY, from, now - 20 * MIN, 1));
  await c.ingest(tokens.B82002 as string, 'b-hist', practiceSamples(APP_DOWN, from, now, 2));
  await c.ingest(tokens.C83003 as string, 'c-hist', practiceSamples(LINK_BAD, from, now, 3));
  b = await openBrowser(c.url);
}, 120_000);

afterAll(async () => {
  await b?.close();
  await c?.stop();
});

/** Run a step that makes the browser log an expected HTTP error (e.g. a refused sign-in). */
async function expectingHttpError<T>(status: number, step: () => Promise<T>): Promise<T> {
  const before = b.problems.length;
  const out = await step();
  const fresh = b.problems.splice(before);
  expect(fresh.length, fresh.join('\n')).toBeGreaterThan(0);
  for (const p of fresh) expect(p).toMatch(new RegExp(`status of ${status}`));
  return out;
}

function row(page: Page, ods: string) {
  return page.locator(`#overview-table tbody tr[data-ods="${ods}"]`);
}

describe.skipIf(skip)('the dashboard in Chromium', () => {
  it('signs in (a wrong password is refused) and shows every practice with its state', async () => {
    const { page } = b;
    await page.goto(`${c.url}/`);
    await expect.poll(() => page.getByRole('heading', { name: 'Sign in to n3mon' }).isVisible()).toBe(true);
    await b.shot('01-sign-in');
    await expectingHttpError(401, async () => {
      await signIn(page, { username: desk.username, password: 'not-the-password' });
      await page.getByText('Wrong username or password.').waitFor();
    });
    await signIn(page, desk);
    await page.getByRole('heading', { name: 'Practices' }).waitFor();
    await row(page, 'D84004').waitFor();
    const statusOf = async (ods: string) => (await row(page, ods).locator('td').first().innerText()).replace(/[^A-Za-z]/g, '');
    // Each practice is judged at an evaluator tick after its data arrived: wait for all four.
    await expect
      .poll(() => Promise.all(['A81001', 'B82002', 'C83003', 'D84004'].map(statusOf)), { timeout: 30_000 })
      .toEqual(['OK', 'Warning', 'Critical', 'Unknown']);
    // Worst first.
    const order = await page.locator('#overview-table tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.ods));
    expect(order).toEqual(['C83003', 'B82002', 'D84004', 'A81001']);
    // Per area: C83003's national link is critical; why, since when, how many alerts.
    const c3 = row(page, 'C83003');
    expect(await c3.locator('td.area-cell').nth(1).innerText()).toMatch(/Crit/);
    // …and its branch site answers in 130 ms: the Branch links area is critical (rule branch-rtt-p95, 100 ms).
    expect(await page.locator('#overview-table thead th.area-cell').nth(3).innerText()).toMatch(/Branch links/);
    expect(await c3.locator('td.area-cell').nth(3).innerText()).toMatch(/Crit/);
    expect(await c3.locator('td.reason').innerText()).toMatch(/National link .*critical on 198\.51\.100\.1/);
    expect(await c3.locator('td').nth(7).innerText()).toMatch(/^\d+ (min|h)/); // since: after the status and six area cells
    expect(
      Number(
        await c3
          .locator('td.num')
          .innerText()
          .then((t) => t.replace(/\D/g, '')),
      ),
    ).toBeGreaterThan(0);
    expect(await row(page, 'D84004').locator('td.reason').innerText()).toMatch(/no agent/);
    await b.shot('02-overview');
  });

  it('searches by name or ODS code and filters by status, on the server', async () => {
    const { page } = b;
    await page.getByLabel('Search by ODS code or name').fill('hill');
    await expect.poll(() => page.locator('#overview-table tbody tr').count()).toBe(1);
    expect(await row(page, 'B82002').count()).toBe(1);
    expect(page.url()).toContain('q=hill');
    await page.getByLabel('Search by ODS code or name').fill('');
    await page.getByRole('button', { name: /^Unknown/ }).click();
    await expect
      .poll(() => page.locator('#overview-table tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.ods)))
      .toEqual(['D84004']);
    await page.getByRole('button', { name: /^All/ }).click();
    await expect.poll(() => page.locator('#overview-table tbody tr').count()).toBe(4);
  });

  it('updates the overview live, without a reload', async () => {
    const { page } = b;
    await page.evaluate(() => ((window as unknown as { __marker: number }).__marker = 42));
    // The server's data disk fills up: 20 more minutes of A81001 arrive, the disk at 96 %.
    await c.ingest(tokens.A81001 as string, 'a-live', practiceSamples({ ...HEALTHY, dataDisk: 0.96 }, now - 20 * MIN, now, 4));
    const status = async () => (await row(page, 'A81001').locator('td').first().innerText()).replace(/[^A-Za-z]/g, '');
    await expect.poll(status, { timeout: 45_000, interval: 1000 }).toBe('Critical');
    expect(await row(page, 'A81001').locator('td.area-cell').nth(4).innerText()).toMatch(/Crit/); // Servers
    expect(await row(page, 'A81001').locator('td.reason').innerText()).toMatch(/disk/i);
    // Same page: no reload happened.
    expect(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker)).toBe(42);
    await b.shot('03-overview-live');
  });

  it('opens a practice: SmokePing chart, phases, interfaces and host charts with data', async () => {
    const { page } = b;
    await row(page, 'C83003')
      .getByRole('link', { name: /Valley Health Centre/ })
      .click();
    await page.getByRole('heading', { name: /Valley Health Centre/ }).waitFor();
    await page.locator('figure.chart canvas').first().waitFor();
    const captions = await page.locator('figure.chart .chart-title').allInnerTexts();
    expect(captions).toEqual(expect.arrayContaining(['192.0.2.1 (lan-gateway)', '198.51.100.1 (n3-gateway)', 'TCP connect time (p95)']));
    // The branch site has a section of its own, its chart titled by its site label.
    expect(await page.locator('#sec-branch ~ div figure.chart .chart-title').allInnerTexts()).toEqual(['Branch: 192.0.2.65 (branch-site)']);
    expect(captions.some((t) => /spine: .* response time by phase/.test(t))).toBe(true);
    expect(captions.some((t) => /interface utilisation/.test(t))).toBe(true);
    expect(captions.some((t) => /CPU, memory and disk/.test(t))).toBe(true);
    // The charts' text summaries carry the figures: the national link is slow and lossy.
    const n3 = page.locator('figure.chart', { hasText: '198.51.100.1 (n3-gateway)' });
    expect(await n3.locator('.chart-summary').innerText()).toMatch(/Median RTT \d+(\.\d+)? ms .* packet loss [\d.]+ % on average, 100 % at worst/);
    // uPlot drew something: the plot canvas is not blank.
    const painted = await n3.locator('canvas').evaluate((cv: HTMLCanvasElement) => {
      const d = cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if ((d[i] as number) > 0) n++;
      return n;
    });
    expect(painted).toBeGreaterThan(1000);
    // The monthly report link works with the session (no API key in the page).
    const href = await page.getByRole('link', { name: /\(so far\)$/ }).getAttribute('href');
    expect(href).toMatch(/^\/api\/v1\/reports\/C83003\/\d{4}-\d{2}\?format=html$/);
    const report = await page.request.get(`${c.url}${href}`);
    expect(report.status()).toBe(200);
    expect(report.headers()['content-type']).toMatch(/^text\/html/);
    expect(await report.text()).toContain('Valley Health Centre');
    await b.shot('04-practice');
  });

  it('acknowledges an alert with a note, on the practice page', async () => {
    const { page } = b;
    const open = page.locator('table.alerts tr.alert-open', { hasText: 'National link round-trip time' });
    await open.first().waitFor();
    const id = await open.first().getAttribute('data-alert-id');
    await open
      .first()
      .getByRole('button', { name: /Acknowledge alert/ })
      .click();
    await page.getByLabel('Note (optional)').fill('BT fault ref 4711, engineer booked');
    // A live refresh while the note is being written leaves the form alone.
    const stamp = await page.locator('.live-stamp').innerText();
    await expect.poll(() => page.locator('.live-stamp').innerText(), { timeout: 30_000, interval: 500 }).not.toBe(stamp);
    expect(await page.getByLabel('Note (optional)').inputValue()).toBe('BT fault ref 4711, engineer booked');
    await page.getByRole('button', { name: 'Confirm acknowledge' }).click();
    const acked = page.locator(`table.alerts tr[data-alert-id="${id}"]`);
    await expect.poll(() => acked.innerText(), { timeout: 20_000 }).toMatch(/Acknowledged\s+by desk\.one/);
    expect(await acked.innerText()).toContain('BT fault ref 4711, engineer booked');
    // The API agrees.
    const a = await (await page.request.get(`${c.url}/api/v1/alerts/${id}`)).json();
    expect(a).toMatchObject({ state: 'acknowledged', acknowledged: { by: 'desk.one', note: 'BT fault ref 4711, engineer booked' } });
    await b.shot('05-acknowledged');
  });

  it('changes the time range without losing the page', async () => {
    const { page } = b;
    await page.getByRole('button', { name: 'Last hour' }).click();
    await expect.poll(() => page.url()).toContain('range=1h');
    await expect.poll(() => page.getByRole('button', { name: 'Last hour' }).getAttribute('aria-pressed')).toBe('true');
    await page.locator('figure.chart canvas').first().waitFor();
  });

  it('lists alerts by state, practice, area and severity', async () => {
    const { page } = b;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alerts' }).click();
    await page.getByRole('heading', { name: 'Alerts' }).waitFor();
    await page.locator('table.alerts tbody tr').first().waitFor();
    const practices = await page.locator('table.alerts tbody tr td:nth-child(2)').allInnerTexts();
    expect(new Set(practices)).toEqual(new Set(['A81001', 'B82002', 'C83003']));
    await page.getByLabel('Practice (ODS code)').fill('C83003');
    await expect.poll(async () => new Set(await page.locator('table.alerts tbody tr td:nth-child(2)').allInnerTexts())).toEqual(new Set(['C83003']));
    await page.getByLabel('Area').selectOption('national-link');
    await expect.poll(async () => new Set(await page.locator('table.alerts tbody tr td:nth-child(3)').allInnerTexts())).toEqual(new Set(['National link']));
    await page.getByLabel('Severity').selectOption('critical');
    for (const t of await page.locator('table.alerts tbody tr td:nth-child(1)').allInnerTexts()) expect(t).toContain('Critical');
    await page.getByRole('button', { name: 'Acknowledged' }).click();
    await expect.poll(() => page.locator('table.alerts tbody tr').count()).toBe(1);
    expect(await page.locator('table.alerts tbody tr').innerText()).toContain('BT fault ref 4711');
    expect(page.url()).toMatch(/state=acknowledged/);
    await b.shot('06-alerts');
  });

  it('is usable by keyboard: a skip link, focus in order, every field labelled', async () => {
    const { page } = b;
    await page.goto(`${c.url}/#/`);
    await page.reload();
    await row(page, 'A81001').waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    expect(page.url()).toMatch(/#\/$/); // the skip link is not a route change
    const order: string[] = [];
    for (let i = 0; i < 2; i++) {
      await page.keyboard.press('Tab');
      order.push((await page.evaluate(() => document.activeElement?.textContent ?? '')).trim());
    }
    expect(order[0]).toBe('Pause live updates');
    expect(order[1]).toMatch(/^Needs attention/);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.url()).toContain('filter=attention');
    await expect.poll(() => page.getByRole('button', { name: /^Needs attention/ }).getAttribute('aria-pressed')).toBe('true');
    const unlabelled = await page
      .locator('input, select')
      .evaluateAll((els) => els.filter((e) => (e as HTMLInputElement).labels?.length === 0 && !e.getAttribute('aria-label')).length);
    expect(unlabelled).toBe(0);
    await page.getByRole('button', { name: /^All/ }).click();
  });

  it('a practice viewer sees their practice only, in the UI and through the API', async () => {
    const { page } = b;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to n3mon' }).waitFor();
    await signIn(page, viewer);
    await page.getByRole('heading', { name: /Hillside Surgery/ }).waitFor();
    expect(page.url()).toMatch(/#\/practice\/B82002$/);
    await expect.poll(() => page.getByRole('link', { name: 'Overview' }).count()).toBe(0);
    await page.locator('figure.chart canvas').first().waitFor();
    // A viewer sees alerts but does not acknowledge them.
    await page.locator('table.alerts tbody tr').first().waitFor();
    expect(await page.getByRole('button', { name: /Acknowledge/ }).count()).toBe(0);
    await b.shot('07-viewer-own-practice');
    await expectingHttpError(403, async () => {
      await page.goto(`${c.url}/#/practice/A81001`);
      await page.getByText('Not allowed: your account may see practice B82002 only.').waitFor();
    });
    expect(await page.getByText('Riverside Medical Centre').count()).toBe(0);
    await b.shot('08-viewer-other-practice');
    // The API, with the viewer's session cookie: another practice is 403, the overview lists one.
    const other = await page.request.get(`${c.url}/api/v1/practices/A81001`);
    expect(other.status()).toBe(403);
    const series = await page.request.get(`${c.url}/api/v1/practices/A81001/series?metric=icmp_rtt_median_ms`);
    expect(series.status()).toBe(403);
    const list = await (await page.request.get(`${c.url}/api/v1/overview`)).json();
    expect(list.items.map((p: { ods: string }) => p.ods)).toEqual(['B82002']);
  });

  it('logged no console errors, and nothing left the collector', () => {
    expect(b.problems).toEqual([]);
    expect(b.outside).toEqual([]);
  });
});
