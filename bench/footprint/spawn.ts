/**
 * Starting and stopping the processes of bench/agent.ts: the built CLI (collector, agent) with
 * its output in a log file, ready when a line of its output matches.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';

export interface Started {
  child: ChildProcess;
  match: RegExpMatchArray;
  /** Log lines per pino level so far. */
  lines: Map<string, number>;
}

/** Spawns `node [nodeArgs] cli args`; resolves when `ready` matches a line of its stdout or stderr (which also go to logFile). */
export function startNode(
  args: string[],
  ready: RegExp,
  opts: { cli: string; nodeArgs?: string[]; logFile: string; timeoutMs?: number; started: ChildProcess[] },
): Promise<Started> {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), opts.cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  opts.started.push(child);
  const log = createWriteStream(opts.logFile);
  const lines = new Map<string, number>();
  const timeoutMs = opts.timeoutMs ?? 120_000;
  return new Promise((resolve, reject) => {
    let pending = '';
    let tail = '';
    let done = false;
    const timer = setTimeout(() => fail(`not ready within ${timeoutMs} ms`), timeoutMs);
    const fail = (why: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(new Error(`${args[0]} ${why}; its last output:\n${tail.trim() || '(none)'}`));
    };
    const onData = (d: Buffer): void => {
      log.write(d);
      tail = (tail + d.toString('utf8')).slice(-2000);
      pending += d.toString('utf8');
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) {
        const level = /"level":(\d+)/.exec(line)?.[1] ?? 'other';
        lines.set(level, (lines.get(level) ?? 0) + 1);
        const m = ready.exec(line);
        if (m !== null && !done) {
          done = true;
          clearTimeout(timer);
          resolve({ child, match: m, lines });
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (err) => fail(`could not start (${err.message})`));
    child.once('exit', (code, signal) => fail(`exited (${code ?? signal}) before it was ready`));
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child exited. */
export async function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
