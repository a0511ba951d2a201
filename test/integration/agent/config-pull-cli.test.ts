// `n3mon agent` (the built CLI) with collector.config: pull, where the behaviour is the process's:
// it applies what the contract server sends and keeps it on disk (0600); restarted while the
// collector is down it runs that last good config (and says so) and keeps asking; an agent with no
// last good config and no local checks starts anyway, runs only its self metrics, and takes its
// checks once the collector answers. Secrets in the pulled checks never reach a log line.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAST_GOOD_FILE } from '../../../agent/src/config-pull/last-good.ts';
import { PULL_INTERVAL_MIN_MS } from '../../../shared/src/pulled-config.ts';
import { spawnLogged, stopCli, type LogLine } from '../../helpers/cli.ts';
import { waitFor } from '../../helpers/wait.ts';
import { contractServer, pulled, TOKEN, type ContractServer } from './config-pull-server.ts';

const COMMUNITY = 'sekrit-community-cli-91c2';
const children: ChildProcess[] = [];
const transcripts: LogLine[][] = [];

function agentConfig(dir: string, url: string): string {
  const file = join(dir, 'agent.yaml');
  writeFileSync(
    file,
    [
      'collector:',
      `  url: "${url}"`,
      `  token: "${TOKEN}"`,
      '  config: pull',
      `  pullIntervalMs: ${PULL_INTERVAL_MIN_MS}`,
      `spool: { dir: "${join(dir, 'spool')}" }`,
      'push: { intervalMs: 500 }',
      '',
    ].join('\n'),
  );
  return file;
}

function agent(config: string): { child: ChildProcess; logs: LogLine[] } {
  const a = spawnLogged(['agent', '--config', config, '--log-level', 'debug']);
  children.push(a.child);
  transcripts.push(a.logs);
  return a;
}

const seen = (logs: LogLine[], msg: string, match: (l: LogLine) => boolean = () => true) =>
  waitFor(`"${msg}"`, async () => logs.find((l) => l.msg === msg && match(l)), {
    timeoutMs: 3 * PULL_INTERVAL_MIN_MS,
    intervalMs: 100,
    describe: () => logs.map((l) => l.msg).join(' | '),
  });

describe('n3mon agent with a pulled config, restarted while the collector is down', () => {
  let dirA: string;
  let dirB: string;
  let server: ContractServer;
  let tcp: Server;
  let etag: string;

  beforeAll(async () => {
    dirA = mkdtempSync(join(tmpdir(), 'n3mon-pull-cli-a-'));
    dirB = mkdtempSync(join(tmpdir(), 'n3mon-pull-cli-b-'));
    tcp = createServer((s) => s.destroy());
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', () => r()));
    const target = `127.0.0.1:${(tcp.address() as { port: number }).port}`;
    server = await contractServer();
    const config = pulled(7, [
      { kind: 'tcp', id: 'hscn-app', target, role: 'national-app', app: 'spine', intervalMs: 1000 },
      { kind: 'snmp', id: 'router', target: '127.0.0.1:9', role: 'n3-gateway', version: '2c', community: COMMUNITY, intervalMs: 60_000 },
    ]);
    etag = config.etag;
    server.answer = { config };
  });
  afterAll(async () => {
    for (const c of children) await stopCli(c, 5000);
    await server?.close();
    await new Promise<void>((r) => (tcp ? tcp.close(() => r()) : r()));
    for (const d of [dirA, dirB]) if (d !== undefined) rmSync(d, { recursive: true, force: true });
  });

  it('applies, keeps the config on disk (0600); after a restart with the collector down runs it, then reports it when the collector is back', async () => {
    const configA = agentConfig(dirA, server.url);
    const first = agent(configA);
    await seen(first.logs, 'pulled config applied', (l) => l.version === 7);
    await waitFor('the ok result', async () => server.results.find((r) => r.version === 7 && r.ok), { timeoutMs: 10_000, intervalMs: 50 });
    expect(statSync(join(dirA, 'spool', LAST_GOOD_FILE)).mode & 0o777).toBe(0o600);
    expect(await stopCli(first.child)).toBe(0);

    await server.close(); // the collector is down from here
    const second = agent(configA);
    const fresh = agent(agentConfig(dirB, server.url)); // no last good config, no local checks
    expect(await seen(second.logs, 'running the last good pulled config from disk until the collector answers')).toMatchObject({ version: 7, etag, checks: 2 });
    expect(await seen(second.logs, 'config pull failed; running the last good config')).toMatchObject({ running: 7 });
    await seen(second.logs, 'check outcome changed', (l) => l.check === 'hscn-app' && l.outcome === 'success');
    await seen(fresh.logs, 'no checks yet (no local checks, no pulled config): only the agent self metrics run until the collector sends checks');
    expect(await seen(fresh.logs, 'agent started')).toMatchObject({ checks: 0, config: 'pull' });
    await seen(fresh.logs, 'config pull failed; asking again on the interval');

    const resultsBefore = server.results.length;
    await server.listen(); // back, at the same address: both agents ask again on their interval
    await seen(second.logs, 'running the pulled config the collector has now', (l) => l.version === 7);
    expect(server.gets.some((g) => g.ifNoneMatch === `"${etag}"` && g.status === 304)).toBe(true);
    await seen(fresh.logs, 'pulled config applied', (l) => l.version === 7);
    await seen(fresh.logs, 'check outcome changed', (l) => l.check === 'hscn-app' && l.outcome === 'success');
    const after = await waitFor(
      'both agents’ results',
      async () => (server.results.length >= resultsBefore + 2 ? server.results.slice(resultsBefore) : undefined),
      {
        timeoutMs: 10_000,
        intervalMs: 50,
      },
    );
    expect(after.map((r) => ({ version: r.version, ok: r.ok, running: r.running }))).toEqual([
      { version: 7, ok: true, running: 7 },
      { version: 7, ok: true, running: 7 },
    ]);
    expect(server.problems).toEqual([]);
    expect(children.every((c) => c.exitCode === null || c === first.child)).toBe(true);
  });

  it('never logs the pulled community', () => {
    const text = transcripts.map((t) => JSON.stringify(t)).join('\n');
    expect(text).toContain('router'); // the check is in the logs by its id…
    expect(text).not.toContain(COMMUNITY); // …never by its secret
  });
});
