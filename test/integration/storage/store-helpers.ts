/** Shared set-up for the SQLite store integration tests: a fresh store in a tmp dir. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../shared/src/log.ts';
import { openSqliteStore, type SqliteStoreOptions } from '../../../collector/src/storage/sqlite/index.ts';
import type { RetentionPolicy, SeriesStore } from '../../../collector/src/storage/types.ts';
import { rng } from '../../helpers/rng.ts';
import { spawn } from 'node:child_process';
export { rng };

export const RETENTION: RetentionPolicy = { rawDays: 400, minuteDays: 400, hourDays: 800 };

export interface TmpStore {
  dir: string;
  store: SeriesStore;
  reopen(opts?: Partial<SqliteStoreOptions>): SeriesStore;
  cleanup(): Promise<void>;
}

export function tmpStore(opts: Partial<SqliteStoreOptions> = {}): TmpStore {
  const dir = mkdtempSync(join(tmpdir(), 'n3mon-store-'));
  const open = (o: Partial<SqliteStoreOptions>): SeriesStore =>
    openSqliteStore({ dir, retention: RETENTION, log: silentLogger(), synchronous: 'normal', ...opts, ...o });
  let first: SeriesStore;
  try {
    first = open({});
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const t: TmpStore = {
    dir,
    store: first,
    reopen(o = {}) {
      t.store = open(o);
      return t.store;
    },
    async cleanup() {
      await t.store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return t;
}

/**
 * Runs a writer script (`node --import tsx SCRIPT ...args`, printing `ack n` once write n is
 * acknowledged) until it has acknowledged `killAfter` writes, then SIGKILLs it; bounded by
 * `timeoutMs` whatever happens.
 */
export function runAndKill(
  script: string,
  args: readonly string[],
  killAfter: number,
  timeoutMs: number,
): Promise<{ acked: Set<number>; signal: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked = new Set<number>();
    let buf = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^ack (\d+)$/.exec(line);
        if (m !== null) acked.add(Number(m[1]));
      }
      if (acked.size >= killAfter && child.exitCode === null) child.kill('SIGKILL');
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve({ acked, signal, stderr });
    });
  });
}
