/**
 * The Content-Security-Policies hold in a real browser (issue 11 point 5): Chromium loads the
 * dashboard (sign-in, overview, a practice page) and a month's HTML report — with charts — from a
 * real collector, and reports no CSP violation, while the report's inline styles and SVG charts
 * still render under `default-src 'none'; style-src 'unsafe-inline'; img-src data:`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { skipUnlessLab } from '../../helpers/lab-guard.ts';
import { startSecureApp, type SecureApp } from './fixture.ts';
import { MONTH, ODS, startMonthCollector, type MonthCollector } from '../reports/month-fixture.ts';

const CHROMIUM = '/usr/bin/chromium';
const skip = skipUnlessLab({ files: [CHROMIUM] });
const PASSWORD = 'correct horse battery';

declare global {
  interface Window {
    __cspViolations?: string[];
  }
}

/** A page that records every securitypolicyviolation event and every console message about CSP. */
async function watchedPage(browser: Browser, headers: Record<string, string> = {}): Promise<{ page: Page; violations: () => Promise<string[]> }> {
  const context = await browser.newContext({ extraHTTPHeaders: headers });
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations?.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const page = await context.newPage();
  const console: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) console.push(`console: ${m.text()}`);
  });
  return { page, violations: async () => [...console, ...((await page.evaluate(() => window.__cspViolations ?? [])) as string[])] };
}

describe.skipIf(skip)('CSP in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
        '--disable-dev-shm-usage',
      ],
    });
  }, 60_000);
  afterAll(async () => browser?.close());

  describe('the dashboard', () => {
    let c: SecureApp;
    beforeAll(async () => {
      c = await startSecureApp();
      await c.user('desk', 'servicedesk', PASSWORD);
    }, 60_000);
    afterAll(async () => c?.close());

    it('signs in and shows the overview and a practice without a CSP violation', async () => {
      const { page, violations } = await watchedPage(browser);
      const res = await page.goto(`${c.http}/`);
      expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
      await page.getByRole('heading', { name: 'Sign in to n3mon' }).waitFor();
      await page.getByLabel('Username').fill('desk');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Practices' }).waitFor();
      await page.locator('#overview-table tbody tr[data-ods="A81001"]').getByRole('link').first().click();
      await page
        .getByRole('heading', { name: /Example Surgery/ })
        .first()
        .waitFor();
      expect(await violations()).toEqual([]);
    }, 60_000);
  });

  describe('the monthly HTML report', () => {
    let m: MonthCollector;
    beforeAll(async () => {
      m = await startMonthCollector();
    }, 300_000);
    afterAll(async () => m?.close());

    it('renders its styles and inline SVG charts under the strict report policy, with no violation', async () => {
      const { page, violations } = await watchedPage(browser, { authorization: `Bearer ${m.keys.desk}` });
      const res = await page.goto(`${m.url}/api/v1/reports/${ODS}/${MONTH}?format=html`);
      expect(res?.status()).toBe(200);
      expect(res?.headers()['content-security-policy']).toMatch(/^default-src 'none'; style-src 'unsafe-inline'; img-src data:/);
      const charts = await page.locator('svg').evaluateAll((svgs) => svgs.map((s) => s.getBoundingClientRect().width));
      expect(charts.length).toBeGreaterThan(3);
      for (const w of charts) expect(w).toBeGreaterThan(100);
      // The inline <style> applied: the page's own font, not the browser default (Times).
      expect(await page.evaluate(() => getComputedStyle(document.body).fontFamily)).not.toMatch(/^"?Times/);
      const images = await page
        .locator('img')
        .evaluateAll((imgs) => imgs.map((i) => ({ src: (i as HTMLImageElement).src.slice(0, 11), w: (i as HTMLImageElement).naturalWidth })));
      for (const img of images) {
        expect(img.src).toBe('data:image/');
        expect(img.w).toBeGreaterThan(0);
      }
      expect(await violations()).toEqual([]);
    }, 60_000);
  });
});
