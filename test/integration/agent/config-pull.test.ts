// An agent with collector.config: pull against a real HTTP server serving the contract
// (config-pull-server.ts): the real composition root, scheduler, registry probes (tcp to a loopback
// listener, snmp), spool and pusher. One agent through a sequence of versions: applied in place,
// 304 while unchanged, changed/added/removed/unchanged, a local id winning, a version that does
// not validate and one whose probe cannot be made rolled back and reported once, the collector
// answering 503 — and no secret in any log line.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Type from 'typebox';
import { startAgent, type RunningAgent } from '../../../agent/src/agent.ts';
import { parseAgentConfig } from '../../../agent/src/config/parse.ts';
import { LAST_GOOD_FILE } from '../../../agent/src/config-pull/last-good.ts';
import { baseCheckFields } from '../../../agent/src/probes/base-schema.ts';
import { PROBES } from '../../../agent/src/probes/registry.ts';
import { desAvailable } from '../../../agent/src/probes/snmp/ciphers.ts';
import { defineProbe, type ProbeKind } from '../../../agent/src/probes/types.ts';
import { N3monError } from '../../../shared/src/errors.ts';
import { createLogger } from '../../../shared/src/log.ts';
import { waitFor } from '../../helpers/wait.ts';
import { contractServer, pulled, TOKEN, type ContractServer } from './config-pull-server.ts';

/** A kind that validates but whose factory refuses (as a probe needing what this machine lacks would). */
const refusing = defineProbe({
  kind: 'refusing',
  schema: Type.Object(
    { kind: Type.Literal('refusing'), target: Type.String(), ...baseCheckFields({ defaultIntervalMs: 60_000, defaultRole: 'server' }) },
    { additionalProperties: false },
  ),
  concurrency: 1,
  defaultTimeoutMs: () => 1000,
  baseLabels: (c) => ({ target: c.target, role: c.role }),
  create: () => {
    throw new N3monError('N3MON_ERR_CONFIG_INVALID', 'cipher refused', { problems: ['privProtocol: this Node.js cannot do it'] });
  },
}) as unknown as ProbeKind;
const probes = [...PROBES, refusing];

const COMMUNITY = 'sekrit-community-7f3a';
const lines: string[] = [];
const log = createLogger({ level: 'debug', destination: { write: (s: string) => void lines.push(s) } });
const msgs = (msg: string): Record<string, unknown>[] => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === msg);

