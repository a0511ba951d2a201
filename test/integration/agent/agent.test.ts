// The composition root and `n3mon agent`: real spool, real pusher, real sockets; fake probe kinds.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startAgent, type RunningAgent } from '../../../agent/src/agent.ts';
import { createAgentCommand, HELP } from '../../../agent/src/cli.ts';
import { parseAgentConfig } from '../../../agent/src/config/parse.ts';
import { loadAgentConfig } from '../../../agent/src/config/load.ts';
import { openSpool } from '../../../agent/src/spool/spool.ts';
import { runCli } from '../../../cli/index.ts';
import { isN3monError } from '../../../shared/src/errors.ts';
import { silentLogger } from '../../../shared/src/log.ts';
import type { WireSample } from '../../../shared/src/wire.ts';
import { fakeKind } from '../../unit/agent/helpers/fakes.ts';
import { freePort, stubCollector, TOKEN, until, type StubCollector } from './helpers/stub-collector.ts';

const kind = fakeKind('fake', async () => ({ outcome: 'success', samples: [{ metric: 'tcp_connect_ms', value: 1.5 }] }));
const PROBES = [kind];
const dirs: string[] = [];
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'n3mon-agent-'));
  dirs.push(d);
  return d;
}

function configFor(url: string, dir: string) {
  return {
    collector: { url, token: TOKEN },
    spool: { dir, maxBytes: 8 * 1024 * 1024 },
    push: { intervalMs: 200, batchSamples: 500, timeoutMs: 2000, maxBackoffMs: 1000 },
    checks: [
      { kind: 'fake', target: '10.200.0.1', role: 'lan-gateway', intervalMs: 1000 },
      { kind: 'fake', target: '10.200.0.2', role: 'n3-gateway', intervalMs: 1000 },
    ],
  };
}

const tuning = { maxStartSpreadMs: 100, graceMs: 200, baseBackoffMs: 50, selfMetricsIntervalMs: 300, hostname: 'practice-server-1' };

async function run(url: string, dir: string): Promise<RunningAgent> {
  const agent = await startAgent(parseAgentConfig(configFor(url, dir), 'test', PROBES), { log: silentLogger(), probes: PROBES, tuning });
  cleanups.push(() => agent.stop());
  return agent;
}

async function serve(offsetMs = 0): Promise<StubCollector> {
  const stub = await stubCollector(() => ({ status: 200 }), { serverTimeOffsetMs: offsetMs });
  await stub.listen();
  cleanups.push(() => stub.close());
  return stub;
}

const stored = (stub: StubCollector): WireSample[] => [...stub.stored.values()].flat();
const key = (s: WireSample): string => `${s.metric}${JSON.stringify(s.labels)}@${s.ts}`;

describe('startAgent', () => {
  it('measures, spools and delivers; records its own metrics; stop() pushes the last runs', async () => {
    const stub = await serve(2000);
    const dir = tmp();
    const agent = await run(stub.url, dir);
    await until(() => stored(stub).some((s) => s.metric === 'agent_clock_skew_ms'), 'a clock-skew sample');
    await agent.stop();
    expect(stub.bodyProblems).toEqual([]);
    const runs = agent.stats().checks.reduce((n, c) => n + c.runs, 0);
    const successes = stored(stub).filter((s) => s.metric === 'probe_success');
    expect(successes).toHaveLength(runs); // every run delivered, the last ones by the final push
    expect(new Set(successes.map((s) => s.labels.check))).toEqual(new Set(['fake:10.200.0.1', 'fake:10.200.0.2']));
    const self = stored(stub).filter((s) => s.metric.startsWith('agent_'));
    expect(new Set(self.map((s) => s.metric))).toEqual(
      new Set(['agent_spool_samples', 'agent_spool_oldest_age_s', 'agent_dropped_samples_total', 'agent_clock_skew_ms']),
    );
    expect(self.every((s) => JSON.stringify(s.labels) === JSON.stringify({ check: 'agent', role: 'server', target: 'practice-server-1' }))).toBe(true);
    const skew = self.find((s) => s.metric === 'agent_clock_skew_ms');
    expect(Math.abs((skew?.value ?? 0) - 2000)).toBeLessThan(1000);
    const reopened = openSpool({ dir, maxBytes: 8 * 1024 * 1024, log: silentLogger() });
    expect(reopened.stats().samples).toBe(0);
    reopened.close();
  });

  it('collector away: everything stays spooled; after a restart it is all delivered, nothing twice', async () => {
    const port = await freePort();
    const dir = tmp();
    const first = await run(`http://127.0.0.1:${port}`, dir);
    await until(() => first.stats().checks.every((c) => c.runs >= 2), 'two runs of each check');
    await first.stop();
    const pending = first.spoolStats().samples;
    expect(pending).toBeGreaterThan(0);
    expect(first.spoolStats().droppedTotal).toBe(0);

    const stub = await stubCollector(() => ({ status: 200 }), { port });
    await stub.listen();
    cleanups.push(() => stub.close());
    const second = await run(stub.url, dir);
    await until(() => stored(stub).length >= pending, 'the backlog');
    await second.stop();
    const keys = stored(stub).map(key);
    expect(new Set(keys).size).toBe(keys.length);
    const spooledBefore = stored(stub)
      .filter((s) => s.metric === 'agent_spool_samples')
      .map((s) => s.value);
    expect(spooledBefore).toContain(pending); // recorded at start, before anything was pushed
  });

  it('refuses to start on a spool another agent holds (N3MON_ERR_SPOOL_OPEN) and cleans up', async () => {
    const dir = tmp();
    const holder = openSpool({ dir, maxBytes: 8 * 1024 * 1024, log: silentLogger() });
    holder.append([{ metric: 'tcp_connect_ms', labels: {}, ts: 1, value: 1 }]);
    cleanups.push(() => holder.close());
    const err = await run('http://127.0.0.1:9', dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isN3monError(err, 'N3MON_ERR_SPOOL_OPEN')).toBe(true);
    cleanups.pop(); // nothing started, nothing to stop
  });
});

