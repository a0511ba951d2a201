// The practice page's enrolment form in real Chromium against a real collector process: the
// service desk makes a code on the page, the built CLI's `n3mon enrol` on a "practice server" (a
// temp dir) exchanges it, the built agent delivers, and the page's agents table shows the agent
// with its version; a second code is revoked from the page and then refused; the agent is revoked
// from the page.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipUnlessLab } from '../../helpers/lab-guard.ts';
import { CLI, exited, runCli } from '../../helpers/cli.ts';
import { CHROMIUM, createUser, startCollectorProcess, type Browsing, type Collector, openSignedIn } from '../dashboard/fixture.ts';

const skip = skipUnlessLab({ files: [CHROMIUM] });
const VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

describe.skipIf(skip)('the dashboard: enrolling a server from the practice page', () => {
  let c: Collector;
  let b: Browsing;
  let agent: ChildProcess | undefined;
  const server = mkdtempSync(join(tmpdir(), 'n3mon-enrol-ui-'));
  beforeAll(async () => {
    c = await startCollectorProcess();
    const desk = await createUser(c, 'desk.enrol', 'servicedesk');
    b = await openSignedIn(c.url, desk);
  }, 120_000);
  afterAll(async () => {
    if (agent !== undefined && agent.exitCode === null) {
      agent.kill('SIGTERM');
      await exited(agent);
    }
    await b?.close();
    await c?.stop();
    rmSync(server, { recursive: true, force: true });
  });

  it('creates a code the server enrols with; the agent then shows with its version; a revoked code is refused', async () => {
    const { page } = b;
    await page.goto(`${c.url}/#/practice/D84004`);
    await page.getByText('No agent has been set up for this practice yet.').waitFor({ timeout: 30_000 });
    await page.getByLabel('Servers (uses)').fill('1');
    await page.getByRole('button', { name: 'Create enrolment code' }).click();
    const code = (await page.locator('code.enrolment-code').innerText({ timeout: 30_000 })).trim();
    expect(code).toMatch(/^n3e_[A-Za-z0-9_-]{24}$/);
    expect(await page.locator('.enrolment-created').innerText()).toContain(`n3mon enrol --collector ${c.url} --code ${code}`);

    // On the practice server: enrol (creates agent.yaml with a host check, taking the rest of its
    // checks from the collector: nothing else to edit there), then run the agent.
    const config = join(server, 'agent.yaml');
    const enrol = await runCli(['enrol', '--collector', c.url, '--code', code, '--name', 'moor-srv', '--config', config], { cwd: server });
    expect(enrol.code, enrol.stderr).toBe(0);
    expect(readFileSync(config, 'utf8')).toMatch(/^collector:\n {2}config: pull\n/m);
    agent = spawn(process.execPath, [CLI, 'agent', '--config', config, '--log-level', 'warn'], { cwd: server, stdio: 'ignore' });

    const row = page.locator('table.agents tbody tr', { hasText: 'moor-srv' });
    const deadline = Date.now() + 60_000;
    for (;;) {
      await page.reload();
      await page
        .locator('section[aria-labelledby="sec-agents"] table.agents, section[aria-labelledby="sec-agents"] .empty')
        .first()
        .waitFor({ timeout: 30_000 });
      if ((await row.count()) > 0 && (await row.locator('td').nth(0).innerText()) === VERSION) break;
      if (Date.now() > deadline) throw new Error(`moor-srv with version ${VERSION} not shown within 60 s`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const cells = await row.locator('td').allInnerTexts();
    expect(cells[1]).toBe(`${process.platform}-${process.arch}`);
    expect(cells[3]).toBe('127.0.0.1');
    expect(cells[4]).toMatch(/old, expires/);

    // A second code, revoked from the page, is refused.
    await page.getByRole('button', { name: 'Create enrolment code' }).click();
    await page.locator('code.enrolment-code', { hasNotText: code }).waitFor({ timeout: 30_000 });
    const second = (await page.locator('code.enrolment-code').innerText()).trim();
    const revoke = page.getByRole('button', { name: /^Revoke enrolment code / });
    await revoke.first().waitFor();
    expect(await revoke.count()).toBe(1);
    await revoke.first().click();
    await page.getByText(/Enrolment code [0-9a-f]{12} revoked\./).waitFor();
    const refused = await runCli(['enrol', '--collector', c.url, '--code', second, '--name', 'moor-srv2', '--config', join(server, 'other.yaml')], {
      cwd: server,
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/revoked/);

    // Revoking the agent from the page (asked twice): its credential shows as revoked.
    await page.getByRole('button', { name: 'Revoke agent moor-srv' }).click();
    await page.getByRole('button', { name: 'Confirm: revoke moor-srv' }).click();
    await page.getByText('Agent moor-srv revoked: its next delivery is refused; it keeps measuring until it is enrolled again.').waitFor({ timeout: 30_000 });
    await row.locator('td', { hasText: /^revoked$/ }).waitFor({ timeout: 30_000 });
    const listed = JSON.parse((await c.cli(['agents', 'list', '--practice', 'D84004', '--json'])).stdout) as { name: string; credential: unknown }[];
    expect(listed.find((a) => a.name === 'moor-srv')?.credential).toBeNull();
    await b.shot('enrolment');
    expect(b.problems).toEqual([]);
    expect(b.outside).toEqual([]);
  }, 150_000);
});