describe('an agent that pulls its checks', () => {
  let dir: string;
  let server: ContractServer;
  let tcp: Server;
  let tcpTarget: string;
  let agent: RunningAgent;
  const tcpCheck = (id: string, extra: Record<string, unknown> = {}) => ({
    kind: 'tcp',
    id,
    target: tcpTarget,
    role: 'national-app',
    intervalMs: 1000,
    ...extra,
  });
  const runsOf = (id: string): number => agent.stats().checks.find((c) => c.id === id)?.runs ?? -1;
  const resultFor = (version: number) =>
    waitFor(`the result of version ${version}`, async () => server.results.find((r) => r.version === version), { timeoutMs: 10_000, intervalMs: 50 });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'n3mon-config-pull-'));
    tcp = createServer((sock) => sock.destroy());
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', () => r()));
    tcpTarget = `127.0.0.1:${(tcp.address() as { port: number }).port}`;
    server = await contractServer();
    server.answer = { config: pulled(1, [tcpCheck('a'), tcpCheck('b'), tcpCheck('gone')]) };
    const config = parseAgentConfig(
      {
        collector: { url: server.url, token: TOKEN, config: 'pull', pullIntervalMs: 600_000 },
        spool: { dir: join(dir, 'spool') },
        push: { intervalMs: 500 },
        checks: [tcpCheck('local-1')],
      },
      'agent.yaml',
      probes,
    );
    agent = await startAgent(config, { log, probes, tuning: { maxStartSpreadMs: 1, graceMs: 200, selfMetricsIntervalMs: 60_000 } });
  });
  afterAll(async () => {
    await agent?.stop();
    await server?.close();
    await new Promise<void>((r) => (tcp ? tcp.close(() => r()) : r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies the first version at start, reports it, and keeps it on disk, private', async () => {
    expect(await resultFor(1)).toMatchObject({ version: 1, ok: true, running: 1, etag: (server.answer as { config: { etag: string } }).config.etag });
    expect(server.gets[0]?.ifNoneMatch).toBeUndefined();
    expect(agent.stats().checks.map((c) => c.id)).toEqual(['local-1', 'a', 'b', 'gone']);
    await waitFor('a pulled check to run', async () => (runsOf('a') >= 1 ? true : undefined), { timeoutMs: 10_000, intervalMs: 50 });
    const file = join(dir, 'spool', LAST_GOOD_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual((server.answer as { config: unknown }).config);
  });

  it('asks with the ETag and changes nothing on a 304', async () => {
    const before = { results: server.results.length, a: runsOf('a') };
    await agent.pullNow();
    expect(server.gets.at(-1)).toEqual({ ifNoneMatch: `"${(server.answer as { config: { etag: string } }).config.etag}"`, status: 304 });
    expect(server.results).toHaveLength(before.results);
    expect(runsOf('a')).toBeGreaterThanOrEqual(before.a); // the same slot, its count goes on
  });

  it('applies a change in place: unchanged kept, changed replaced, removed stopped, added started; a local id wins', async () => {
    await waitFor('a and b to have run twice', async () => (runsOf('a') >= 2 && runsOf('b') >= 2 ? true : undefined), { timeoutMs: 10_000, intervalMs: 50 });
    const aBefore = runsOf('a');
    const snmp = { kind: 'snmp', id: 'switch', target: '127.0.0.1:9', role: 'lan-gateway', version: '2c', community: COMMUNITY, intervalMs: 60_000 };
    server.answer = { config: pulled(2, [tcpCheck('a'), tcpCheck('b', { intervalMs: 2000 }), tcpCheck('local-1', { intervalMs: 5000 }), snmp, tcpCheck('c')]) };
    await agent.pullNow();
    expect(await resultFor(2)).toMatchObject({ ok: true, running: 2 });
    expect(agent.stats().checks.map((c) => c.id)).toEqual(['local-1', 'a', 'b', 'switch', 'c']);
    expect(runsOf('a')).toBeGreaterThanOrEqual(aBefore); // untouched: not a new slot
    expect(runsOf('b')).toBeLessThan(2); // replaced: a new slot
    expect(msgs('pulled config applied').at(-1)).toMatchObject({
      version: 2,
      added: ['switch', 'c'],
      removed: ['gone'],
      changed: ['b'],
      unchanged: ['local-1', 'a'],
    });
    expect(msgs('pulled checks not run: a local check has the same id (the local file wins)').at(-1)).toMatchObject({ ids: ['local-1'] });
    await waitFor('the added check to run', async () => (runsOf('c') >= 1 ? true : undefined), { timeoutMs: 10_000, intervalMs: 50 });
  });

  it('rolls back a version that does not validate, reports it once, and keeps the last good on disk', async () => {
    const bad = desAvailable()
      ? { kind: 'snmp', target: '127.0.0.1:9', role: 'lan-gateway', version: '2c' } // no community
      : {
          kind: 'snmp',
          target: '127.0.0.1:9',
          role: 'n3-gateway',
          version: '3',
          user: 'u',
          authProtocol: 'sha',
          authKey: 'authpass123',
          privProtocol: 'des',
          privKey: 'privpass123',
        };
    server.answer = { config: pulled(3, [tcpCheck('a'), bad]) };
    await agent.pullNow();
    const r = await resultFor(3);
    expect(r).toMatchObject({ ok: false, running: 2 });
    expect(r.problem).toMatch(
      desAvailable() ? /^checks\[1\]\.community: missing required key/ : /^checks\[1\]\.privProtocol: des is not available in this Node\.js/,
    );
    expect(agent.stats().checks.map((c) => c.id)).toEqual(['local-1', 'a', 'b', 'switch', 'c']);
    await agent.pullNow();
    await agent.pullNow();
    expect(server.gets.slice(-2).map((g) => g.status)).toEqual([304, 304]);
    expect(server.results.filter((x) => x.version === 3)).toHaveLength(1);
    expect(msgs('pulled config refused; the running checks are unchanged (rolled back to the last good config)')).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(dir, 'spool', LAST_GOOD_FILE), 'utf8')).version).toBe(2);
  });

  it('rolls back a version whose probe cannot be made, at apply time, with the pulled path', async () => {
    server.answer = { config: pulled(4, [tcpCheck('a'), tcpCheck('d'), { kind: 'refusing', id: 'odd', target: 'x' }]) };
    await agent.pullNow();
    expect(await resultFor(4)).toMatchObject({ ok: false, running: 2, problem: 'checks[2].privProtocol: this Node.js cannot do it' });
    expect(agent.stats().checks.map((c) => c.id)).toEqual(['local-1', 'a', 'b', 'switch', 'c']);
  });

  it('keeps running the last good config while the collector answers 503, and says so once', async () => {
    server.answer = { status: 503 };
    await agent.pullNow();
    await agent.pullNow();
    expect(agent.stats().config).toMatchObject({ running: 2, lastFailure: expect.stringContaining('503') });
    expect(agent.stats().checks.map((c) => c.id)).toEqual(['local-1', 'a', 'b', 'switch', 'c']);
    expect(msgs('config pull failed; running the last good config')).toHaveLength(1);
    expect(server.problems).toEqual([]);
  });

  it('never logs a pulled secret', () => {
    expect(lines.length).toBeGreaterThan(20);
    expect(lines.join('\n')).not.toContain(COMMUNITY);
  });
});