describe('n3mon agent', () => {
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), env: {} } };
  };

  it('--help documents the flags and config keys; the real command is registered', async () => {
    const c = io();
    expect(await runCli(['agent', '--help'], c.io)).toBe(0);
    expect(c.out.join('')).toBe(HELP);
    for (const word of ['--config', '--log-level', 'collector.url', 'spool.maxBytes', 'push.maxBackoffMs', 'SIGTERM']) expect(HELP).toContain(word);
  });

  it('usage errors exit 2; a bad config exits 1 with every problem as `path: message`', async () => {
    const c = io();
    expect(await runCli(['agent', '--bogus'], c.io)).toBe(2);
    expect(c.err.join('')).toContain("Unknown option '--bogus'");
    expect(await runCli(['agent'], c.io)).toBe(2);
    expect(c.err.join('')).toContain('--config FILE is required');

    const cmd = createAgentCommand({ loadProbes: async () => PROBES });
    const file = join(tmp(), 'agent.yaml');
    writeFileSync(
      file,
      `collector: { url: "http://127.0.0.1:8080", token: "${TOKEN}" }\nchecks:\n  - { kind: fake, target: a, role: lan-gateway, intervalMs: 1000, timeoutMs: 1000 }\n  - { kind: fake, target: a, role: lan-gateway, intervalMs: 1000, colour: red }\n`,
    );
    const err = await cmd.run(['--config', file], c.io).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isN3monError(err, 'N3MON_ERR_CONFIG_INVALID')).toBe(true);
    expect((err as Error).message).toBe(
      `${file}: 1 problem(s)\nchecks[1].colour: unknown key (allowed: kind, target, count, id, role, intervalMs, timeoutMs, app, labels)`,
    );
  });

  it('with the real probe registry: `n3mon agent` prints every problem as `path: message` and exits 1', async () => {
    const dir = tmp();
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      `collector: { url: "http://127.0.0.1:8080", token: "${TOKEN}" }\nchecks:\n  - { kind: host, intervalMs: 60000, timeoutMs: 60000 }\n  - { kind: host }\n`,
    );
    const c = io();
    expect(await runCli(['agent', '--config', bad], c.io)).toBe(1);
    expect(c.err.join('')).toBe(
      `n3mon agent: ${bad}: 2 problem(s)\n` +
        'checks[0].timeoutMs: must be less than intervalMs (60000 >= 60000)\n' +
        'checks[1].id: duplicate check id "host" (checks[0] has it too); give one of them a distinct id\n',
    );
    const good = join(dir, 'good.yaml');
    writeFileSync(
      good,
      `collector: { url: "http://127.0.0.1:8080", token: "${TOKEN}" }\nchecks:\n  - { kind: host }\n  - { kind: tcp, target: "127.0.0.1:8080", role: server }\n`,
    );
    expect(loadAgentConfig(good).checks.map((ch) => ch.id)).toEqual(['host', 'tcp:127.0.0.1:8080']);
  });

  it('runs until SIGTERM, then stops gracefully and exits 0', async () => {
    const stub = await serve();
    const dir = tmp();
    const file = join(dir, 'agent.json');
    writeFileSync(file, JSON.stringify({ ...configFor(stub.url, join(dir, 'spool')), log: { level: 'info' } }));
    const fixture = fileURLToPath(new URL('./fixtures/agent-cli.ts', import.meta.url));
    const root = fileURLToPath(new URL('../../..', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, '--config', file], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, N3MON_LOG_LEVEL: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await until(() => stored(stub).some((s) => s.metric === 'probe_success'), `data from the agent process (stderr: ${stderr})`, 20_000);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string; signal?: string });
    expect(lines.map((l) => l.msg)).toContain('agent started');
    expect(lines.find((l) => l.msg === 'stopping the agent')?.signal).toBe('SIGTERM');
    expect(lines.at(-1)?.msg).toBe('agent stopped');
    expect(stdout).not.toContain(TOKEN);
  });
});
