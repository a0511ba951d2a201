/**
 * A second path into a lab namespace with delay on every packet (TCP included): two TUN devices
 * joined by test/lab/tun-delay-wire.py, one end on this machine, the other moved into the lab's
 * namespace, addressed point-to-point with the two free addresses of the lab's /29 (+3 here, +4 in
 * the namespace). The kernel has no netem; this is the lab's delay for every protocol. Shape it
 * like the veth pair (tbf on `hostIf` for traffic into the namespace, `nsIf` out of it).
 *
 *   const path = await addDelayLink(lab, { delayMs: 20 });   // 20 ms each way: 40 ms more RTT
 *   try { … connect from the namespace to path.hostIp … } finally { await path.stop(); }
 *
 * The relay runs on this machine (not in the namespace); stop() kills it by PID, which removes
 * both devices. Traffic stays between this machine and the lab namespace.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runCommand } from './exec.ts';
import type { Lab } from './lab.ts';

export const TUN_DELAY_WIRE = fileURLToPath(new URL('./tun-delay-wire.py', import.meta.url));

export interface DelayLink {
  /** This machine's end: listen here, reach it from the namespace. */
  hostIp: string;
  /** The namespace's end. */
  nsIp: string;
  hostIf: string;
  nsIf: string;
  /** The relay's PID. */
  pid: number;
  /** tbf on both ends, as Lab.shape does for the veth pair (burst rate/8, at least 32 kbit; latency 400 ms). */
  shape(o: { rateKbit: number; burstKbit?: number; latencyMs?: number }): Promise<void>;
  /** Kills the relay (the devices go with it). Safe to call twice. */
  stop(): Promise<void>;
}

export async function addDelayLink(lab: Lab, opts: { delayMs: number; jitterMs?: number }): Promise<DelayLink> {
  const id = lab.slot.toString(36);
  const hostIf = `n3da-${id}`;
  const nsIf = `n3db-${id}`;
  const [a, b, c] = lab.hostIp.split('.').map(Number) as [number, number, number, number];
  const last = Number(lab.hostIp.split('.')[3]) - 1;
  const hostIp = `${a}.${b}.${c}.${last + 3}`;
  const nsIp = `${a}.${b}.${c}.${last + 4}`;
  const child = spawn('/usr/bin/python3', [TUN_DELAY_WIRE, hostIf, nsIf, String(opts.delayMs), String(opts.jitterMs ?? 0)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid ?? -1;
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const onExit = (): void => {
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  process.once('exit', onExit);
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.off('exit', onExit);
      if (child.exitCode === null && child.signalCode === null && pid > 0) {
        process.kill(pid, 'SIGTERM');
        const timer = setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 2000);
        await exited;
        clearTimeout(timer);
      }
    })();
    return stopping;
  };
  try {
    const deadline = Date.now() + 5000;
    while (!/^ready$/m.test(out)) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`tun-delay-wire did not start: ${out.trim()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await runCommand('ip', ['link', 'set', nsIf, 'netns', lab.ns]);
    await runCommand('ip', ['addr', 'add', hostIp, 'peer', nsIp, 'dev', hostIf]);
    await runCommand('ip', ['link', 'set', hostIf, 'up']);
    await lab.run('ip', ['addr', 'add', nsIp, 'peer', hostIp, 'dev', nsIf]);
    await lab.run('ip', ['link', 'set', nsIf, 'up']);
  } catch (err) {
    await stop();
    throw new Error(`lab ${lab.name}: delay link failed: ${(err as Error).message}`, { cause: err });
  }
  const shape = async (o: { rateKbit: number; burstKbit?: number; latencyMs?: number }): Promise<void> => {
    const burst = o.burstKbit ?? Math.max(32, Math.ceil(o.rateKbit / 8));
    const args = (dev: string): string[] => [
      'qdisc',
      'replace',
      'dev',
      dev,
      'root',
      'tbf',
      'rate',
      `${o.rateKbit}kbit`,
      'burst',
      `${burst}kbit`,
      'latency',
      `${o.latencyMs ?? 400}ms`,
    ];
    await runCommand('tc', args(hostIf));
    await lab.run('tc', args(nsIf));
  };
  return { hostIp, nsIp, hostIf, nsIf, pid, shape, stop };
}
