// The Configuration page in real Chromium against a real collector process: a service desk user
// edits a template, reviews the change as a diff, publishes it, sees the new version and the
// preview's diff against what the practice's agent runs (the agent's apply result is POSTed with
// its own token, in the agent's own shape); a change the collector refuses shows the API's lines
// naming the practice and the template line, and publishes nothing; a practice's values show
// plain values and secrets only as "set"; each agent shows the version it runs and its last apply
// result; rolling back publishes an old version again; a practice user never sees the page.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipUnlessLab } from '../../helpers/lab-guard.ts';
import { AGENT_CONFIG_RESULT_PATH, type ConfigApplyResult } from '../../../shared/src/pulled-config.ts';
import { CHROMIUM, createUser, openSignedIn, signIn, startCollectorProcess, type Browsing, type Collector } from './fixture.ts';

const skip = skipUnlessLab({ files: [CHROMIUM] });

const ODS = 'A81001';
const COMMUNITY = 'dash-community-7f3a91';
const SOURCE = [
  'description: the practice LAN',
  'checks:',
  '  - { kind: icmp, id: lan-gw, target: "{{ lanGateway }}", role: lan-gateway, intervalMs: 30000 }',
  '  - { kind: snmp, id: lan-switch, target: "{{ lanGateway }}:161", role: lan-gateway, version: "2c", community: "{{ community }}", intervalMs: 60000 }',
  '',
].join('\n');

let c: Collector;
let b: Browsing;
let key: string;
let viewer: { username: string; password: string };
const keyDir = mkdtempSync(join(tmpdir(), 'n3mon-dash-config-'));
const tokens: Record<string, string> = {};

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${c.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** Fields with neither a label nor an aria-label (every field must have one, as on the other pages). */
function unlabelledFields(page: Page): Promise<string[]> {
  return page
    .locator('input, select, textarea')
    .evaluateAll((els) => els.filter((e) => (e as HTMLInputElement).labels?.length === 0 && !e.getAttribute('aria-label')).map((e) => e.outerHTML));
}

/** What the agent POSTs after an apply attempt (shared/src/pulled-config.ts), with its own token. */
async function report(agent: string, result: ConfigApplyResult): Promise<void> {
  const res = await fetch(`${c.url}${AGENT_CONFIG_RESULT_PATH}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens[agent]}`, 'content-type': 'application/json' },
    body: JSON.stringify(result),
  });
  expect(res.status, await res.text()).toBe(204);
}

beforeAll(async () => {
  if (skip) return;
  const keyFile = join(keyDir, 'config-secrets.key');
  writeFileSync(keyFile, randomBytes(32).toString('hex'), { mode: 0o600 });
  c = await startCollectorProcess({ configTemplates: { secretKeyFile: keyFile } });
  const [desk, pm, apikey, ...agentTokens] = await Promise.all([
    createUser(c, 'desk.config', 'servicedesk'),
    createUser(c, 'pm.config', 'practice', ODS),
    c.cli(['apikey', 'create', '--role', 'servicedesk']),
    ...['srv1', 'srv2'].map((agent) => c.cli(['token', 'create', '--practice', ODS, '--agent', agent])),
  ]);
  viewer = pm;
  key = apikey.stdout.trim();
  ['srv1', 'srv2'].forEach((agent, i) => (tokens[agent] = (agentTokens[i]?.stdout ?? '').trim()));
  // Version 1: the practice's values; version 2: the template. Both agents report how applying version 2 went.
  expect((await api('PUT', `/api/v1/practices/${ODS}/config/values`, { values: { lanGateway: '127.0.0.1', community: { secret: COMMUNITY } } })).status).toBe(
    200,
  );
  const put = await api('PUT', '/api/v1/config/templates/lan', { source: SOURCE, practices: [ODS] });
  expect(put.status, JSON.stringify(put.json)).toBe(200);
  const v = put.json.version as number;
  await report('srv1', { version: v, ok: true, running: v, at: Date.now() });
  await report('srv2', {
    version: v,
    ok: false,
    running: 0,
    problem: 'checks[1].privProtocol: des is not available in this Node.js',
    at: Date.now(),
  });
  b = await openSignedIn(c.url, desk);
}, 120_000);

afterAll(async () => {
  await b?.close();
  await c?.stop();
  rmSync(keyDir, { recursive: true, force: true });
});

