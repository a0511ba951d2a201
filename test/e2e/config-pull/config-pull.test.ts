// Pulled config end to end, with real processes: the built CLI's collector and two built agents
// (`collector.config: pull`, the shortest pull interval) of two practices. The service desk (an API
// key) publishes one template for every practice — ICMP to 127.0.0.x, HTTP to a server this test
// runs, SNMP v2c and v3 with secrets — with values per practice; both agents apply it within a
// pull interval and their samples arrive (read through the API). A bad change is refused on the
// collector (400 naming practice and template line) and the agents keep running. A change that
// one agent's Node cannot do (SNMPv3 privacy `des`: OpenSSL 3 keeps DES in its legacy provider,
// which neither side loads — the collector publishes it all the same) is rolled back on that agent and
// reported (the agents list says ok: false and why) while the other agent applies it. An agent
// restarted while the collector is down runs its last good config; its samples spool and arrive
// when the collector is back. No secret value appears in any API answer or in either side's logs.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.ts';
import { freePort } from '../../helpers/influxd.ts';
import { skipUnlessLab } from '../../helpers/lab-guard.ts';
import { waitFor } from '../../helpers/wait.ts';
import { closedPort, startHttp, type Started } from '../../integration/probes/http/lab.ts';
import { PULL_INTERVAL_MIN_MS } from '../../../shared/src/pulled-config.ts';
import { LAST_GOOD_FILE } from '../../../agent/src/config-pull/last-good.ts';
import { apiClient, healthy, started, startAgent, startCollector, transcripts, writeAgentConfig, type ApiClient, type Proc } from './lab.ts';

const skip = skipUnlessLab({ files: ['/usr/bin/ping'] });

/** The agents pull at the shortest interval the contract allows; every wait for an apply allows two of them. */
const PULL_MS = PULL_INTERVAL_MIN_MS;
const APPLY_WITHIN_MS = 2 * PULL_MS + 10_000;

interface Practice {
  ods: string;
  name: string;
  agent: string;
  lan: string;
  secrets: { community: string; authKey: string; privKey: string };
}
const NORTH: Practice = {
  ods: 'E2E131',
  name: 'North Street Surgery',
  agent: 'north-srv',
  lan: '127.0.0.2',
  secrets: { community: 'north-community-5b1e0c', authKey: 'north-auth-key-88c1d2', privKey: 'north-priv-key-3f9a77' },
};
const SOUTH: Practice = {
  ods: 'E2E132',
  name: 'South Road Practice',
  agent: 'south-srv',
  lan: '127.0.0.3',
  secrets: { community: 'south-community-a41d9e', authKey: 'south-auth-key-c07b15', privKey: 'south-priv-key-6e2d40' },
};
const SECRETS = [NORTH, SOUTH].flatMap((p) => Object.values(p.secrets));

const TEMPLATE = [
  "description: every practice's LAN gateway, its intranet and its router",
  'checks:',
  '  - { kind: icmp, id: lan-gateway, target: "{{ lanGateway }}", role: lan-gateway, intervalMs: 2000, count: 2, pingIntervalMs: 200 }',
  '  - { kind: http, id: intranet, target: "{{ intranetUrl }}", role: national-app, app: intranet, intervalMs: 1000 }',
  '  - { kind: snmp, id: router-v2c, target: "127.0.0.1:{{ snmpPort }}", role: lan-gateway, version: "2c", community: "{{ community }}", intervalMs: 2000 }',
  '  - kind: snmp',
  '    id: router-v3',
  '    target: "127.0.0.1:{{ snmpPort }}"',
  '    role: n3-gateway',
  '    version: "3"',
  '    user: "{{ snmpUser }}"',
  '    authProtocol: sha',
  '    authKey: "{{ authKey }}"',
  '    privProtocol: "{{ privProtocol }}"',
  '    privKey: "{{ privKey }}"',
  '    intervalMs: 2000',
  '',
].join('\n');

