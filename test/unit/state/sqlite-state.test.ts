// The SQLite driver of the state interface: placeholders, NULL for missing named values, RETURNING,
// transactions that commit, roll back and hold other statements until they end.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite } from '../../../collector/src/meta/db.ts';
import { SqliteState } from '../../../collector/src/meta/sqlite-state.ts';
import { isUniqueViolation } from '../../../collector/src/meta/state-db.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function open(): Promise<SqliteState> {
  const dir = mkdtempSync(join(tmpdir(), 'n3mon-state-'));
  dirs.push(dir);
  const file = join(dir, 'meta.db');
  const db = new SqliteState(openSqlite(file), { file });
  await db.migrate('t', { sqlite: ['CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, n INTEGER)'], postgres: [] });
  return db;
}

describe('the SQLite state driver', () => {
  it('binds ? and @name, missing named values as NULL, booleans as 0/1, and returns ids with RETURNING', async () => {
    const db = await open();
    const a = await db.get<{ id: number }>('INSERT INTO t (name, n) VALUES (?, ?) RETURNING id', ['a', true]);
    const b = await db.get<{ id: number }>('INSERT INTO t (name, n) VALUES (@name, @n) RETURNING id', { name: 'b' });
    expect([a?.id, b?.id]).toEqual([1, 2]);
    expect(await db.all('SELECT name, n FROM t ORDER BY id')).toEqual([
      { name: 'a', n: 1 },
      { name: 'b', n: null },
    ]);
    expect((await db.run('UPDATE t SET n = ? WHERE name <> ?', [5, 'zzz'])).changes).toBe(2);
    await expect(db.run('INSERT INTO t (name) VALUES (?)', ['a'])).rejects.toSatisfy(isUniqueViolation);
    await db.close();
  });

  it('a transaction commits, rolls back on a throw, and statements from outside wait for it', async () => {
    const db = await open();
    await expect(
      db.tx(async (tx) => {
        await tx.run('INSERT INTO t (name) VALUES (?)', ['gone']);
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(await db.all('SELECT name FROM t')).toEqual([]);
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const inTx = db.tx(async (tx) => {
      await tx.run('INSERT INTO t (name) VALUES (?)', ['first']);
      await gate;
      await tx.tx(async (inner) => inner.run('INSERT INTO t (name) VALUES (?)', ['joined']));
      order.push('tx');
    });
    const outside = db.run('INSERT INTO t (name) VALUES (?)', ['after']).then(() => order.push('outside'));
    await new Promise((r) => setTimeout(r, 20));
    release();
    await Promise.all([inTx, outside]);
    expect(order).toEqual(['tx', 'outside']);
    expect((await db.all<{ name: string }>('SELECT name FROM t ORDER BY id')).map((r) => r.name)).toEqual(['first', 'joined', 'after']);
    await db.close();
  });

  it('migrates each component once and refuses a newer schema', async () => {
    const db = await open();
    expect(await db.migrate('t', { sqlite: ['CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, n INTEGER)'], postgres: [] })).toBe(0);
    await expect(db.migrate('t', { sqlite: [], postgres: [] })).rejects.toThrow(/schema version 1 is newer than this n3mon \(0\)/);
    await db.close();
  });
});
