/**
 * The lab itself: it really isolates, drops, shapes, delays, and leaves nothing behind — even when
 * its process exits without destroy() or is killed.
 */
import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import { connect } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { skipUnlessLab } from '../helpers/lab-guard.ts';
import { createLab, LAB_REQUIREMENTS, waitForOutput, type Lab } from './lab.ts';
import { runCommand } from './exec.ts';
import { SLOT_DIR } from './slots.ts';
import { startDnsResponder } from './dns-responder.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

async function namespaces(): Promise<string> {
  return (await runCommand('ip', ['netns', 'list'])).stdout;
}

async function links(): Promise<string> {
  return (await runCommand('ip', ['-o', 'link', 'show'])).stdout;
}

/** Running = exists and is not a zombie (an orphan waits for init to reap it). */
function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Received/transmitted of a quiet ping burst (system ping, straight from its summary line). */
async function pingBurst(ip: string, count: number): Promise<{ transmitted: number; received: number; out: string }> {
  const r = await runCommand('ping', ['-n', '-q', '-c', String(count), '-i', '0.01', '-W', '1', ip], { allowFailure: true, timeoutMs: 30_000 });
  const m = /(\d+) packets transmitted, (\d+) received/.exec(r.stdout);
  if (m === null) throw new Error(`no ping summary: ${r.stdout}${r.stderr}`);
  return { transmitted: Number(m[1]), received: Number(m[2]), out: r.stdout };
}