const dir = mkdtempSync(join(tmpdir(), 'n3mon-config-pull-'));
let url: string;
let configFile: string;
let collector: Proc;
let api: ApiClient;
let web: Started;
const hits: Record<string, number> = {};
const agents: Record<string, Proc> = {};
const agentFiles: Record<string, ReturnType<typeof writeAgentConfig>> = {};
/** Every API answer the test read, for the secret scan. */
const answers: string[] = [];
/** The collector runs as the agents do, without OpenSSL's legacy provider: it must still publish a `des` check (the agents' Node decides). */
const COLLECTOR_ENV = {};

function values(p: Practice, snmpPort: number, privProtocol: string) {
  return {
    values: {
      lanGateway: p.lan,
      intranetUrl: web.url(`/${p.agent}`),
      snmpPort,
      community: { secret: p.secrets.community },
      snmpUser: 'n3mon',
      authKey: { secret: p.secrets.authKey },
      privProtocol,
      privKey: { secret: p.secrets.privKey },
    },
  };
}

async function call<T>(r: Promise<{ status: number; body: T; text: string }>): Promise<{ status: number; body: T }> {
  const res = await r;
  answers.push(res.text);
  return res;
}

interface AgentItem {
  name: string;
  config: { running: number; lastApply: { version: number; ok: boolean; problem: string | null; at: string } } | null;
}
/** The agents list's word on an agent's config: the version it runs and its last apply attempt, flattened. */
async function applyState(p: Practice): Promise<{ running: number; version: number; ok: boolean; problem: string | null } | undefined> {
  const res = await call(api.get<{ agents: AgentItem[] }>(`/api/v1/practices/${p.ods}/agents`));
  const c = res.body.agents.find((a) => a.name === p.agent)?.config;
  return c === null || c === undefined ? undefined : { running: c.running, ...c.lastApply };
}

/** The newest sample time of a check of the practice's agent (GET /api/v1/practices/:ods), or 0. */
async function lastSample(p: Practice, check: string): Promise<number> {
  const res = await call(api.get<{ checks: { agent: string; check: string; lastTs: number | null }[] }>(`/api/v1/practices/${p.ods}`));
  return res.body.checks.find((c) => c.agent === p.agent && c.check === check)?.lastTs ?? 0;
}

const until = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = APPLY_WITHIN_MS) => waitFor(what, probe, { timeoutMs, intervalMs: 250 });

beforeAll(async () => {
  if (skip) return;
  web = await startHttp((req: IncomingMessage, res: ServerResponse) => {
    hits[req.url ?? ''] = (hits[req.url ?? ''] ?? 0) + 1;
    res.end('ok');
  });
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  const keyFile = join(dir, 'config-secrets.key');
  writeFileSync(keyFile, randomBytes(32).toString('hex'), { mode: 0o600 });
  configFile = join(dir, 'collector.yaml');
  writeFileSync(
    configFile,
    [
      `listen: { host: 127.0.0.1, port: ${port} }`,
      `dataDir: ${join(dir, 'collector')}`,
      'practices:',
      ...[NORTH, SOUTH].map((p) => `  - { ods: ${p.ods}, name: "${p.name}" }`),
      `configTemplates: { secretKeyFile: ${keyFile} }`,
      '',
    ].join('\n'),
  );
  collector = await startCollector(configFile, url, COLLECTOR_ENV);
  const key = (await runCli(['apikey', 'create', '--role', 'servicedesk', '--config', configFile])).stdout.trim();
  api = apiClient(url, key);
  for (const p of [NORTH, SOUTH]) {
    const t = await runCli(['token', 'create', '--practice', p.ods, '--agent', p.agent, '--config', configFile]);
    expect(t.code, t.stderr).toBe(0);
    const home = join(dir, p.agent);
    mkdirSync(home);
    agentFiles[p.agent] = writeAgentConfig(home, { url, token: t.stdout.trim(), pullIntervalMs: PULL_MS });
  }
}, 60_000);

