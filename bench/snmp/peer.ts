/**
 * A peer process for the bench (snmp_exporter): started on 127.0.0.1, ready once it answers HTTP,
 * stopped by its PID (SIGTERM, SIGKILL after 2 s).
 */
import type { ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { createServer } from 'node:net';

export interface Peer {
  readonly pid: number;
  readonly port: number;
  output(): string;
  stop(): Promise<void>;
}

export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function answers(port: number, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: 500 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

export async function startPeer(opts: { name: string; spawn: () => ChildProcess; port: number; readyPath: string; timeoutMs?: number }): Promise<Peer> {
  const child = opts.spawn();
  let out = '';
  const append = (d: Buffer): void => {
    out = (out + d.toString('utf8')).slice(-16_384);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<void>((resolve) => {
    child.once('close', () => resolve());
    child.once('error', (err) => {
      out += `\n[spawn failed: ${err.message}]`;
      resolve();
    });
  });
  const alive = (): boolean => child.exitCode === null && child.signalCode === null && child.pid !== undefined;
  const stop = async (): Promise<void> => {
    if (alive()) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    }
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  while (Date.now() < deadline && alive()) {
    if (await answers(opts.port, opts.readyPath)) return { pid: child.pid as number, port: opts.port, output: () => out, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`${opts.name} ${alive() ? 'did not answer in time' : 'exited'}:\n${out.trim().slice(-2000)}`);
}
