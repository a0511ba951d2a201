/**
 * A routed path in a box: namespaces agent → r1 → r2 → r3 (the target), joined by veth pairs
 * with ip_forward on the routers, plus a spare r2b (r1 → r2b → r3) to switch the path to, and a
 * veth from this machine to the agent namespace (a collector on `hostIp` is reachable from it).
 * Delay on the r1–r2 link is test/lab/tun-delay-wire.py (the kernel has no netem), loss is
 * nftables in r2. Addresses 10.219.N.0/24 (N from the PID); everything is removed by destroy().
 *
 *   hostIp 10.219.N.1 ─ agent .2 ─ .5 r1 .9 ─ .10 r2 .13 ─ .14 r3 (target .14)
 *                                     r1 .17 ─ .18 r2b .21 ─ .22 r3
 *
 * With delay, the r1–r2 link is the wire's two TUN devices (.9 ↔ .10 point-to-point) instead of a veth.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { runCommand } from './exec.ts';
import { TUN_DELAY_WIRE } from './delay-link.ts';

export const CHAIN_REQUIREMENTS = { files: ['/usr/sbin/ip', '/usr/sbin/nft', '/usr/bin/python3', '/usr/bin/mtr'], root: true };

export interface RouterChain {
  hostIp: string;
  agentNs: string;
  agentIp: string;
  /** Hop addresses on the way out: r1, r2, r3 (the target); r2b is the spare second hop. */
  r1: string;
  r2: string;
  r2b: string;
  target: string;
  /** Loss on r2 (every packet it receives, forwarded or not), percent 0..100. */
  setLossOnR2(percent: number): Promise<void>;
  /** Routes r1 → r3 (and r3 back) through r2b instead of r2. */
  switchToR2b(): Promise<void>;
  destroy(): Promise<void>;
}

