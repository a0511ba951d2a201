/**
 * The ping helper (Linux): one long-lived `/bin/sh` that starts the ping process of every icmp
 * burst, so the agent never forks itself per burst.
 *
 * Why (docs/performance.md, "Agent footprint"): a fork of the agent — a ~70 MB Node process —
 * costs it 4–9 ms of CPU on the reference machine (page tables copied, TLB shoot-downs, then a
 * copy-on-write fault on every page it writes next), and 20 targets every 30 s are 40 forks a
 * minute, a quarter of the agent's 2 % budget. The same burst started by a 1.7 MB dash costs
 * about 1 ms in the agent and 1 ms in the shell.
 *
 * Protocol, one line each way per burst:
 * - agent → helper: `ID ARG0 ARG1 …`. No argument may hold whitespace (refused here; the icmp
 *   schema's target pattern already forbids it) and globbing is off (`set -f`), so the shell's
 *   word splitting gives back exactly the arguments.
 * - The helper runs the command in a background subshell — stdin /dev/null, stdout and stderr
 *   to DIR/ID — and when it ends writes `ID EXIT_CODE`: a few bytes, one write(2) to a pipe, so
 *   the lines of bursts that end together never interleave.
 * - The agent reads DIR/ID, removes it and settles the burst.
 * A burst's subshell holds the helper's stdout, so it still reports if the helper itself died
 * meanwhile; the next burst starts a new helper (with its own DIR). The helper leads its own
 * process group: `close()` ends it and every burst in flight with one signal. When its stdin
 * closes without that — the agent exited or was killed — it lets the bursts end and removes DIR.
 * An idle helper does not keep the agent's event loop alive.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const SCRIPT = [
  'set -f',
  'dir=$1',
  'while IFS= read -r line; do',
  '  set -- $line',
  '  id=$1',
  '  shift',
  '  ( "$@" </dev/null >"$dir/$id" 2>&1; echo "$id $?" ) &',
  'done',
  // stdin closed: the agent is gone (even killed) or closing. Let the bursts end, leave no files.
  'wait',
  'rm -rf -- "$dir"',
].join('\n');

/** The shell's $0: how the helper shows in `ps` and /proc/PID/cmdline. */
export const HELPER_NAME = 'n3mon-ping-helper';

export type HelperRun = { ok: true; exitCode: number; output: string } | { ok: false; message: string };

export interface PingHelperOptions {
  /** The POSIX shell to run (default /bin/sh). */
  shell?: string;
  /** The helper's environment, which its commands inherit (default: the agent's, with LANG and LC_ALL C). */
  env?: NodeJS.ProcessEnv;
  /** Where the helper's private output directory is made (default the OS temp dir). */
  tmpDir?: string;
}

interface Generation {
  child: ChildProcess;
  dir: string;
  pending: Map<string, (r: HelperRun) => void>;
  stderr: string;
  exited?: string;
}

type Refable = { ref(): void; unref(): void };

/** Keep the event loop alive only while a burst is in flight. */
function holdLoop(gen: Generation, hold: boolean): void {
  for (const h of [gen.child, gen.child.stdin, gen.child.stdout, gen.child.stderr] as unknown as (Refable | null)[]) {
    if (h !== null) (hold ? h.ref : h.unref).call(h);
  }
}

export class PingHelper {
  readonly #opts: PingHelperOptions;
  #gen: Generation | undefined;
  #nextId = 1;
  #closed = false;

  constructor(opts: PingHelperOptions = {}) {
    this.#opts = opts;
  }

  /** PID of the helper shell while one runs (it leads its own process group). */
  get pid(): number | undefined {
    return this.#gen?.child.pid;
  }

