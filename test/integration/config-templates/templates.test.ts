/**
 * Templated agent config on a real collector (docs/configuration.md): a change is validated with
 * the agent's own rules for every practice it concerns and refused whole, naming the practice and
 * the template line; secrets are encrypted at rest, never in an API answer or a log line, and sent
 * only to the practice's own agents; the ETag changes only when an agent's checks change; every
 * change is a version with who and when, and rollback publishes an old one again; agents' apply
 * results show in the practice's agents list.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_CONFIG_PATH, AGENT_CONFIG_RESULT_PATH, type PulledConfig } from '../../../shared/src/pulled-config.ts';
import { A, B, C, startLab, type Lab } from './fixture.ts';

const COMMUNITY = 'c0mmunity-Zq81-never-shown';
const AUTH_KEY = 'authpass-Hv42-never-shown';

let lab: Lab;
beforeAll(async () => {
  lab = await startLab();
}, 60_000);
afterAll(async () => lab?.close());

const desk = (method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, payload?: unknown) =>
  lab.call({ method, url, headers: lab.desk, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
const pull = async (practice: string, agent: string, etag?: string) =>
  lab.call({
    method: 'GET',
    url: AGENT_CONFIG_PATH,
    headers: { ...(await lab.agent(practice, agent)), ...(etag === undefined ? {} : { 'if-none-match': `"${etag}"` }) },
  });

/** Every answer the service desk's read API gives, as text (to look for a secret in). */
const answers: string[] = [];
async function deskRead(url: string) {
  const r = await desk('GET', url);
  answers.push(r.body);
  return r;
}

const LAN = `description: LAN gateway and HSCN router
checks:
  - { kind: icmp, id: lan-gw, target: "{{ lanGateway }}", role: lan-gateway, intervalMs: 30000, count: 5 }
  - kind: snmp
    id: hscn-router
    target: "{{ hscnRouter }}"
    role: n3-gateway
    version: "2c"
    community: "{{ snmpCommunity }}"
`;