describe.skipIf(skipUnlessLab(LAB_REQUIREMENTS))('lab', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await createLab({ name: 'lab-self-test' });
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  it('joins a namespace to this machine on a private /29 that answers ping', async () => {
    expect(lab.nsIp).toMatch(/^10\.200\.\d+\.\d+$/);
    expect(await namespaces()).toContain(lab.ns);
    const r = await pingBurst(lab.nsIp, 3);
    expect(r.received).toBe(3);
    // The namespace has no route beyond its own subnet.
    const routes = await lab.run('ip', ['-4', 'route', 'show']);
    expect(routes.stdout).not.toContain('default');
  });

  it('drops every ping at 100 % loss and none after clearLoss()', async () => {
    await lab.setLoss({ percent: 100, protocol: 'icmp' });
    expect((await pingBurst(lab.nsIp, 5)).received).toBe(0);
    await lab.clearLoss();
    expect((await pingBurst(lab.nsIp, 5)).received).toBe(5);
  });

  it('drops only the protocol and port it is told to', async () => {
    await lab.setLoss({ percent: 100, protocol: 'udp', port: 161 });
    try {
      expect((await pingBurst(lab.nsIp, 3)).received).toBe(3);
      const rules = await lab.run('nft', ['list', 'chain', 'inet', 'n3lab', 'in']);
      expect(rules.stdout).toMatch(/udp dport 161 drop/);
    } finally {
      await lab.clearLoss();
    }
  });

  it('answers pings after the configured delay while the responder runs', async () => {
    const responder = await lab.startIcmpDelay({ delayMs: 30 });
    try {
      const r = await runCommand('ping', ['-n', '-c', '5', '-i', '0.01', lab.nsIp]);
      const rtts = [...r.stdout.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]));
      expect(rtts).toHaveLength(5);
      for (const rtt of rtts) expect(rtt).toBeGreaterThanOrEqual(30);
    } finally {
      await responder.stop();
    }
    const after = await runCommand('ping', ['-n', '-c', '1', lab.nsIp]);
    expect(Number(/time=([\d.]+) ms/.exec(after.stdout)?.[1])).toBeLessThan(30);
  });

  it('limits bandwidth with a token bucket', async () => {
    const port = 25_000 + (lab.slot % 1000);
    const bytes = 500_000;
    // A sender in the namespace: writes `bytes` bytes to whoever connects, then closes.
    const code = `require('net').createServer((s)=>{s.end(Buffer.alloc(${bytes}))}).listen(${port},'${lab.nsIp}',()=>console.log('listening'))`;
    const server = lab.spawnInNs(process.execPath, ['-e', code]);
    try {
      expect(await waitForOutput(server, /listening/, 5000)).toBe(true);
      await lab.shape({ rateKbit: 2000, direction: 'from-ns' });
      const started = performance.now();
      const got = await new Promise<number>((resolve, reject) => {
        let n = 0;
        const sock = connect({ host: lab.nsIp, port });
        sock.on('data', (d: Buffer) => (n += d.length));
        sock.on('end', () => resolve(n));
        sock.on('error', reject);
        sock.setTimeout(20_000, () => sock.destroy(new Error('transfer timed out')));
      });
      const seconds = (performance.now() - started) / 1000;
      expect(got).toBe(bytes);
      const kbit = (bytes * 8) / 1000 / seconds;
      // 500 kB at 2 Mbit/s is 2 s; the bucket lets its first 250 kbit through at line rate, and
      // headers cost ~3 %, so the payload rate sits a little under or over 2000 kbit/s.
      expect(kbit).toBeGreaterThan(1500);
      expect(kbit).toBeLessThan(2500);
    } finally {
      await lab.clearShape();
      await server.stop();
    }
  });

  it('replaces /etc files for the namespace: its resolver can be our DNS server on hostIp', async () => {
    const dns = await startDnsResponder({ host: lab.hostIp, port: 53, zone: { 'spine.lab.test': { A: ['192.0.2.10'] } } });
    try {
      lab.writeEtcFile('resolv.conf', `nameserver ${lab.hostIp}\noptions timeout:1 attempts:1\n`);
      lab.writeEtcFile('nsswitch.conf', 'hosts: files dns\n');
      const known = await lab.run('getent', ['ahostsv4', 'spine.lab.test']);
      expect(known.stdout).toMatch(/^192\.0\.2\.10\s/m);
      const unknown = await lab.run('getent', ['ahostsv4', 'missing.lab.test'], { allowFailure: true });
      expect(unknown.code).toBe(2);
      expect(dns.queries.map((q) => q.name)).toContain('missing.lab.test');
    } finally {
      await dns.stop();
    }
  });

  it('gives parallel labs different namespaces and subnets', async () => {
    const [a, b] = await Promise.all([createLab({ name: 'a' }), createLab({ name: 'b' })]);
    try {
      expect(new Set([a.ns, b.ns, lab.ns]).size).toBe(3);
      expect(new Set([a.subnet, b.subnet, lab.subnet]).size).toBe(3);
      expect((await pingBurst(a.nsIp, 2)).received).toBe(2);
      expect((await pingBurst(b.nsIp, 2)).received).toBe(2);
    } finally {
      await Promise.all([a.destroy(), b.destroy()]);
    }
    expect(await namespaces()).not.toContain(a.ns);
    expect(await links()).not.toContain(a.hostIf);
    expect(existsSync(join(SLOT_DIR, `slot-${a.slot}.json`))).toBe(false);
  });

  it('cleans up after a process that exits without destroy(), and after one killed with SIGKILL', async () => {
    const script = (exit: string) =>
      `import { createLab } from ${JSON.stringify(join(REPO, 'test/lab/lab.ts'))};` +
      `const lab = await createLab(); const p = lab.spawnInNs('sleep', ['30']); console.log(JSON.stringify({ ns: lab.ns, hostIf: lab.hostIf, pid: p.pid })); ${exit}`;
    const run = (exit: string) =>
      runCommand(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script(exit)], { cwd: REPO, allowFailure: true, timeoutMs: 20_000 });

    const [exited, killed] = await Promise.all([run('process.exit(0);'), run("process.kill(process.pid, 'SIGKILL');")]);
    const a = JSON.parse(exited.stdout) as { ns: string; hostIf: string; pid: number };
    expect(await namespaces()).not.toContain(a.ns);
    expect(await links()).not.toContain(a.hostIf);
    expect(isRunning(a.pid)).toBe(false);

    const k = JSON.parse(killed.stdout) as { ns: string; hostIf: string; pid: number };
    expect(await namespaces()).toContain(k.ns);
    // The next lab to start sweeps what the dead process left.
    const next = await createLab();
    await next.destroy();
    expect(await namespaces()).not.toContain(k.ns);
    expect(await links()).not.toContain(k.hostIf);
    expect(isRunning(k.pid)).toBe(false);
  });
});
