/**
 * The ping helper (agent/src/probes/icmp/helper.ts) with the real /bin/sh and system ping on
 * loopback: bursts are started by the helper, never by the agent process; concurrent bursts each
 * get their own output; a helper killed mid-burst loses nothing; close() ends every burst; bad
 * input and a missing ping are clear `unavailable`s.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { acquireSharedHelper, HELPER_NAME, PingHelper, releaseSharedHelper } from '../../../../agent/src/probes/icmp/helper.ts';
import { helperPingRunner, type PingRequest } from '../../../../agent/src/probes/icmp/runner.ts';
import { skipUnlessLab } from '../../../helpers/lab-guard.ts';

const burst = (target: string, count = 3, intervalMs = 10): PingRequest => ({ target, count, intervalMs, replyTimeoutMs: 1000, packetSizeBytes: 56 });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** pid → ppid and command line of every process now. */
function processes(): Map<number, { ppid: number; cmdline: string[] }> {
  const out = new Map<number, { ppid: number; cmdline: string[] }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      out.set(Number(name), {
        ppid,
        cmdline: readFileSync(`/proc/${name}/cmdline`, 'utf8')
          .split('\0')
          .filter((a) => a !== ''),
      });
    } catch {
      // exited between readdir and read
    }
  }
  return out;
}

