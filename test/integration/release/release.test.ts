// The release archive on a machine with Node.js and nothing else. `npm run release` builds two
// archives (this package's version and a bumped one, once per run: it is the slow part), then
// everything happens in an empty root — a fresh directory used as install.sh's --destdir, with
// PATH holding only node, sh and the coreutils/tar the instructions use (no npm, compiler, git,
// python): unpack, check the SHA-256, install the collector and the agent, enrol the agent with a
// code from the collector (docs/deploy.md steps 4-5), run both from /opt/n3mon/current and read
// the agent's samples through the API; then, with the collector
// away, let the agent spool, upgrade to the second archive and see config and spool survive:
// the samples spooled before the upgrade arrive once the new version runs.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exited, stopCli } from '../../helpers/cli.ts';
import { waitFor } from '../../helpers/wait.ts';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const pkgVersion = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;
const [maj, min, patch] = pkgVersion.split(/[.-]/).map(Number) as [number, number, number];
const v1 = pkgVersion;
const v2 = `${maj}.${min}.${patch + 1}`;
const archiveName = (v: string) => `n3mon-${v}-linux-${process.arch}`;

const dir = mkdtempSync(join(tmpdir(), 'n3mon-release-'));
const out = join(dir, 'release');
const bin = join(dir, 'bin'); // the only PATH of the "empty machine"
const root = join(dir, 'root'); // the install root (--destdir)
const home = join(dir, 'home');
const env = { PATH: bin, HOME: home, LANG: 'C' };
const children: ChildProcess[] = [];
// What the agent measures (tcp_connect_ms): a local TCP service that stays up while the collector is away.
const service: Server = createServer((s) => s.destroy());

