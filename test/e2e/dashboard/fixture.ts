/**
 * A real collector for the dashboard test: `n3mon collector --config` as a child process (the
 * production composition: SQLite store, meta.db, alerting and reports when present), users made
 * with `n3mon user create`, agents' tokens with `n3mon token create`, and data pushed through
 * POST /api/v1/ingest. Plus Chromium (Debian's, via playwright-core) with the network closed:
 * any request that is not to the collector is blocked and recorded.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { exited, runCli, startCli } from '../../helpers/cli.ts';
import type { WireSample } from '../../../shared/src/wire.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/dashboard/', import.meta.url));

export const PRACTICES = [
  { ods: 'A81001', name: 'Riverside Medical Centre', sites: [{ name: 'Main' }] },
  { ods: 'B82002', name: 'Hillside Surgery', sites: [{ name: 'Main' }, { name: 'Branch' }] },
  { ods: 'C83003', name: 'Valley Health Centre', sites: [] },
  { ods: 'D84004', name: 'Moorland Practice', sites: [] },
];

export interface Collector {
  url: string;
  dir: string;
  config: string;
  child: ChildProcess;
  cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
  ingest(token: string, batchId: string, samples: WireSample[]): Promise<void>;
  stop(): Promise<void>;
}

/** `extra`: more collector config keys (e.g. configTemplates), merged over the defaults. */
export async function startCollectorProcess(extra: Record<string, unknown> = {}): Promise<Collector> {
  const dir = mkdtempSync(join(tmpdir(), 'n3mon-dash-'));
  const config = join(dir, 'collector.json');
  writeFileSync(
    config,
    JSON.stringify(
      {
        listen: { host: '127.0.0.1', port: 0 },
        dataDir: join(dir, 'data'),
        organisation: { name: 'Test ICB' },
        practices: PRACTICES,
        storage: { synchronous: 'normal' },
        ...extra,
      },
      null,
      2,
    ),
  );
  const started = await startCli(['collector', '--config', config], /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*"msg":"collector listening"/, {
    timeoutMs: 60_000,
  });
  const url = started.match[1] as string;
  const cli = (args: string[]) => runCli([...args, '--config', config], { timeoutMs: 60_000 });
  return {
    url,
    dir,
    config,
    child: started.child,
    cli,
    async ingest(token, batchId, samples) {
      for (let i = 0; i < samples.length; i += 10_000) {
        const res = await fetch(`${url}/api/v1/ingest`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ batchId: `${batchId}-${i}`, samples: samples.slice(i, i + 10_000) }),
        });
        if (res.status !== 200) throw new Error(`ingest ${batchId}: HTTP ${res.status} ${await res.text()}`);
      }
    },
    async stop() {
      if (started.child.exitCode === null) {
        started.child.kill('SIGTERM');
        await exited(started.child);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `n3mon user create` with a generated password (printed once on stdout). */
export async function createUser(c: Collector, username: string, role: string, practice?: string): Promise<{ username: string; password: string }> {
  const r = await c.cli(['user', 'create', '--username', username, '--role', role, ...(practice === undefined ? [] : ['--practice', practice])]);
  if (r.code !== 0) throw new Error(`user create ${username}: ${r.stderr}`);
  return { username, password: r.stdout.trim() };
}

export async function agentToken(c: Collector, practice: string): Promise<string> {
  const r = await c.cli(['token', 'create', '--practice', practice, '--agent', 'server1']);
  if (r.code !== 0) throw new Error(`token create ${practice}: ${r.stderr}`);
  return r.stdout.trim();
}

export interface Browsing {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Console errors, page errors and failed requests seen so far. */
  problems: string[];
  /** Requests that tried to leave the collector's origin (blocked). */
  outside: string[];
  shot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function openBrowser(origin: string): Promise<Browsing> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const browser = await chromium.launch({
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
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/London' });
  const problems: string[] = [];
  const outside: string[] = [];
  await context.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith(`${origin}/`) || u === origin) return route.continue();
    outside.push(u);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => {
    const f = r.failure()?.errorText ?? '';
    if (!f.includes('ERR_ABORTED')) problems.push(`requestfailed: ${r.url()} ${f}`);
  });
  return {
    browser,
    context,
    page,
    problems,
    outside,
    async shot(name) {
      const file = join(ARTIFACTS, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    close: () => browser.close(),
  };
}

/** Fills the dashboard's sign-in form and submits it. */
export async function signIn(page: Page, who: { username: string; password: string }): Promise<void> {
  await page.getByLabel('Username').fill(who.username);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** A browser on the dashboard, signed in as `who`, with the overview shown. */
export async function openSignedIn(origin: string, who: { username: string; password: string }): Promise<Browsing> {
  const b = await openBrowser(origin);
  await b.page.goto(`${origin}/`);
  await signIn(b.page, who);
  await b.page.getByRole('heading', { name: 'Practices' }).waitFor();
  return b;
}