/** Waits (bounded) until a ping process for `target` runs; its pid. */
async function pingProcessFor(target: string): Promise<number> {
  for (let i = 0; i < 200; i++) {
    for (const [pid, p] of processes()) if (p.cmdline[0] === 'ping' && p.cmdline.at(-1) === target) return pid;
    await sleep(10);
  }
  throw new Error(`no ping process for ${target} within 2 s`);
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The temp dir of the test's latest helper (each helper gets its own; all are removed after the test). */
let tmp: string;
const tmps: string[] = [];
function newTmp(): string {
  tmp = mkdtempSync(join(tmpdir(), 'n3mon-helper-test-'));
  tmps.push(tmp);
  return tmp;
}
const helpers: PingHelper[] = [];
function newHelper(opts: ConstructorParameters<typeof PingHelper>[0] = {}): PingHelper {
  const h = new PingHelper({ tmpDir: newTmp(), ...opts });
  helpers.push(h);
  return h;
}
afterEach(() => {
  for (const h of helpers.splice(0)) h.close();
  for (const dir of tmps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(skipUnlessLab({ files: ['/usr/bin/ping', '/bin/sh'] }))('ping helper, real sh and ping on loopback', () => {
  it('12 concurrent bursts: each gets its own complete output; no output file is left behind', async () => {
    const helper = newHelper();
    const runner = helperPingRunner(helper);
    const targets = Array.from({ length: 12 }, (_, i) => `127.0.0.${i + 2}`);
    const runs = await Promise.all(targets.map((t) => runner.run(burst(t, 5))));
    runs.forEach((r, i) => {
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.platform).toBe('linux');
      expect(r.output.startsWith(`PING ${targets[i]} (${targets[i]})`)).toBe(true);
      expect(r.output).toMatch(/5 packets transmitted, 5 received, 0% packet loss/);
    });
    const dirs = readdirSync(tmp);
    expect(dirs).toHaveLength(1);
    expect(readdirSync(join(tmp, dirs[0] as string))).toEqual([]);
  });

  it('the burst is a child of the helper, not of the agent process', async () => {
    const helper = newHelper();
    const runner = helperPingRunner(helper);
    const target = '127.0.0.31';
    const run = runner.run(burst(target, 4, 200));
    const pingPid = await pingProcessFor(target);
    const procs = processes();
    const subshell = procs.get(pingPid)?.ppid as number;
    expect(procs.get(subshell)?.ppid).toBe(helper.pid);
    expect(procs.get(helper.pid as number)?.cmdline).toContain(HELPER_NAME);
    const ourChildren = [...procs].filter(([, p]) => p.ppid === process.pid);
    expect(ourChildren.map(([pid]) => pid)).toContain(helper.pid);
    expect(ourChildren.filter(([, p]) => p.cmdline[0] === 'ping')).toEqual([]);
    expect((await run).ok).toBe(true);
  });

  it('the helper killed mid-burst: the burst still reports, and the next burst starts a new helper', async () => {
    const helper = newHelper();
    const runner = helperPingRunner(helper);
    const target = '127.0.0.32';
    const first = runner.run(burst(target, 4, 200));
    await pingProcessFor(target);
    const oldPid = helper.pid as number;
    process.kill(oldPid, 'SIGKILL');
    const r1 = await first;
    expect(r1.ok && r1.output).toMatch(/4 packets transmitted, 4 received/);
    const r2 = await runner.run(burst('127.0.0.33'));
    expect(r2.ok && r2.output).toMatch(/3 packets transmitted, 3 received/);
    expect(helper.pid).toBeDefined();
    expect(helper.pid).not.toBe(oldPid);
  });

  it('close() mid-burst: the run settles at once, the helper and the ping end, nothing is left in the temp dir', async () => {
    const helper = newHelper();
    const runner = helperPingRunner(helper);
    const target = '127.0.0.34';
    const run = runner.run(burst(target, 50, 200)); // ~10 s if left alone
    const pingPid = await pingProcessFor(target);
    const helperPid = helper.pid as number;
    helper.close();
    const r = await run;
    expect(r).toEqual({ ok: false, reason: 'unavailable', message: 'the ping helper was closed (the agent is stopping)' });
    for (let i = 0; i < 100 && (alive(pingPid) || alive(helperPid)); i++) await sleep(20);
    expect(alive(pingPid)).toBe(false);
    expect(alive(helperPid)).toBe(false);
    expect(readdirSync(tmp)).toEqual([]);
    expect(await runner.run(burst('127.0.0.35'))).toEqual({ ok: false, reason: 'unavailable', message: 'the ping helper is closed (the agent is stopping)' });
  });

  it("no ping on the helper's PATH: unavailable, saying so", async () => {
    const empty = mkdtempSync(join(tmpdir(), 'n3mon-noping-'));
    try {
      const runner = helperPingRunner(newHelper({ env: { PATH: empty, LANG: 'C' } }));
      const r = await runner.run(burst('127.0.0.1'));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.message).toMatch(/^ping: not found on the PATH \(the shell said: .*ping: not found\)$/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('refuses an argument with whitespace (it would split), and a shell that cannot start is a clear error', async () => {
    const helper = newHelper();
    expect(await helper.run(['ping', '-c', '1', '127.0.0.1 -f'])).toEqual({
      ok: false,
      message: 'ping helper: argument "127.0.0.1 -f" is empty or holds whitespace',
    });
    expect(await helper.run([])).toEqual({ ok: false, message: 'ping helper: argument "" is empty or holds whitespace' });
    expect(helper.pid).toBeUndefined();
    const noShell = newHelper({ shell: '/nonexistent/sh' });
    const r = await noShell.run(['ping', '-c', '1', '127.0.0.1']);
    expect(r).toEqual({ ok: false, message: 'ping helper: cannot start /nonexistent/sh: spawn /nonexistent/sh ENOENT' });
  });

  it('one shared helper for every icmp check; the last release ends it', async () => {
    const a = helperPingRunner();
    const b = helperPingRunner();
    expect((await a.run(burst('127.0.0.36'))).ok).toBe(true);
    expect((await b.run(burst('127.0.0.37'))).ok).toBe(true);
    const shared = acquireSharedHelper();
    const pid = shared.pid as number;
    expect(pid).toBeDefined();
    a.close();
    b.close();
    expect(shared.pid).toBe(pid);
    expect(alive(pid)).toBe(true);
    releaseSharedHelper();
    for (let i = 0; i < 100 && alive(pid); i++) await sleep(20);
    expect(alive(pid)).toBe(false);
  });

  it('the agent killed without closing the helper: the helper ends and leaves no temp dir', async () => {
    newTmp();
    const script = `
      import { PingHelper } from ${JSON.stringify(fileURLToPath(new URL('../../../../agent/src/probes/icmp/helper.ts', import.meta.url)))};
      const helper = new PingHelper({ tmpDir: ${JSON.stringify(tmp)} });
      void helper.run(['ping', '-n', '-c', '3', '-i', '0.2', '127.0.0.39']);
      setTimeout(() => { console.log(helper.pid); process.kill(process.pid, 'SIGKILL'); }, 200);
    `;
    const helperPid = await new Promise<number>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 30_000 }, (_err, stdout) =>
        resolve(Number(stdout.trim())),
      );
    });
    expect(helperPid).toBeGreaterThan(0);
    for (let i = 0; i < 250 && (alive(helperPid) || readdirSync(tmp).length > 0); i++) await sleep(20);
    expect(alive(helperPid)).toBe(false);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('an idle helper does not keep the process alive', async () => {
    const script = `
      import { helperPingRunner } from ${JSON.stringify(fileURLToPath(new URL('../../../../agent/src/probes/icmp/runner.ts', import.meta.url)))};
      const r = await helperPingRunner().run({ target: '127.0.0.38', count: 1, intervalMs: 10, replyTimeoutMs: 1000, packetSizeBytes: 56 });
      console.log(r.ok ? 'burst ok' : r.message);
    `;
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 30_000 }, (err, stdout, stderr) =>
        err === null ? resolve(stdout) : reject(new Error(`${err.message}\n${stderr}`)),
      );
    });
    expect(out.trim()).toBe('burst ok');
  });
});
