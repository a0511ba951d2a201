// Enrolment, rotation and revocation with real processes: the built CLI's collector, `n3mon
// enrolment` on the collector host, `n3mon enrol` on the "practice server" (a temp dir) and the
// agent. The collector's credential lifetime is made short in its config (8 s, overlap 4 s) so
// rotation happens during the test; nothing waits a fixed time — every wait is for a condition.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, exited, runCli, spawnLogged as spawnLoggedCli, type LogLine } from '../../helpers/cli.ts';
import { freePort } from '../../helpers/influxd.ts';
import { waitFor as until } from '../../helpers/wait.ts';
import { skipUnlessLab } from '../../helpers/lab-guard.ts';

/** The CA of the --ca-file test is made with openssl (fails in CI without it, skips locally). */
const noOpenssl = skipUnlessLab({ files: ['/usr/bin/openssl'] });
const dir = mkdtempSync(join(tmpdir(), 'n3mon-enrol-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

function spawnLogged(args: string[]): { child: ChildProcess; logs: LogLine[] } {
  const spawned = spawnLoggedCli(args);
  children.push(spawned.child);
  return spawned;
}

/** Until `cond` holds, polled every 100 ms, bounded by `timeoutMs` (test/helpers/wait.ts). */
const waitFor = (cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<true> =>
  until(what, async () => ((await cond()) ? true : undefined), { timeoutMs, intervalMs: 100 });

async function startCollector(name: string, enrolment: string): Promise<{ url: string; file: string; child: ChildProcess }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `listen: { host: 127.0.0.1, port: ${port} }\ndataDir: ${join(dir, name)}\npractices:\n  - { ods: E2E012, name: "Enrolment Test Surgery" }\nenrolment: ${enrolment}\n`,
  );
  const child = spawn(process.execPath, [CLI, 'collector', '--config', file, '--log-level', 'warn'], { stdio: 'ignore' });
  children.push(child);
  await waitFor(
    () =>
      fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      ),
    'collector healthy',
  );
  return { url, file, child };
}

const REFUSED =
  'collector refuses the agent token (revoked or expired): the agent keeps measuring and spooling but sends nothing until it has a valid token; enrol it again (n3mon enrol --collector URL --code CODE) or put a new token in the config';