export async function createRouterChain(opts: { delayMsOnR2Link?: number } = {}): Promise<RouterChain> {
  const n = 100 + (process.pid % 150);
  const net = `10.219.${n}`;
  const tag = `n3tc${n}`;
  const ns = { agent: `${tag}-a`, r1: `${tag}-r1`, r2: `${tag}-r2`, r2b: `${tag}-r2b`, r3: `${tag}-r3` };
  const created: string[] = [];
  let wire: ChildProcess | undefined;
  const ip = (...a: string[]): Promise<unknown> => runCommand('ip', a);
  const inNs = (n: string, ...a: string[]): Promise<unknown> => runCommand('ip', ['netns', 'exec', n, ...a]);
  const destroy = async (): Promise<void> => {
    if (wire?.pid !== undefined && wire.exitCode === null) {
      const gone = new Promise((r) => wire?.once('close', r));
      process.kill(wire.pid, 'SIGTERM');
      await gone;
    }
    for (const name of created.splice(0).reverse()) await runCommand('ip', ['netns', 'del', name], { allowFailure: true });
    await runCommand('ip', ['link', 'del', `${tag}h`], { allowFailure: true });
  };
  const link = async (a: string, aIf: string, aIp: string, b: string, bIf: string, bIp: string): Promise<void> => {
    // Created in place (`netns` on both ends): names like eth0 never meet this machine's own.
    await ip('link', 'add', aIf, ...(a === '' ? [] : ['netns', a]), 'type', 'veth', 'peer', 'name', bIf, 'netns', b);
    const on = (n: string) => (n === '' ? ip : (...x: string[]) => inNs(n, 'ip', ...x));
    await on(a)('addr', 'add', `${aIp}/30`, 'dev', aIf);
    await on(a)('link', 'set', aIf, 'up');
    await on(b)('addr', 'add', `${bIp}/30`, 'dev', bIf);
    await on(b)('link', 'set', bIf, 'up');
  };
  try {
    await runCommand('ip', ['link', 'del', `${tag}h`], { allowFailure: true });
    for (const name of Object.values(ns)) {
      await runCommand('ip', ['netns', 'del', name], { allowFailure: true });
      await ip('netns', 'add', name);
      created.push(name);
      await inNs(name, 'ip', 'link', 'set', 'lo', 'up');
      await inNs(name, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
    }
    await link('', `${tag}h`, `${net}.1`, ns.agent, 'eth0', `${net}.2`);
    await link(ns.agent, 'up0', `${net}.5`.replace(/\.5$/, '.6'), ns.r1, 'down0', `${net}.5`);
    if (opts.delayMsOnR2Link === undefined) {
      await link(ns.r1, 'to-r2', `${net}.9`, ns.r2, 'from-r1', `${net}.10`);
    } else {
      wire = spawn('/usr/bin/python3', [TUN_DELAY_WIRE, `${tag}w1`, `${tag}w2`, String(opts.delayMsOnR2Link)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      wire.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
      wire.stderr?.setEncoding('utf8').on('data', (d: string) => (out += d));
      const deadline = Date.now() + 5000;
      while (!/^ready$/m.test(out)) {
        if (wire.exitCode !== null || Date.now() > deadline) throw new Error(`tun-delay-wire did not start: ${out.trim()}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      await ip('link', 'set', `${tag}w1`, 'netns', ns.r1);
      await ip('link', 'set', `${tag}w2`, 'netns', ns.r2);
      await inNs(ns.r1, 'ip', 'addr', 'add', `${net}.9`, 'peer', `${net}.10`, 'dev', `${tag}w1`);
      await inNs(ns.r1, 'ip', 'link', 'set', `${tag}w1`, 'up');
      await inNs(ns.r2, 'ip', 'addr', 'add', `${net}.10`, 'peer', `${net}.9`, 'dev', `${tag}w2`);
      await inNs(ns.r2, 'ip', 'link', 'set', `${tag}w2`, 'up');
    }
    await link(ns.r2, 'to-r3', `${net}.13`, ns.r3, 'from-r2', `${net}.14`);
    await link(ns.r1, 'to-r2b', `${net}.17`, ns.r2b, 'from-r1', `${net}.18`);
    await link(ns.r2b, 'to-r3', `${net}.21`, ns.r3, 'from-r2b', `${net}.22`);
    // Routes: everything inside 10.219.N.0/24 only.
    await inNs(ns.agent, 'ip', 'route', 'add', `${net}.0/24`, 'via', `${net}.5`);
    await inNs(ns.r1, 'ip', 'route', 'add', `${net}.0/30`, 'via', `${net}.6`);
    await inNs(ns.r1, 'ip', 'route', 'add', `${net}.12/30`, 'via', `${net}.10`);
    for (const n of [ns.r2, ns.r2b]) await inNs(n, 'ip', 'route', 'add', `${net}.0/29`, 'via', n === ns.r2 ? `${net}.9` : `${net}.17`);
    await inNs(ns.r2b, 'ip', 'route', 'add', `${net}.12/30`, 'via', `${net}.22`);
    await inNs(ns.r3, 'ip', 'route', 'add', `${net}.0/29`, 'via', `${net}.13`);
  } catch (err) {
    await destroy();
    throw err;
  }
  return {
    hostIp: `${net}.1`,
    agentNs: ns.agent,
    agentIp: `${net}.2`,
    r1: `${net}.5`,
    r2: `${net}.10`,
    r2b: `${net}.18`,
    target: `${net}.14`,
    async setLossOnR2(percent) {
      await inNs(ns.r2, 'nft', 'add', 'table', 'inet', 'lab');
      await inNs(ns.r2, 'nft', 'flush', 'table', 'inet', 'lab');
      if (percent <= 0) return;
      await inNs(ns.r2, 'nft', 'add', 'chain', 'inet', 'lab', 'pre', '{ type filter hook prerouting priority 0 ; }');
      await inNs(
        ns.r2,
        'nft',
        'add',
        'rule',
        'inet',
        'lab',
        'pre',
        'ip',
        'protocol',
        'icmp',
        ...(percent >= 100 ? [] : ['numgen', 'random', 'mod', '100', '<', String(Math.round(percent))]),
        'drop',
      );
    },
    async switchToR2b() {
      await inNs(ns.r1, 'ip', 'route', 'replace', `${net}.12/30`, 'via', `${net}.18`);
      await inNs(ns.r3, 'ip', 'route', 'replace', `${net}.0/29`, 'via', `${net}.21`);
    },
    destroy,
  };
}