describe.skipIf(skip)('the Configuration page in Chromium', () => {
  it('edits a template: the change as a diff, published as a new version, the preview against what the agent runs', async () => {
    const { page } = b;
    await page.getByRole('link', { name: 'Configuration' }).click();
    await page.getByRole('heading', { name: 'Configuration', level: 1 }).waitFor();
    await page.locator('table.config-templates tr[data-name="lan"]').waitFor();
    expect(await page.locator('table.config-templates tr[data-name="lan"]').innerText()).toContain(ODS);
    await page.getByRole('link', { name: 'lan', exact: true }).click();
    const source = page.getByLabel('Template (YAML)');
    await expect.poll(() => source.inputValue()).toContain('lan-gw');
    // Add an HTTP check of the practice's intranet.
    await source.fill(`${SOURCE}  - { kind: http, id: intranet, target: "http://{{ lanGateway }}:8081/", role: lan-gateway, intervalMs: 60000 }\n`);
    await page.getByRole('button', { name: 'Review changes' }).click();
    const diff = page.getByLabel('Template changes');
    await diff.waitFor();
    expect(await diff.locator('.diff-add').allInnerTexts()).toEqual([expect.stringContaining('+   - { kind: http, id: intranet')]);
    expect(await diff.locator('.diff-del').count()).toBe(0);
    await b.shot('config-01-review');
    expect(await unlabelledFields(page)).toEqual([]);
    await page.getByRole('button', { name: 'Save and publish' }).click();
    await page.getByText(/^Published as version 3\./).waitFor();
    // The preview: srv1 runs version 2; version 3 adds the intranet check. srv2 runs only its local file.
    const preview = page.locator('.config-preview');
    await preview.getByText(/^Version 3 gives A81001 3 checks from template:lan\./).waitFor();
    expect(await preview.locator('li[data-version="2"]').innerText()).toMatch(/srv1 runs version 2\. Version 3:\s+\+ adds 1 check \(intranet\)/);
    expect(await preview.locator('li[data-version="0"]').innerText()).toMatch(
      /srv2 runs only a local file\. Version 3:\s+\+ adds 3 checks \(lan-gw, lan-switch, intranet\)/,
    );
    await preview.getByText('Rendered checks').click();
    const rendered = await preview.locator('pre.rendered-checks').innerText();
    expect(rendered).toContain('"community": "<secret>"');
    expect(rendered).not.toContain(COMMUNITY);
    await b.shot('config-02-published');
    // The versions list: version 3 by desk.config, current.
    await page.getByRole('link', { name: 'Configuration', exact: true }).first().click();
    const top = page.locator('table.config-versions tbody tr').first();
    await top.waitFor();
    expect(await top.getAttribute('data-version')).toBe('3');
    expect(await top.innerText()).toMatch(/3 \(current\)[\s\S]*desk\.config[\s\S]*lan/);
  });

  it('shows a refused change as the API says it: the practice and the template line, and publishes nothing', async () => {
    const { page } = b;
    await page.goto(`${c.url}/#/config/template/lan`);
    const source = page.getByLabel('Template (YAML)');
    await expect.poll(() => source.inputValue()).toContain('intranet');
    const bad = (await source.inputValue()).replace('intervalMs: 30000', 'intervalMs: 30000, count: 0');
    await source.fill(bad);
    await page.getByRole('button', { name: 'Save and publish' }).click();
    const note = page.locator('.note-error', { hasText: 'Not published' });
    await note.waitFor();
    const lines = await note.locator('ul.problems li').allInnerTexts();
    expect(lines).toEqual([expect.stringMatching(/^practice A81001, template lan line 3: checks\[0\]\.count: /)]);
    await b.shot('config-03-refused');
    expect(((await api('GET', '/api/v1/config/versions')).json as { current: number }).current).toBe(3);
  });

  it("shows a practice's values (secrets only as set), its preview and each agent's version and last apply result", async () => {
    const { page } = b;
    await page.goto(`${c.url}/#/config/practice/${ODS}`);
    const community = page.locator('table.config-values tr[data-name="community"]');
    await community.waitFor();
    expect(await page.getByLabel('Value of lanGateway').inputValue()).toBe('127.0.0.1');
    expect(await community.locator('td').first().innerText()).toMatch(/^set\b/);
    expect(await page.content()).not.toContain(COMMUNITY);
    const agents = page.locator('table.config-agents');
    await agents.locator('tr[data-agent="srv2"]').waitFor();
    expect(await agents.locator('tr[data-agent="srv1"]').innerText()).toMatch(/srv1\s+2\s+✔ ok \(version 2\)/);
    expect(await agents.locator('tr[data-agent="srv2"]').innerText()).toMatch(
      /srv2\s+local file only\s+✖ version 2 refused: checks\[1\]\.privProtocol: des is not available/,
    );
    // Replace the secret and change a plain value: published, and the secret is still only "set".
    await page.getByRole('button', { name: 'Replace secret community' }).click();
    await page.getByLabel('New secret community').fill('dash-community-second');
    await page.getByLabel('Value of lanGateway').fill('127.0.0.9');
    await page.getByRole('button', { name: 'Save and publish' }).click();
    await page.getByText(/^Published as version 4\./).waitFor();
    // The table is read again: the new secret is "set", and in no field or text of the page.
    await expect.poll(() => community.locator('td').first().innerText()).toMatch(/^set\b/);
    expect(await page.getByLabel('Value of lanGateway').inputValue()).toBe('127.0.0.9');
    const fields = await page.locator('input, textarea').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
    expect(fields.join('\n')).not.toContain('dash-community-second');
    expect(await page.content()).not.toContain('dash-community-second');
    await b.shot('config-04-practice');
    const values = (await api('GET', `/api/v1/practices/${ODS}/config/values`)).json as { values: Record<string, unknown> };
    expect(values.values).toEqual({ lanGateway: '127.0.0.9', community: { secret: true, set: true } });
  });

  it('rolls back: an earlier version published again as a new one', async () => {
    const { page } = b;
    await page.goto(`${c.url}/#/config`);
    await page.getByRole('button', { name: 'Roll back to version 2' }).click();
    await page.getByRole('button', { name: 'Confirm: publish version 2 again' }).click();
    await page.getByText('Version 2 published again as version 5.').waitFor();
    const templ = (await api('GET', '/api/v1/config/templates/lan')).json as { source: string; version: number };
    expect(templ.version).toBe(5);
    expect(templ.source).toBe(SOURCE);
    expect(b.problems).toEqual([expect.stringMatching(/status of 400/)]); // the refused change, only
  });

  it('creates a template: named, assigned to a list of practices, published, then opened by its name', async () => {
    const { page } = b;
    await page.goto(`${c.url}/#/config`);
    await page.getByRole('link', { name: 'New template' }).click();
    // A name in use is not overwritten.
    await page.getByLabel('Template name').fill('lan');
    await page.getByRole('button', { name: 'Save and publish' }).click();
    await page.getByText('A template named lan exists already').waitFor();
    await page.getByLabel('Template name').fill('branch');
    await page
      .getByLabel('Template (YAML)')
      .fill('checks:\n  - { kind: tcp, id: branch-router, target: "127.0.0.1:2222", role: branch-site, labels: { site: Branch }, intervalMs: 60000 }\n');
    await page.getByLabel('These practices').check();
    await page.getByLabel('Practice ODS codes').fill('b82002');
    await page.getByRole('button', { name: 'Save and publish' }).click();
    await page.getByRole('heading', { name: 'Template branch' }).waitFor();
    await page.getByText(/^Published as version 6\./).waitFor();
    expect(page.url()).toContain('#/config/template/branch');
    await page
      .locator('.config-preview')
      .getByText(/^Version 6 gives B82002 1 check from template:branch\./)
      .waitFor();
    const t = (await api('GET', '/api/v1/config/templates/branch')).json as { practices: unknown };
    expect(t.practices).toEqual(['B82002']);
  });

  it('onboards a practice on its page: the variables its template needs are listed "not set", filled in, the template ticked, published', async () => {
    const { page } = b;
    await page.goto(`${c.url}/#/config/practice/C83003`);
    const lan = page.getByLabel('lan', { exact: true });
    await lan.waitFor();
    expect(await lan.isChecked()).toBe(false);
    const rows = page.locator('table.config-values tbody tr');
    await expect.poll(() => rows.evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.name))).toEqual(['community', 'lanGateway']);
    expect(await rows.first().innerText()).toMatch(/community\s+\s*secret\s+lan/);
    await page.getByLabel('Value of lanGateway').fill('127.0.0.5');
    await page.getByLabel('community is a secret').check();
    await page.getByLabel('New secret community').fill('valley-community-19');
    await lan.check();
    await page.getByRole('button', { name: 'Save and publish' }).click();
    // Two versions: the values (7), then the template with C83003 added (8).
    await page.getByText(/^Published as version 8\./).waitFor();
    await page
      .locator('.config-preview')
      .getByText(/^Version 8 gives C83003 2 checks from template:lan\./)
      .waitFor();
    const t = (await api('GET', '/api/v1/config/templates/lan')).json as { practices: unknown };
    expect(t.practices).toEqual(['A81001', 'C83003']);
    const v = (await api('GET', '/api/v1/practices/C83003/config/values')).json as { values: unknown };
    expect(v.values).toEqual({ lanGateway: '127.0.0.5', community: { secret: true, set: true } });
    await expect.poll(() => page.getByLabel('lan', { exact: true }).isChecked()).toBe(true);
    expect(await page.content()).not.toContain('valley-community-19');
    await b.shot('config-05-onboarded');
    // Every field has a label (or an aria-label), as on the other pages.
    expect(await unlabelledFields(page)).toEqual([]);
  });

  it('is not there for a practice user: no link, the address leads to their practice, the API says 403', async () => {
    const context = await b.browser.newContext({ viewport: { width: 1440, height: 900 } });
    try {
      const page = await context.newPage();
      await page.goto(`${c.url}/#/config`);
      await signIn(page, viewer);
      await page.getByRole('heading', { name: ODS }).first().waitFor({ timeout: 30_000 });
      expect(page.url()).toContain(`#/practice/${ODS}`);
      expect(await page.getByRole('link', { name: 'Configuration' }).count()).toBe(0);
      const status = await page.evaluate(async () => (await fetch('/api/v1/config/templates')).status);
      expect(status).toBe(403);
    } finally {
      await context.close();
    }
  });
});