describe('enrolment, rotation, revocation (built CLI, real processes)', () => {
  it('a code buys one credential (0600, referenced from agent.yaml); the agent delivers, renews before expiry, survives revocation and delivers its backlog once enrolled again', async () => {
    const c = await startCollector('collector', '{ credentialTtlMs: 8000, rotationOverlapMs: 4000, rateLimit: { max: 50, windowMs: 60000 } }');
    const key = (await runCli(['apikey', 'create', '--role', 'servicedesk', '--config', c.file])).stdout.trim();
    const headers = { authorization: `Bearer ${key}` };
    const newCode = async (...extra: string[]): Promise<string> => {
      const r = await runCli(['enrolment', 'create', '--practice', 'E2E012', ...extra, '--config', c.file]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim()).toMatch(/^n3e_[A-Za-z0-9_-]{24}$/);
      return r.stdout.trim();
    };

    // The practice server: the example config's shape, a placeholder token that enrol replaces.
    const server = join(dir, 'server');
    mkdirSync(server);
    const agentFile = join(server, 'agent.yaml');
    writeFileSync(
      agentFile,
      [
        '# practice server config (comments survive enrol)',
        'collector:',
        '  url: "https://placeholder.invalid"',
        '  token: "n3a_000000000000_replace-with-the-token-printed-by-token-create"',
        `spool: { dir: "${join(server, 'spool')}" }`,
        'push: { intervalMs: 300, batchSamples: 50, maxBackoffMs: 1000 }',
        'checks:',
        `  - { kind: http, target: "${c.url}/healthz", role: national-app, app: n3mon, intervalMs: 1000 }`,
      ].join('\n') + '\n',
    );
    const enrol = (code: string) => runCli(['enrol', '--collector', c.url, '--code', code, '--name', 'srv1', '--config', agentFile]);

    // Enrol: the token lands in agent.token (0600), agent.yaml points at it, comments kept.
    const code1 = await newCode();
    const first = await enrol(code1);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/enrolled as agent srv1 of practice E2E012/);
    const tokenFile = join(server, 'agent.token');
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    const config = readFileSync(agentFile, 'utf8');
    expect(config).toContain(`tokenFile: ${tokenFile}`);
    expect(config).not.toContain('token: "n3a_');
    expect(config).toContain('# practice server config');
    expect(config).not.toContain('config: pull'); // an existing config keeps its mode without --pull
    const checked = await runCli(['check-config', agentFile]);
    expect(checked.code, checked.stdout + checked.stderr).toBe(0);
    const token1 = readFileSync(tokenFile, 'utf8').trim();
    expect(token1).toMatch(/^n3a_/);

    // Single use: the same code again is refused, clearly.
    const again = await enrol(code1);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/HTTP 401.*used up/);
    expect(readFileSync(tokenFile, 'utf8').trim()).toBe(token1);

    // The agent delivers, and reports its version.
    const agent = spawnLogged(['agent', '--config', agentFile, '--log-level', 'debug']);
    const acked = () => agent.logs.filter((l) => l.msg === 'batch acknowledged').length;
    await waitFor(() => acked() >= 2, 'batches delivered with the enrolled token');
    const list = (await (await fetch(`${c.url}/api/v1/practices/E2E012/agents`, { headers })).json()) as {
      agents: {
        name: string;
        version: string | null;
        platform: string | null;
        lastSeen: string | null;
        address: string | null;
        credential: { ageMs: number; expiresAt: string | null } | null;
      }[];
    };
    const srv1 = list.agents.find((a) => a.name === 'srv1');
    expect(srv1).toMatchObject({ version: VERSION, address: '127.0.0.1' });
    expect(srv1?.platform).toBe(`${process.platform}-${process.arch}`);
    expect(srv1?.lastSeen).not.toBeNull();
    expect(srv1?.credential?.expiresAt).not.toBeNull();
    const cliList = await runCli(['agents', 'list', '--practice', 'E2E012', '--config', c.file]);
    expect(cliList.stdout).toMatch(new RegExp(`E2E012\\s+srv1\\s+${VERSION.replace(/\./g, '\\.')}\\s`));

    // Rotation: after two thirds of 8 s the agent asks for a new token and writes it (still 0600).
    await waitFor(() => agent.logs.some((l) => l.msg === 'agent credential renewed'), 'the agent to renew its credential');
    const token2 = readFileSync(tokenFile, 'utf8').trim();
    expect(token2).not.toBe(token1);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    const ackedAtRotation = acked();
    await waitFor(() => acked() >= ackedAtRotation + 2, 'batches delivered with the renewed token');
    // The old token stops working once the overlap is over.
    const ingestWith = (token: string) =>
      fetch(`${c.url}/api/v1/ingest`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: gzipSync(JSON.stringify({ batchId: `probe-${Date.now()}`, samples: [] })),
      }).then((r) => r.status);
    await waitFor(async () => (await ingestWith(token1)) === 401, 'the first token to expire after the overlap');

    // Revocation: the next request gets 401; the agent says so once and keeps spooling.
    const revoke = await runCli(['agents', 'revoke', 'E2E012/srv1', '--config', c.file]);
    expect(revoke.code, revoke.stderr).toBe(0);
    await waitFor(() => agent.logs.filter((l) => l.msg === REFUSED).length >= 4, 'four refused pushes');
    expect(agent.logs.filter((l) => l.msg === REFUSED && l.level === 50)).toHaveLength(1);
    const runs = () => agent.logs.filter((l) => l.component === 'scheduler' && (l.msg === 'check run' || l.msg === 'check outcome changed')).length;
    const runsAtRevoke = runs();
    await waitFor(() => runs() >= runsAtRevoke + 4, 'check runs spooled while revoked');
    const revoked = (await (await fetch(`${c.url}/api/v1/practices/E2E012/agents`, { headers })).json()) as typeof list;
    expect(revoked.agents.find((a) => a.name === 'srv1')?.credential).toBeNull();

    // Codes that expired or were revoked are refused, with what happened.
    const short = await newCode('--expires', '1s');
    await waitFor(
      async () =>
        (JSON.parse((await runCli(['enrolment', 'list', '--json', '--config', c.file])).stdout) as { state: string }[]).some((r) => r.state === 'expired'),
      'the 1 s code to expire',
    );
    const expired = await enrol(short);
    expect(expired.code).toBe(1);
    expect(expired.stderr).toMatch(/expired/);
    const withdrawn = await newCode('--uses', '3');
    const id = (JSON.parse((await runCli(['enrolment', 'list', '--json', '--config', c.file])).stdout) as { id: string; maxUses: number }[]).find(
      (r) => r.maxUses === 3,
    )!.id;
    expect((await runCli(['enrolment', 'revoke', id, '--config', c.file])).code).toBe(0);
    const revokedCode = await enrol(withdrawn);
    expect(revokedCode.code).toBe(1);
    expect(revokedCode.stderr).toMatch(/revoked/);

    // Enrolled again: the running agent reads the new token at its next refusal and sends the backlog.
    // --pull switches the existing config to pulled checks (read at the agent's next start).
    const fresh = await runCli(['enrol', '--collector', c.url, '--code', await newCode(), '--name', 'srv1', '--config', agentFile, '--pull']);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stdout).toContain('collector.config: pull');
    expect(readFileSync(agentFile, 'utf8')).toMatch(/^ {2}config: pull$/m);
    expect((await runCli(['check-config', agentFile])).code).toBe(0);
    await waitFor(() => agent.logs.some((l) => l.msg === 'collector accepts the agent token again; sending the backlog'), 'the agent to deliver again');
    // The backlog is drained once a batch goes in the normal lane again (agent/src/push/lanes.ts).
    const back = agent.logs.findIndex((l) => l.msg === 'collector accepts the agent token again; sending the backlog');
    await waitFor(
      () => agent.logs.slice(back + 1).some((l) => l.msg === 'batch acknowledged' && l.lane === 'normal'),
      'the backlog to drain (a normal-lane batch acknowledged)',
    );
    agent.child.kill('SIGTERM');
    expect(await exited(agent.child)).toBe(0);

    // Nothing lost across rotation, revocation and re-enrolment: all the agent spooled is stored or still spooled.
    const spool = new Database(join(server, 'spool', 'spool.sqlite'), { readonly: true });
    const spooled = spool.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'samples'").pluck().get() as number;
    const left = spool.prepare('SELECT count(*) FROM samples').pluck().get() as number;
    spool.close();
    // Samples measured after the stop's last push stay spooled for the next start (a loaded machine
    // leaves a few: seen 12): nothing lost means stored + still spooled = all spooled, none twice.
    expect(left).toBeLessThan(spooled / 2);
    const detail = (await (await fetch(`${c.url}/api/v1/practices/E2E012`, { headers })).json()) as { metrics: { metric: string }[] };
    let stored = 0;
    for (const metric of new Set(detail.metrics.map((m) => m.metric))) {
      const body = (await (
        await fetch(`${c.url}/api/v1/practices/E2E012/series?metric=${metric}&from=${Date.now() - 3_600_000}&to=${Date.now() + 60_000}&step=1h`, { headers })
      ).json()) as {
        series: { points: { count: number }[] }[];
      };
      stored += body.series.flatMap((s) => s.points).reduce((n, p) => n + p.count, 0);
    }
    expect(stored + left).toBe(spooled);
    c.child.kill('SIGTERM');
    expect(await exited(c.child)).toBe(0);
  }, 120_000);

  it.skipIf(noOpenssl)(
    "--ca-file records the collector's CA beside the credential and in the config",
    async () => {
      const c = await startCollector('with-ca', '{}');
      const code = (await runCli(['enrolment', 'create', '--practice', 'E2E012', '--config', c.file])).stdout.trim();
      const ca = join(dir, 'ca.pem');
      const made = spawnSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-keyout',
          join(dir, 'ca.key'),
          '-out',
          ca,
          '-days',
          '1',
          '-subj',
          '/CN=n3mon test CA',
        ],
        { stdio: 'ignore' },
      );
      expect(made.status).toBe(0);
      const server = join(dir, 'ca-server');
      const r = await runCli(['enrol', '--collector', c.url, '--code', code, '--name', 'srv-ca', '--config', join(server, 'agent.yaml'), '--ca-file', ca]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`wrote ${join(server, 'collector-ca.pem')} (the collector's CA)`);
      expect(readFileSync(join(server, 'collector-ca.pem'), 'utf8')).toBe(readFileSync(ca, 'utf8'));
      const config = readFileSync(join(server, 'agent.yaml'), 'utf8');
      expect(config).toContain(`caFile: ${join(server, 'collector-ca.pem')}`);
      expect(config).toContain(`tokenFile: ${join(server, 'agent.token')}`);
      expect(config).toMatch(/^ {2}config: pull$/m); // a config enrol creates takes its checks from the collector
      c.child.kill('SIGTERM');
      expect(await exited(c.child)).toBe(0);
    },
    60_000,
  );

  it('enrolment attempts over the per-address rate limit get 429 with Retry-After; refusals are audited', async () => {
    const c = await startCollector('limited', '{ rateLimit: { max: 2, windowMs: 600000 } }');
    const bogus = 'n3e_AAAAAAAAAAAAAAAAAAAAAAAA';
    const args = ['enrol', '--collector', c.url, '--code', bogus, '--name', 'x1', '--config', join(dir, 'limited-agent.yaml')];
    for (let i = 0; i < 2; i++) {
      const r = await runCli(args);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/HTTP 401.*unknown enrolment code/);
    }
    const limited = await runCli(args);
    expect(limited.code).toBe(1);
    expect(limited.stderr).toMatch(/HTTP 429.*retry after \d+ s/);

    // Each refusal is in the audit log (the 429 is not: nothing was tried), read as an admin would.
    const password = (await runCli(['user', 'create', '--username', 'auditor', '--role', 'admin', '--config', c.file])).stdout.trim();
    const session = await fetch(`${c.url}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'auditor', password }),
    });
    expect(session.status).toBe(200);
    const cookie = (session.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const audit = (await (await fetch(`${c.url}/api/v1/audit?action=enrolment.refuse`, { headers: { cookie } })).json()) as {
      items: { actor: string; from: string; detail: { reason: string } }[];
    };
    expect(audit.items.map((e) => [e.actor, e.from, e.detail.reason])).toEqual([
      ['anonymous', '127.0.0.1', 'unknown'],
      ['anonymous', '127.0.0.1', 'unknown'],
    ]);
    c.child.kill('SIGTERM');
    expect(await exited(c.child)).toBe(0);
  }, 60_000);
});