afterAll(async () => {
  for (const c of children) await stopCli(c, 5_000);
  service.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A command run the way the operator runs it on the practice server: the stripped PATH only. */
function sh(script: string, cwd = dir): { code: number | null; out: string; stdout: string } {
  const r = spawnSync('/bin/sh', ['-c', script], { cwd, env, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}`, stdout: r.stdout };
}

function release(version: string): void {
  const r = spawnSync(process.execPath, [join(repo, 'scripts', 'release.mjs'), '--no-build', '--out', out, '--version', version], {
    cwd: repo,
    encoding: 'utf8',
    timeout: 240_000,
  });
  if (r.status !== 0) throw new Error(`release ${version} failed:\n${r.stdout}${r.stderr}`);
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

interface Logged {
  child: ChildProcess;
  lines: { msg?: string; component?: string }[];
}

/** Runs the installed `n3mon` (root/opt/n3mon/current/bin/n3mon) with the stripped PATH. */
function startInstalled(args: string[]): Logged {
  const child = spawn(join(root, 'opt/n3mon/current/bin/n3mon'), args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const lines: Logged['lines'] = [];
  let rest = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop() ?? '';
    for (const l of parts) if (l.startsWith('{')) lines.push(JSON.parse(l) as Logged['lines'][number]);
  });
  child.stderr!.resume();
  return { child, lines };
}

const installed = (args: string) => sh(`${join(root, 'opt/n3mon/current/bin/n3mon')} ${args}`);

let port = 0;
let url = '';
let key = '';
const ods = 'R00001';

async function seriesPoints(from: number, to: number): Promise<number> {
  const q = new URLSearchParams({ metric: 'tcp_connect_ms', from: String(from), to: String(to), step: '1s' });
  const res = await fetch(`${url}/api/v1/practices/${ods}/series?${q}`, { headers: { authorization: `Bearer ${key}` } });
  if (!res.ok) return 0;
  const body = (await res.json()) as { series: { points: unknown[] }[] };
  return body.series.reduce((n, s) => n + s.points.length, 0);
}

async function startCollector(): Promise<Logged> {
  const c = startInstalled(['collector', '--config', join(root, 'etc/n3mon/collector.yaml'), '--log-level', 'warn']);
  await waitFor(
    'the installed collector to answer /healthz',
    async () =>
      (await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      ))
        ? true
        : undefined,
    { timeoutMs: 30_000, intervalMs: 100 },
  );
  return c;
}

const startAgent = () => startInstalled(['agent', '--config', join(root, 'etc/n3mon/agent.yaml'), '--log-level', 'debug']);
const checkRuns = (a: Logged) => a.lines.filter((l) => l.component === 'scheduler' && (l.msg === 'check run' || l.msg === 'check outcome changed')).length;

beforeAll(() => {
  // The machine: node, a shell and the base tools install.sh and the README's steps use.
  mkdirSync(bin);
  mkdirSync(home);
  for (const tool of [
    'sh',
    'cp',
    'mkdir',
    'ln',
    'mv',
    'rm',
    'chmod',
    'chown',
    'id',
    'cat',
    'dirname',
    'basename',
    'readlink',
    'ls',
    'tar',
    'gzip',
    'sha256sum',
  ]) {
    const found = spawnSync('/bin/sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    if (found === '') throw new Error(`${tool} is not installed here`);
    symlinkSync(found, join(bin, tool));
  }
  symlinkSync(process.execPath, join(bin, 'node'));
  release(v1);
  release(v2);
}, 600_000);

describe('the release archive', () => {
  it('the empty machine has no npm, compiler, git or python', () => {
    for (const tool of ['npm', 'npx', 'gcc', 'cc', 'c++', 'make', 'git', 'python3', 'node-gyp']) expect(sh(`command -v ${tool}`).code, tool).not.toBe(0);
  });

  it('sits beside a SHA-256 file that sha256sum -c accepts, and refuses a damaged copy', () => {
    const name = `${archiveName(v1)}.tar.gz`;
    expect(readdirSync(out).sort()).toEqual(expect.arrayContaining([name, `${name}.sha256`]));
    expect(readFileSync(join(out, `${name}.sha256`), 'utf8')).toMatch(new RegExp(`^[0-9a-f]{64}  ${name.replace(/\./g, '\\.')}\\n$`));
    const ok = sh(`sha256sum -c ${name}.sha256`, out);
    expect(ok.out).toContain(`${name}: OK`);
    expect(ok.code).toBe(0);
    const damaged = join(dir, 'damaged');
    mkdirSync(damaged);
    copyFileSync(join(out, name), join(damaged, name));
    copyFileSync(join(out, `${name}.sha256`), join(damaged, `${name}.sha256`));
    appendFileSync(join(damaged, name), 'x');
    expect(sh(`sha256sum -c ${name}.sha256`, damaged).code).not.toBe(0);
  });

  it('installs the collector and the agent into an empty root, and the installed agent delivers to the installed collector', async () => {
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    await new Promise<void>((r) => service.listen(0, '127.0.0.1', r));
    const servicePort = (service.address() as { port: number }).port;
    const unpack = sh(`mkdir -p unpack && tar -xzf ${join(out, `${archiveName(v1)}.tar.gz`)} -C unpack`);
    expect(unpack.code, unpack.out).toBe(0);
    const install = join(dir, 'unpack', archiveName(v1), 'install.sh');

    const collectorYaml = join(dir, 'collector.yaml');
    writeFileSync(
      collectorYaml,
      `listen: { host: 127.0.0.1, port: ${port} }\ndataDir: "${join(root, 'var/lib/n3mon')}"\npractices:\n  - { ods: ${ods}, name: "Release Test Surgery" }\n`,
    );
    const c = sh(`${install} --collector --destdir ${root} --config ${collectorYaml}`);
    expect(c.code, c.out).toBe(0);
    expect(c.out).toContain(`installed ${root}/opt/n3mon/${v1}`);
    expect(c.out).toMatch(/skipped: useradd n3mon/);
    expect(c.out).toMatch(/skipped: systemctl/);
    expect(readlinkSync(join(root, 'opt/n3mon/current'))).toBe(v1);
    expect(readFileSync(join(root, 'etc/systemd/system/n3mon-collector.service'), 'utf8')).toMatch(
      /^ExecStart=\/\S+\/node --max-semi-space-size=32 \/opt\/n3mon\/current\/dist\/cli\.js collector --config \/etc\/n3mon\/collector\.yaml$/m,
    );

    expect(installed('--version').out.trim()).toBe(v1);
    const collectorConfig = join(root, 'etc/n3mon/collector.yaml');
    const apikey = installed(`apikey create --role servicedesk --config ${collectorConfig}`);
    key = apikey.stdout.trim();
    expect(key).toMatch(/^n3k_/);
    // docs/deploy.md step 4: the service desk makes an enrolment code for the practice.
    const code = installed(`enrolment create --practice ${ods} --config ${collectorConfig}`);
    expect(code.code, code.out).toBe(0);

    // A prepared agent config (loopback checks only) without a token: enrolment gives it one.
    const agentYaml = join(dir, 'agent.yaml');
    writeFileSync(
      agentYaml,
      [
        `collector: { url: "${url}" }`,
        `spool: { dir: "${join(root, 'var/lib/n3mon-agent')}" }`,
        'push: { intervalMs: 300, batchSamples: 50, maxBackoffMs: 1000 }',
        'checks:',
        `  - { kind: tcp, target: "127.0.0.1:${servicePort}", role: lan-gateway, intervalMs: 1000 }`,
        `  - { kind: http, target: "${url}/healthz", role: national-app, app: n3mon, intervalMs: 1000 }`,
        '',
      ].join('\n'),
    );
    const a = sh(`${install} --destdir ${root} --config ${agentYaml}`);
    expect(a.code, a.out).toBe(0);
    expect(a.out).toContain('holds this very build already: not copied');
    expect(a.out).toContain(`installed ${root}/etc/n3mon/agent.yaml`);
    expect(readFileSync(join(root, 'etc/systemd/system/n3mon-agent.service'), 'utf8')).toMatch(
      /^ExecStart=\/\S+\/node --lite-mode \/opt\/n3mon\/current\/dist\/cli\.js agent --config \/etc\/n3mon\/agent\.yaml$/m,
    );

    // docs/deploy.md step 5: n3mon enrol on the practice server, with the installed command.
    const collector = await startCollector();
    const enrolled = installed(`enrol --collector ${url} --code ${code.stdout.trim()} --name server1 --config ${join(root, 'etc/n3mon/agent.yaml')}`);
    expect(enrolled.code, enrolled.out).toBe(0);
    expect(statSync(join(root, 'etc/n3mon/agent.token')).mode & 0o777).toBe(0o600);
    const checked = installed(`check-config ${join(root, 'etc/n3mon/agent.yaml')}`);
    expect(checked.code, checked.out).toBe(0);

    const started = Date.now();
    const agent = startAgent();
    await waitFor(
      'tcp_connect_ms samples from the installed agent in the API',
      async () => ((await seriesPoints(started - 1000, Date.now() + 1000)) > 0 ? true : undefined),
      {
        timeoutMs: 60_000,
        describe: () => `agent log: ${JSON.stringify(agent.lines.slice(-5))}`,
      },
    );
    await stopCli(agent.child);
    await stopCli(collector.child);
  }, 180_000);

  it('upgrades in place: config and spool survive, the samples spooled before the upgrade arrive after it', async () => {
    // The collector away; the agent (still the first version) spools.
    // A whole second after the last delivered sample: the API's 1 s buckets align to the epoch.
    const spooledFrom = Math.ceil(Date.now() / 1000) * 1000 + 1000;
    const agent = startAgent();
    await waitFor('check runs spooled with the collector away', async () => (checkRuns(agent) >= 12 && Date.now() > spooledFrom + 3000 ? true : undefined), {
      timeoutMs: 60_000,
      intervalMs: 100,
    });
    expect(await stopCli(agent.child)).toBe(0);
    const spooledTo = Date.now();
    const configBefore = readFileSync(join(root, 'etc/n3mon/agent.yaml'), 'utf8');
    const tokenBefore = readFileSync(join(root, 'etc/n3mon/agent.token'), 'utf8');
    const spoolFiles = readdirSync(join(root, 'var/lib/n3mon-agent'));
    expect(spoolFiles.length).toBeGreaterThan(0);

    const unpack = sh(`tar -xzf ${join(out, `${archiveName(v2)}.tar.gz`)} -C unpack`);
    expect(unpack.code, unpack.out).toBe(0);
    const install = join(dir, 'unpack', archiveName(v2), 'install.sh');
    expect(sh(`${install} --bogus`).out).toContain("unknown option '--bogus'");
    // A release whose binding was built for another Node ABI is refused before anything moves.
    const releaseJson = join(dir, 'unpack', archiveName(v2), 'release.json');
    const real = readFileSync(releaseJson, 'utf8');
    writeFileSync(releaseJson, real.replace(/"modules": "\d+"/, '"modules": "1"'));
    const refused = sh(`${install} --destdir ${root}`);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toMatch(/this release was built for Node\.js \S+ \(ABI 1\); this node is/);
    expect(readlinkSync(join(root, 'opt/n3mon/current'))).toBe(v1);
    writeFileSync(releaseJson, real);

    const up = sh(`${install} --destdir ${root}`);
    expect(up.code, up.out).toBe(0);
    expect(up.out).toContain(`upgraded ${v1} -> ${v2}`);
    expect(up.out).toContain(`kept ${root}/etc/n3mon/agent.yaml`);
    expect(readlinkSync(join(root, 'opt/n3mon/current'))).toBe(v2);
    expect(existsSync(join(root, 'opt/n3mon', v1, 'dist/cli.js'))).toBe(true); // kept for a roll-back
    expect(installed('--version').out.trim()).toBe(v2);
    expect(readFileSync(join(root, 'etc/n3mon/agent.yaml'), 'utf8')).toBe(configBefore);
    expect(readFileSync(join(root, 'etc/n3mon/agent.token'), 'utf8')).toBe(tokenBefore);
    expect(readdirSync(join(root, 'var/lib/n3mon-agent'))).toEqual(expect.arrayContaining(spoolFiles));

    // Nothing from [spooledFrom, spooledTo] can have reached the collector before now.
    const collector = await startCollector();
    expect(await seriesPoints(spooledFrom, spooledTo)).toBe(0);
    const upgraded = startAgent();
    const delivered = await waitFor(
      'the samples spooled before the upgrade to arrive',
      async () => {
        const n = await seriesPoints(spooledFrom, spooledTo);
        return n >= 3 ? n : undefined;
      },
      { timeoutMs: 60_000, describe: () => `agent log: ${JSON.stringify(upgraded.lines.slice(-5))}` },
    );
    expect(delivered).toBeGreaterThanOrEqual(3);
    expect(await stopCli(upgraded.child)).toBe(0);
    await stopCli(collector.child);
    expect(await exited(collector.child)).toBe(0);
  }, 180_000);
});