describe('templated config', () => {
  it("is the service desk's: a practice key gets 403 on every read and write, no credential 401", async () => {
    const routes: [string, string, unknown?][] = [
      ['GET', '/api/v1/config/templates'],
      ['GET', '/api/v1/config/templates/lan'],
      ['PUT', '/api/v1/config/templates/lan', { source: LAN, practices: [A] }],
      ['DELETE', '/api/v1/config/templates/lan'],
      ['GET', `/api/v1/practices/${A}/config/values`],
      ['PUT', `/api/v1/practices/${A}/config/values`, { values: { lanGateway: '127.0.0.1' } }],
      ['GET', `/api/v1/practices/${A}/config/preview`],
      ['GET', '/api/v1/config/versions'],
      ['POST', '/api/v1/config/rollback', { version: 1 }],
      ['GET', '/api/v1/catalogue'],
    ];
    for (const [method, url, payload] of routes) {
      const base = { method: method as 'GET', url, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) };
      expect((await lab.call({ ...base, headers: lab.practiceKey })).statusCode, `${method} ${url} practice key`).toBe(403);
      expect((await lab.call(base)).statusCode, `${method} ${url} no credential`).toBe(401);
      expect((await lab.call({ ...base, headers: await lab.agent(A, 'srv1') })).statusCode, `${method} ${url} agent token`).toBe(401);
    }
    expect((await desk('GET', '/api/v1/config/versions')).json()).toMatchObject({ current: 0, total: 0 });
  });

  it('refuses a template whose variables a practice has no value for, naming the practice, the template line and the variable; nothing is published', async () => {
    const r = await desk('PUT', '/api/v1/config/templates/lan', { source: LAN, practices: [A, B] });
    expect(r.statusCode, r.body).toBe(400);
    const problems = (r.json() as { problems: string[] }).problems;
    expect(problems).toContain(`practice ${A}, template lan line 3: checks[0].target: variable {{ lanGateway }} has no value for this practice`);
    expect(problems).toContain(`practice ${B}, template lan line 9: checks[1].community: variable {{ snmpCommunity }} has no value for this practice`);
    expect((await desk('GET', '/api/v1/config/versions')).json()).toMatchObject({ current: 0, total: 0 });
  });

  it("publishes once every assigned practice renders and passes the agent's own validation; a check the agent would refuse names its line", async () => {
    for (const [ods, gw] of [
      [A, '127.0.0.1'],
      [B, '127.0.0.2'],
    ] as const) {
      const v = await desk('PUT', `/api/v1/practices/${ods}/config/values`, {
        values: { lanGateway: gw, hscnRouter: '127.0.0.1:16100', snmpCommunity: { secret: COMMUNITY } },
      });
      expect(v.statusCode, v.body).toBe(200);
    }
    const ok = await desk('PUT', '/api/v1/config/templates/lan', { source: LAN, practices: [A, B] });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toEqual({ version: 3 });

    // count 60 at 500 ms apart cannot fit a 30 s interval: the icmp probe's own rule, on line 3.
    const bad = await desk('PUT', '/api/v1/config/templates/lan', { source: LAN.replace('count: 5', 'count: 60'), practices: [A, B] });
    expect(bad.statusCode).toBe(400);
    const problems = (bad.json() as { problems: string[] }).problems;
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(new RegExp(`^practice ${A}, template lan line 3: checks\\[0\\]\\.count: a burst can take`));
    expect(problems[1]).toMatch(new RegExp(`^practice ${B}, template lan line 3: checks\\[0\\]\\.count: `));
    // A schema problem of a nested key: the line of that key.
    const badKind = await desk('PUT', '/api/v1/config/templates/lan', { source: LAN.replace('version: "2c"', 'version: "9"'), practices: [A] });
    expect((badKind.json() as { problems: string[] }).problems[0]).toMatch(new RegExp(`^practice ${A}, template lan line 8: checks\\[1\\]`));
    expect((await desk('GET', '/api/v1/config/versions')).json()).toMatchObject({ current: 3 });
  });

  it("keeps secrets encrypted at rest, out of every API answer and log line, and sends them only to the practice's own agents", async () => {
    const v3 = await desk('PUT', `/api/v1/practices/${C}/config/values`, {
      values: { lanGateway: '127.0.0.3' },
      extraChecks: `- { kind: snmp, id: core-switch, target: "127.0.0.1:16100", role: lan-gateway, version: "3", user: n3mon, authProtocol: sha, authKey: "{{ authKey }}" }\n`,
    });
    expect(v3.statusCode).toBe(400);
    expect((v3.json() as { problems: string[] }).problems).toEqual([
      `practice ${C}, extra checks line 1: checks[0].authKey: variable {{ authKey }} has no value for this practice`,
    ]);
    const ok = await desk('PUT', `/api/v1/practices/${C}/config/values`, {
      values: { lanGateway: '127.0.0.3', authKey: { secret: AUTH_KEY } },
      extraChecks: `- { kind: snmp, id: core-switch, target: "127.0.0.1:16100", role: lan-gateway, version: "3", user: n3mon, authProtocol: sha, authKey: "{{ authKey }}" }\n`,
    });
    expect(ok.statusCode, ok.body).toBe(200);

    const values = await deskRead(`/api/v1/practices/${A}/config/values`);
    expect(values.json()).toMatchObject({ values: { lanGateway: '127.0.0.1', snmpCommunity: { secret: true, set: true } }, templates: ['lan'] });
    const preview = await deskRead(`/api/v1/practices/${A}/config/preview`);
    expect((preview.json() as { checks: { community?: string }[] }).checks[1]?.community).toBe('<secret>');
    await deskRead(`/api/v1/practices/${C}/config/preview`);
    await deskRead('/api/v1/config/templates');
    await deskRead('/api/v1/config/templates/lan');
    await deskRead('/api/v1/config/versions');
    await deskRead(`/api/v1/practices/${C}/config/values`);
    const audit = await lab.c.meta.audit.list({ limit: 500, offset: 0 });
    answers.push(JSON.stringify(audit));

    // { secret: true } keeps the stored secret; the agent gets it decrypted.
    expect(
      (
        await desk('PUT', `/api/v1/practices/${A}/config/values`, {
          values: { lanGateway: '127.0.0.1', hscnRouter: '127.0.0.1:16100', snmpCommunity: { secret: true } },
        })
      ).statusCode,
    ).toBe(200);
    const own = await pull(A, 'srv1');
    expect(own.statusCode, own.body).toBe(200);
    const pulled = own.json() as PulledConfig;
    expect(pulled.checks.find((c) => c.id === 'hscn-router')?.community).toBe(COMMUNITY);
    expect((await pull(C, 'srv1')).json()).toMatchObject({
      sources: [`practice:${C}`],
      checks: [expect.objectContaining({ id: 'core-switch', authKey: AUTH_KEY })],
    });

    for (const text of answers) {
      expect(text).not.toContain(COMMUNITY);
      expect(text).not.toContain(AUTH_KEY);
    }
    const logs = lab.logs();
    expect(logs).toContain('config sent to agent');
    expect(logs).not.toContain(COMMUNITY);
    expect(logs).not.toContain(AUTH_KEY);
    expect(logs).not.toContain(readFileSync(lab.keyFile, 'utf8').trim());
    // meta.db and its WAL hold the sealed values only.
    const files = ['meta.db', 'meta.db-wal'].map((f) => join(lab.dir, f)).filter((f) => existsSync(f));
    expect(files.length).toBeGreaterThan(0);
    const bytes = Buffer.concat(files.map((f) => readFileSync(f)));
    expect(bytes.includes(Buffer.from('"sealed":"v1:'))).toBe(true);
    expect(bytes.includes(Buffer.from(COMMUNITY))).toBe(false);
    expect(bytes.includes(Buffer.from(AUTH_KEY))).toBe(false);
  });

  it('refuses a community or SNMPv3 key that is not a secret value: it would be stored in clear', async () => {
    const rule = 'must be a {{ variable }} whose value is secret (put it as { "secret": "…" }), so that it is stored encrypted';
    const literal = await desk('PUT', '/api/v1/config/templates/lan', { source: LAN.replace('"{{ snmpCommunity }}"', 'public'), practices: [A, B] });
    expect(literal.statusCode).toBe(400);
    expect((literal.json() as { problems: string[] }).problems).toEqual([
      `practice ${A}, template lan line 9: checks[1].community: ${rule}`,
      `practice ${B}, template lan line 9: checks[1].community: ${rule}`,
    ]);
    const plain = await desk('PUT', `/api/v1/practices/${A}/config/values`, {
      values: { lanGateway: '127.0.0.1', hscnRouter: '127.0.0.1:16100', snmpCommunity: 'public' },
    });
    expect(plain.statusCode).toBe(400);
    expect((plain.json() as { problems: string[] }).problems).toEqual([`practice ${A}, template lan line 9: checks[1].community: ${rule}`]);
    // A secret in the wrong place: the agent's problem would quote it; the answer says <secret>.
    const quoted = await desk('PUT', '/api/v1/config/templates/lan', {
      source: LAN.replace('version: "2c"', 'version: "{{ snmpCommunity }}"'),
      practices: [A],
    });
    expect(quoted.statusCode).toBe(400);
    expect(quoted.body).not.toContain(COMMUNITY);
    expect(quoted.body).toContain('<secret>');
  });

  it('answers 304 to an unchanged ETag, also after another practice changes; a change of its own checks gives a new ETag', async () => {
    const first = await pull(A, 'srv1');
    const etag = (first.json() as PulledConfig).etag;
    expect(first.headers.etag).toBe(`"${etag}"`);
    expect((await pull(A, 'srv2', etag)).statusCode).toBe(304);
    const before = (await desk('GET', '/api/v1/config/versions')).json() as { current: number };
    expect(
      (
        await desk('PUT', `/api/v1/practices/${B}/config/values`, {
          values: { lanGateway: '127.0.0.9', hscnRouter: '127.0.0.1:16100', snmpCommunity: { secret: true } },
        })
      ).statusCode,
    ).toBe(200);
    expect(((await desk('GET', '/api/v1/config/versions')).json() as { current: number }).current).toBe(before.current + 1);
    expect((await pull(A, 'srv1', etag)).statusCode).toBe(304);
    const bNow = (await pull(B, 'srv1')).json() as PulledConfig;
    expect(bNow.checks[0]?.target).toBe('127.0.0.9');

    const changed = await desk('PUT', '/api/v1/config/templates/lan', { source: LAN.replace('count: 5', 'count: 6'), practices: [A, B] });
    expect(changed.statusCode).toBe(200);
    const after = await pull(A, 'srv1', etag);
    expect(after.statusCode).toBe(200);
    expect((after.json() as PulledConfig).etag).not.toBe(etag);
    expect((after.json() as PulledConfig).checks[0]?.count).toBe(6);
    // A practice with nothing assigned: 404.
    expect((await lab.call({ method: 'GET', url: AGENT_CONFIG_PATH, headers: await lab.agent('D84004', 'srv1') })).statusCode).toBe(404);
  });

  it('records every change as a version with who and when (and in the audit log); rollback publishes an old snapshot as a new version', async () => {
    const list = (await desk('GET', '/api/v1/config/versions')).json() as {
      current: number;
      items: { version: number; actor: string; action: string; target: string }[];
    };
    expect(list.items[0]).toMatchObject({ version: list.current, actor: `key:${lab.deskKeyId}`, action: 'template.put', target: 'template:lan' });
    expect(list.items.map((i) => i.action)).toContain('config-values.put');
    const audit = await lab.c.meta.audit.list({ action: 'template.put', limit: 10, offset: 0 });
    expect(audit.items[0]).toMatchObject({ actor: `key:${lab.deskKeyId}`, target: 'template:lan', detail: expect.objectContaining({ version: list.current }) });

    const rolled = await desk('POST', '/api/v1/config/rollback', { version: 3 });
    expect(rolled.statusCode, rolled.body).toBe(200);
    expect(rolled.json()).toEqual({ version: list.current + 1 });
    const a = (await pull(A, 'srv1')).json() as PulledConfig;
    expect(a.version).toBe(list.current + 1);
    expect(a.checks[0]).toMatchObject({ target: '127.0.0.1', count: 5 });
    // Version 3 had no values for C: C's agents have nothing (again).
    expect((await pull(C, 'srv1')).statusCode).toBe(404);
    expect((await lab.c.meta.audit.list({ action: 'config.rollback', limit: 1, offset: 0 })).items[0]).toMatchObject({ target: 'version:3' });
    expect((await desk('POST', '/api/v1/config/rollback', { version: 999 })).statusCode).toBe(404);
  });

  it("shows each agent's running version and last apply result, and previews the diff against what they run", async () => {
    const pulled = (await pull(A, 'srv1')).json() as PulledConfig;
    const post = async (agent: string, body: Record<string, unknown>) =>
      lab.call({ method: 'POST', url: AGENT_CONFIG_RESULT_PATH, headers: await lab.agent(A, agent), payload: body });
    expect((await post('srv1', { version: pulled.version, etag: pulled.etag, ok: true, running: pulled.version, at: 1_765_000_000_000 })).statusCode).toBe(204);
    expect(
      (await post('srv2', { version: pulled.version, ok: false, running: 3, problem: 'checks[1].privProtocol: des is not available', at: 1_765_000_000_000 }))
        .statusCode,
    ).toBe(204);
    expect((await post('srv2', { version: 'x' })).statusCode).toBe(400);
    // A problem text that quotes one of the practice's secrets is stored with <secret> in its place.
    expect((await post('srv3', { version: pulled.version, ok: false, running: 0, problem: `checks[1]: rejected ${COMMUNITY}`, at: 1 })).statusCode).toBe(204);
    expect(JSON.stringify((await desk('GET', `/api/v1/practices/${A}/agents`)).json())).toContain('checks[1]: rejected <secret>');
    const agents = (await desk('GET', `/api/v1/practices/${A}/agents`)).json() as { agents: { name: string; config: unknown }[] };
    expect(agents.agents.find((a) => a.name === 'srv1')?.config).toEqual({
      running: pulled.version,
      lastApply: { version: pulled.version, ok: true, problem: null, at: new Date(1_765_000_000_000).toISOString() },
    });
    expect(agents.agents.find((a) => a.name === 'srv2')?.config).toMatchObject({
      running: 3,
      lastApply: { ok: false, problem: 'checks[1].privProtocol: des is not available' },
    });

    // Change the template: srv1 runs the current version, srv2 version 3 (the same checks).
    expect((await desk('PUT', '/api/v1/config/templates/lan', { source: LAN.replace('id: lan-gw', 'id: lan-gateway'), practices: [A, B] })).statusCode).toBe(
      200,
    );
    const preview = (await desk('GET', `/api/v1/practices/${A}/config/preview`)).json() as {
      running: { version: number; agents: string[]; diff: { added: string[]; removed: string[]; changed: string[] } }[];
      checks: { id: string }[];
    };
    expect(preview.checks.map((c) => c.id)).toEqual(['lan-gateway', 'hscn-router']);
    expect(preview.running).toEqual([
      { version: pulled.version, agents: ['srv1'], diff: { added: ['lan-gateway'], removed: ['lan-gw'], changed: [] } },
      { version: 3, agents: ['srv2'], diff: { added: ['lan-gateway'], removed: ['lan-gw'], changed: [] } },
      { version: 0, agents: ['srv3'], diff: { added: ['lan-gateway', 'hscn-router'], removed: [], changed: [] } },
    ]);
  });

  it('renders templates that include catalogue entries; an unknown entry is named at its include line', async () => {
    const cat = (await desk('GET', '/api/v1/catalogue')).json() as { entries: { name: string }[] };
    expect(cat.entries.map((e) => e.name)).toContain('spine-eps');
    const src = 'include:\n  - spine-eps\n  - spine-nope\n';
    const bad = await desk('PUT', '/api/v1/config/templates/national', { source: src, practices: [B] });
    expect((bad.json() as { problems: string[] }).problems).toContain(`practice ${B}, template national line 3: include[1]: no catalogue entry spine-nope`);
    const missing = await desk('PUT', '/api/v1/config/templates/national', { source: 'include: [spine-eps]\n', practices: [B] });
    expect((missing.json() as { problems: string[] }).problems[0]).toMatch(
      new RegExp(
        `^practice ${B}, catalogue spine-eps \\(included by template national\\) line \\d+: checks\\[0\\]\\.target: variable \\{\\{ epsUrl \\}\\} has no value`,
      ),
    );
    const values = { lanGateway: '127.0.0.9', hscnRouter: '127.0.0.1:16100', snmpCommunity: { secret: true }, epsUrl: 'http://127.0.0.1:9/eps' };
    expect((await desk('PUT', `/api/v1/practices/${B}/config/values`, { values })).statusCode).toBe(200);
    expect((await desk('PUT', '/api/v1/config/templates/national', { source: 'include: [spine-eps]\n', practices: [B] })).statusCode).toBe(200);
    const b = (await pull(B, 'srv1')).json() as PulledConfig;
    expect(b.sources).toEqual(['template:lan', 'template:national', 'catalogue:spine-eps']);
    expect(b.checks.at(-1)).toMatchObject({ kind: 'http', id: 'eps-http', target: 'http://127.0.0.1:9/eps', app: 'eps', role: 'national-app' });
  });

  it('refuses to start without the key once secrets are stored, and says which setting is missing', async () => {
    await expect(lab.restart({ withKey: false })).rejects.toThrow(/configTemplates\.secretKeyFile/);
    await lab.restart({ withKey: true });
    expect(((await pull(A, 'srv1')).json() as PulledConfig).checks[1]?.community).toBe(COMMUNITY);
  });
});
