/**
 * One conformance suite, both state engines. Call useStateBackends() at the top level of a test
 * file and run the same cases on each:
 *
 *   const backends = useStateBackends();
 *   describe.each(backends)('the alert store on $name', (backend) => {
 *     it('…', async () => { const db = await backend.open(); … });
 *   });
 *
 * `open()` gives a fresh, empty StateDb: SQLite in a new file in a temp dir; PostgreSQL in a new
 * database of ONE private cluster per test file (./postgres-lab.ts), started on the first open.
 * `openTwo()` gives two handles on one fresh database (two collectors sharing it; SQLite: the
 * same handle twice, see below). Everything
 * opened is closed, the cluster destroyed and the temp dirs removed in afterAll. Without the
 * postgres binaries the postgres entry is left out locally (with a warning) and the file fails in
 * CI (the lab guard).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openSqlite } from '../../collector/src/meta/db.ts';
import { PostgresState, type PostgresStateOptions } from '../../collector/src/meta/postgres-state.ts';
import { SqliteState } from '../../collector/src/meta/sqlite-state.ts';
import type { StateDb } from '../../collector/src/meta/state-db.ts';
import { skipUnlessLab } from './lab-guard.ts';
import { PG_LAB_REQUIREMENTS, type PgLab, startPostgres } from './postgres-lab.ts';

export interface StateBackend {
  readonly name: 'sqlite' | 'postgres';
  /** A fresh, empty database. */
  open(): Promise<StateDb>;
  /** Two handles (connections / pools) on one fresh, empty database. */
  openTwo(): Promise<[StateDb, StateDb]>;
}

export interface StateBackendOptions {
  /** Pool settings for the postgres handles (poolMax, statementTimeoutMs, connectTimeoutMs, log). */
  postgres?: Omit<PostgresStateOptions, 'url' | 'host' | 'port' | 'database' | 'user' | 'password'>;
  /** Only these engines (default both). */
  only?: readonly ('sqlite' | 'postgres')[];
}

export function useStateBackends(opts: StateBackendOptions = {}): StateBackend[] {
  const opened: StateDb[] = [];
  const dirs: string[] = [];
  let lab: Promise<PgLab> | undefined;
  let seq = 0;

  afterAll(async () => {
    const problems: unknown[] = [];
    // Bounded: a handle stuck in a transaction a failed test left open must not keep the cluster alive.
    const closing = [...new Set(opened.splice(0))].map((db) => db.close().catch((err: unknown) => void problems.push(err)));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((r) => {
      timer = setTimeout(() => r(void problems.push(new Error('state backends: a handle did not close within 10 s'))), 10_000);
    });
    await Promise.race([Promise.all(closing), late]);
    clearTimeout(timer);
    // A lab that failed to start already failed the test that opened it; there is nothing to destroy.
    if (lab !== undefined) await (await lab.catch(() => undefined))?.destroy().catch((err: unknown) => problems.push(err));
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    if (problems.length > 0) throw new AggregateError(problems, 'state backends: clean-up failed');
  });

  const track = <T extends StateDb>(db: T): T => {
    opened.push(db);
    return db;
  };

  const sqliteFile = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'n3mon-state-'));
    dirs.push(dir);
    return join(dir, 'meta.db');
  };
  const sqlite: StateBackend = {
    name: 'sqlite',
    open: async () => {
      const file = sqliteFile();
      return track(new SqliteState(openSqlite(file), { file }));
    },
    // One handle twice: two better-sqlite3 connections in one process would deadlock as soon as
    // their transactions overlap (BEGIN IMMEDIATE busy-waits on the thread the other one needs to
    // finish). Several collectors on one SQLite file is not a deployment; the driver queues them.
    openTwo: async () => {
      const file = sqliteFile();
      const db = track(new SqliteState(openSqlite(file), { file }));
      return [db, db];
    },
  };

  const freshDatabase = async (): Promise<string> => {
    lab ??= startPostgres();
    const l = await lab;
    seq += 1;
    return l.url(await l.createDatabase(`n3mon_test_${process.pid}_${seq}`));
  };
  const postgres: StateBackend = {
    name: 'postgres',
    open: async () => track(new PostgresState({ ...opts.postgres, url: await freshDatabase() })),
    openTwo: async () => {
      const url = await freshDatabase();
      return [track(new PostgresState({ ...opts.postgres, url })), track(new PostgresState({ ...opts.postgres, url }))];
    },
  };

  const wanted = opts.only ?? ['sqlite', 'postgres'];
  const out: StateBackend[] = [];
  if (wanted.includes('sqlite')) out.push(sqlite);
  // skipUnlessLab throws in CI when the binaries are missing (the file fails), warns and skips locally.
  if (wanted.includes('postgres') && !skipUnlessLab(PG_LAB_REQUIREMENTS)) out.push(postgres);
  return out;
}
