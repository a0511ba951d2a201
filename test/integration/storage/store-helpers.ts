/** Shared set-up for the SQLite store integration tests: a fresh store in a tmp dir. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../shared/src/log.ts';
import { openSqliteStore, type SqliteStoreOptions } from '../../../collector/src/storage/sqlite/index.ts';
import type { RetentionPolicy, SeriesStore } from '../../../collector/src/storage/types.ts';
import { rng } from '../../helpers/rng.ts';
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
  const open = (o: Partial<SqliteStoreOptions>): SeriesStore => openSqliteStore({ dir, retention: RETENTION, log: silentLogger(), synchronous: 'normal', ...opts, ...o });
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