afterAll(async () => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await web?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(skip)('pulled config: a collector and two real agents', () => {
  let snmpPort = 0;
  let published = 0;

  it('publishes one template with values per practice; both agents apply it within a pull interval and their samples arrive', async () => {
    snmpPort = await closedPort(); // nothing answers: SNMP timeouts are data, the secrets still go out in every request
    for (const p of [NORTH, SOUTH]) expect((await call(api.put(`/api/v1/practices/${p.ods}/config/values`, values(p, snmpPort, 'aes')))).status).toBe(200);
    // The agents start with nothing assigned yet (404: they run nothing and keep asking).
    for (const p of [NORTH, SOUTH]) agents[p.agent] = startAgent(p.agent, agentFiles[p.agent] as ReturnType<typeof writeAgentConfig>);
    const put = await call(api.put<{ version: number }>('/api/v1/config/templates/practice-base', { source: TEMPLATE, practices: 'all' }));
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    published = put.body.version;
    const at = Date.now();
    for (const p of [NORTH, SOUTH]) {
      await until(`${p.agent} to apply version ${published}`, async () => {
        const s = await applyState(p);
        return s?.ok === true && s.running === published ? s : undefined;
      });
      for (const check of ['lan-gateway', 'intranet', 'router-v2c', 'router-v3'])
        await until(`${p.agent}'s ${check} samples`, async () => ((await lastSample(p, check)) >= at ? true : undefined));
      expect(hits[`/${p.agent}`]).toBeGreaterThan(0);
    }
    // The ICMP samples carry each practice's own value.
    const series = await call(
      api.get<{ series: { labels: Record<string, string> }[] }>(`/api/v1/practices/${SOUTH.ods}/series?metric=icmp_loss_ratio&check=lan-gateway`),
    );
    expect(series.body.series.map((s) => s.labels.target)).toEqual([SOUTH.lan]);
  });

  it('refuses a bad change on the collector (400: practice and template line); the agents keep running the published version', async () => {
    const bad = TEMPLATE.replace('count: 2,', 'count: 0,');
    const res = await call(api.put<{ problems: string[] }>('/api/v1/config/templates/practice-base', { source: bad, practices: 'all' }));
    expect(res.status).toBe(400);
    for (const p of [NORTH, SOUTH])
      expect(res.body.problems).toContainEqual(expect.stringMatching(new RegExp(`^practice ${p.ods}, template practice-base line 3: checks\\[0\\]\\.count: `)));
    const v = await call(api.get<{ current: number }>('/api/v1/config/versions'));
    expect(v.body.current).toBe(published);
    const before = await lastSample(NORTH, 'lan-gateway');
    await until('more samples after the refusal', async () => ((await lastSample(NORTH, 'lan-gateway')) > before ? true : undefined));
    for (const p of [NORTH, SOUTH]) expect(await applyState(p)).toMatchObject({ ok: true, running: published });
  });

  it("rolls back a change one agent's Node cannot do, and reports it; the other agent applies it", async () => {
    // South's router gets DES privacy; then every practice gets a TCP check of the intranet server.
    expect((await call(api.put(`/api/v1/practices/${SOUTH.ods}/config/values`, values(SOUTH, snmpPort, 'des')))).status).toBe(200);
    const withTcp = `${TEMPLATE}  - { kind: tcp, id: intranet-tcp, target: "127.0.0.1:${web.port}", role: national-app, app: intranet, intervalMs: 1000 }\n`;
    const put = await call(api.put<{ version: number }>('/api/v1/config/templates/practice-base', { source: withTcp, practices: 'all' }));
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const next = put.body.version;
    const failed = await until(`${SOUTH.agent} to report version ${next} refused`, async () => {
      const s = await applyState(SOUTH);
      return s?.ok === false && s.version === next ? s : undefined;
    });
    expect(failed).toMatchObject({ ok: false, running: published });
    expect(failed?.problem).toMatch(/router-v3|checks\[3\]/);
    expect(failed?.problem).toMatch(/privProtocol.*des/);
    await until(`${NORTH.agent} to apply version ${next}`, async () => {
      const s = await applyState(NORTH);
      return s?.ok === true && s.running === next ? s : undefined;
    });
    const at = Date.now();
    await until('North samples of the new TCP check', async () => ((await lastSample(NORTH, 'intranet-tcp')) >= at ? true : undefined));
    // South still runs the published version: its checks deliver, the new one never started.
    await until('South samples after its rollback', async () => ((await lastSample(SOUTH, 'intranet')) >= at ? true : undefined));
    expect(await lastSample(SOUTH, 'intranet-tcp')).toBe(0);
    published = next;
  });

  it('an agent restarted with the collector down runs its last good config; its samples arrive once the collector is back', async () => {
    const home = agentFiles[NORTH.agent] as ReturnType<typeof writeAgentConfig>;
    await collector.stop();
    const down = Date.now();
    expect(await healthy(url)).toBe(false);
    await agents[NORTH.agent]?.stop();
    const again = startAgent(`${NORTH.agent} (restarted)`, home);
    agents[NORTH.agent] = again;
    // It says it runs the last good config (the collector cannot be asked) and measures: the spool grows.
    const fromDisk = await until(
      'the restarted agent to run its last good config',
      async () => again.logs.find((l) => l.msg === 'running the last good pulled config from disk until the collector answers'),
      30_000,
    );
    expect(fromDisk.version).toBe(published);
    // Only what the restarted agent measured counts (the old one's spool holds samples from after `down` too).
    const from = Math.max(down, Number(fromDisk.time));
    collector = await startCollector(configFile, url, COLLECTOR_ENV);
    const up = Date.now();
    const spooled = await until(
      'the samples measured while the collector was down',
      async () => {
        const res = await call(
          api.get<{ series: { points: { ts: number; count: number }[] }[] }>(
            `/api/v1/practices/${NORTH.ods}/series?metric=probe_success&check=intranet-tcp&from=${from}&to=${up}&step=1000`,
          ),
        );
        const n = res.body.series.flatMap((s) => s.points).reduce((sum, pt) => sum + pt.count, 0);
        return n > 0 ? n : undefined;
      },
      30_000,
    );
    expect(spooled).toBeGreaterThan(0);
  });

  it('never shows a secret: not in any API answer, not in the collector or agent logs', async () => {
    const preview = await call(api.get(`/api/v1/practices/${NORTH.ods}/config/preview`));
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ checks: expect.arrayContaining([expect.objectContaining({ id: 'router-v2c', community: '<secret>' })]) });
    const vals = await call(api.get<{ values: Record<string, unknown> }>(`/api/v1/practices/${SOUTH.ods}/config/values`));
    expect(vals.body.values.community).toEqual({ secret: true, set: true });
    expect(answers.length).toBeGreaterThan(10);
    for (const s of SECRETS) {
      for (const a of answers) expect(a.includes(s), `an API answer holds ${s}: ${a.slice(0, 300)}`).toBe(false);
      for (const t of transcripts) expect(t.text().includes(s), `${t.name}'s output holds ${s}`).toBe(false);
    }
    expect(transcripts.map((t) => t.text().length).every((n) => n > 0)).toBe(true);
    // The agent keeps its last good config in a private file — secrets included: they did reach the
    // agents (so their absence above means something), and the agent needs them to start without the collector.
    for (const p of [NORTH, SOUTH]) {
      const file = join(agentFiles[p.agent]?.dir as string, 'spool', LAST_GOOD_FILE);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, 'utf8')).toContain(p.secrets.community);
    }
  });
});
