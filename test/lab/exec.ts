/**
 * Running system tools for the lab: argv only (never a shell), bounded in time, output captured.
 */
import { spawn, spawnSync } from 'node:child_process';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Kill the command after this long (default 10 s). */
  timeoutMs?: number;
  /** Written to the command's stdin (e.g. an `nft -f -` script). */
  input?: string;
  /** Resolve with the result instead of rejecting when the exit code is not 0. */
  allowFailure?: boolean;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export class LabCommandError extends Error {
  readonly result: RunResult;
  constructor(argv: readonly string[], result: RunResult) {
    const why = result.signal !== null ? `killed by ${result.signal}` : `exit ${String(result.code)}`;
    super(`lab: \`${argv.join(' ')}\` failed (${why}): ${result.stderr.trim() || result.stdout.trim()}`);
    this.name = 'LabCommandError';
    this.result = result;
  }
}

export function runCommand(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env, cwd: opts.cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 10_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`lab: cannot run ${cmd}: ${err.message}`, { cause: err }));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const result: RunResult = { code, signal, stdout, stderr };
      if (code === 0 || opts.allowFailure === true) resolve(result);
      else reject(new LabCommandError([cmd, ...args], result));
    });
    // EPIPE when the command exits before reading stdin is reported by 'close' with its code.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** For exit handlers, which must be synchronous. Never throws; returns the exit code and stdout. */
export function runCommandSync(cmd: string, args: readonly string[]): { code: number | null; stdout: string } {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8', timeout: 5000 });
  return { code: r.status, stdout: r.stdout ?? '' };
}
