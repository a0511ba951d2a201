import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openMeta, type StateDb } from '../../../collector/src/meta/index.ts';

const dirs: string[] = [];
const tmp = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'n3mon-meta-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('meta.db', () => {
  it('lets a component migrate its own tables once, step by step, and refuses a newer schema', async () => {
    const dir = tmp();
    const steps = { sqlite: ['CREATE TABLE alert_rules (id TEXT PRIMARY KEY)'], postgres: [] };
    let meta = openMeta({ dataDir: dir });
    expect(await meta.state.migrate('alerts', steps)).toBe(1);
    expect(await meta.state.migrate('alerts', steps)).toBe(0);
    const more = { sqlite: [...steps.sqlite, async (db: StateDb) => void (await db.run('INSERT INTO alert_rules VALUES (?)', ['r1']))], postgres: [] };
    expect(await meta.state.migrate('alerts', more)).toBe(1);
    await meta.close();
    meta = openMeta({ dataDir: dir });
    expect(await meta.state.all('SELECT id FROM alert_rules')).toEqual([{ id: 'r1' }]);
    await expect(meta.state.migrate('alerts', steps)).rejects.toThrow(/alerts schema version 2 is newer than this n3mon \(1\)/);
    expect(await meta.state.get('PRAGMA journal_mode')).toEqual({ journal_mode: 'wal' });
    await meta.close();
  });

  it('a failing step rolls the whole migration back', async () => {
    const meta = openMeta({ dataDir: tmp() });
    try {
      await expect(meta.state.migrate('x', { sqlite: ['CREATE TABLE a (v)', 'CREATE TABLE oops ('], postgres: [] })).rejects.toThrow();
      expect(await meta.state.get("SELECT count(*) AS n FROM sqlite_master WHERE name = 'a'")).toEqual({ n: 0 });
      expect(await meta.state.migrate('x', { sqlite: ['CREATE TABLE a (v)'], postgres: [] })).toBe(1);
    } finally {
      await meta.close();
    }
  });
  // Practices, agents, batch ids and the audit log: test/integration/state/core.test.ts (both engines).
});