  /** Runs argv (argv[0] looked up in the helper's PATH) and settles with its exit code and output. Never rejects. */
  run(argv: readonly string[]): Promise<HelperRun> {
    if (this.#closed) return Promise.resolve({ ok: false, message: 'the ping helper is closed (the agent is stopping)' });
    const bad = argv.find((a) => a === '' || /[\s\0]/.test(a));
    if (argv.length === 0 || bad !== undefined)
      return Promise.resolve({ ok: false, message: `ping helper: argument ${JSON.stringify(bad ?? '')} is empty or holds whitespace` });
    let gen: Generation;
    try {
      gen = this.#gen ?? this.#start();
    } catch (err) {
      return Promise.resolve({ ok: false, message: `ping helper could not start: ${(err as Error).message}` });
    }
    const id = String(this.#nextId++);
    return new Promise((resolve) => {
      gen.pending.set(id, resolve);
      holdLoop(gen, true);
      gen.child.stdin?.write(`${id} ${argv.join(' ')}\n`);
    });
  }

  /** Ends the helper and every burst in flight (their runs settle not-ok at once); later runs are refused. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const gen = this.#gen;
    this.#gen = undefined;
    if (gen === undefined) return;
    if (gen.exited === undefined && gen.child.pid !== undefined) {
      try {
        process.kill(-gen.child.pid, 'SIGTERM');
      } catch (err) {
        // ESRCH: the group is already gone.
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
      }
    }
    this.#end(gen, 'the ping helper was closed (the agent is stopping)');
  }

  #start(): Generation {
    const dir = mkdtempSync(join(this.#opts.tmpDir ?? tmpdir(), 'n3mon-ping-'));
    const shell = this.#opts.shell ?? '/bin/sh';
    const child = spawn(shell, ['-c', SCRIPT, HELPER_NAME, dir], {
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
      env: this.#opts.env ?? { ...process.env, LANG: 'C', LC_ALL: 'C' },
    });
    const gen: Generation = { child, dir, pending: new Map(), stderr: '' };
    this.#gen = gen;
    // EPIPE when the helper is gone: its exit and the close of its stdout report that.
    child.stdin.on('error', () => undefined);
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      gen.stderr = (gen.stderr + d).slice(-500);
    });
    createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => this.#reported(gen, line));
    const gone = (why: string): void => {
      gen.exited ??= why;
      if (this.#gen === gen) this.#gen = undefined;
    };
    child.once('error', (err) => {
      gone(`cannot start ${shell}: ${err.message}`);
      this.#end(gen, `ping helper: cannot start ${shell}: ${err.message}`);
    });
    child.once('exit', (code, signal) => gone(signal === null ? `exit code ${code}` : `signal ${signal}`));
    // Every writer of stdout (the helper and its bursts' subshells) is gone: what has not reported never will.
    child.stdout.once('close', () => {
      const stderr = gen.stderr.trim();
      this.#end(gen, `the ping helper ended (${gen.exited ?? 'stdout closed'}) before the burst reported${stderr === '' ? '' : `: ${stderr}`}`);
    });
    return gen;
  }

  #reported(gen: Generation, line: string): void {
    const m = /^(\d+) (\d+)$/.exec(line);
    if (m === null) return; // nothing else writes to the helper's stdout: commands write to files
    const id = m[1] as string;
    const settle = gen.pending.get(id);
    if (settle === undefined) return;
    gen.pending.delete(id);
    if (gen.pending.size === 0) holdLoop(gen, false);
    const file = join(gen.dir, id);
    let result: HelperRun;
    try {
      const output = readFileSync(file, 'utf8');
      unlinkSync(file);
      result = { ok: true, exitCode: Number(m[2]), output };
    } catch (err) {
      const stderr = gen.stderr.trim();
      result = {
        ok: false,
        message: `ping helper: the burst's output is gone (${(err as Error).message})${stderr === '' ? '' : `; the helper said: ${stderr}`}`,
      };
    }
    settle(result);
  }

  #end(gen: Generation, message: string): void {
    gen.child.stdin?.end();
    for (const settle of gen.pending.values()) settle({ ok: false, message });
    gen.pending.clear();
    holdLoop(gen, false);
    rmSync(gen.dir, { recursive: true, force: true });
  }
}

let shared: { helper: PingHelper; users: number } | undefined;

/** The agent's one helper, shared by every icmp check; each acquire is matched by one release. */
export function acquireSharedHelper(): PingHelper {
  shared ??= { helper: new PingHelper(), users: 0 };
  shared.users++;
  return shared.helper;
}

/** The last release closes the helper; the next acquire starts a new one. */
export function releaseSharedHelper(): void {
  if (shared === undefined) return;
  shared.users--;
  if (shared.users > 0) return;
  shared.helper.close();
  shared = undefined;
}
