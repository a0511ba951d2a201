/** Run the built CLI (dist/cli.js) as a user would. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...opts.env }, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Start a long-running command; resolves once `ready` matches its stdout (or its stderr with
 * `readyOn: 'stderr'`, where e.g. `n3mon collector` prints the URL it listens on).
 */
export function startCli(
  args: string[],
  ready: RegExp,
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; readyOn?: 'stdout' | 'stderr' } = {},
): Promise<{ child: ChildProcess; stdout: () => string; stderr: () => string; match: RegExpMatchArray }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...opts.env }, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`not ready within ${opts.timeoutMs ?? 30_000} ms\nstdout: ${out}\nstderr: ${err}`));
    }, opts.timeoutMs ?? 30_000);
    let done = false;
    const check = (): void => {
      const m = done ? null : (opts.readyOn === 'stderr' ? err : out).match(ready);
      if (m === null) return;
      done = true;
      clearTimeout(timer);
      resolve({ child, stdout: () => out, stderr: () => err, match: m });
    };
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      check();
    });
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      check();
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before ready\nstdout: ${out}\nstderr: ${err}`));
    });
  });
}

/** Resolves with the exit code once the child has exited. */
export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/**
 * Stops a child started by startCli/spawn by its PID: SIGTERM, then SIGKILL after `graceMs`.
 * Resolves with the exit code (null when it had to be killed). Safe on a child already gone.
 */
export async function stopCli(child: ChildProcess, graceMs = 10_000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const done = exited(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    return await done;
  } finally {
    clearTimeout(timer);
  }
}

/** One pino log line of a spawned n3mon process, as parsed JSON (read the fields a test needs). */
export type LogLine = Record<string, unknown> & { level?: number; msg?: string; status?: number; message?: string };

/**
 * Spawns the built CLI with its pino log lines (stdout) kept, parsed, for the test to wait on;
 * stderr is ignored. The caller stops the child (stopCli, or kill in afterAll).
 */
export function spawnLogged(args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): { child: ChildProcess; logs: LogLine[] } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'ignore'], ...(opts.env === undefined ? {} : { env: opts.env }) });
  const logs: LogLine[] = [];
  let rest = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const l of lines) if (l.startsWith('{')) logs.push(JSON.parse(l) as LogLine);
  });
  return { child, logs };
}
