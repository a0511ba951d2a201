import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openMeta } from '../../../collector/src/meta/index.ts';

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
  it('lets a component migrate its own tables once, step by step, and refuses a newer schema', () => {
    const dir = tmp();
    const steps = ['CREATE TABLE alert_rules (id TEXT PRIMARY KEY)'];
    let meta = openMeta({ dataDir: dir });
    expect(meta.migrate('alerts', steps)).toBe(1);
    expect(meta.migrate('alerts', steps)).toBe(0);
    const more = [...steps, (db: typeof meta.db) => db.prepare('INSERT INTO alert_rules VALUES (?)').run('r1')];
    expect(meta.migrate('alerts', more)).toBe(1);
    meta.close();
    meta = openMeta({ dataDir: dir });
    expect(meta.db.prepare('SELECT id FROM alert_rules').pluck().all()).toEqual(['r1']);
    expect(() => meta.migrate('alerts', steps)).toThrow(/alerts schema version 2 is newer than this n3mon \(1\)/);
    expect(meta.db.pragma('journal_mode', { simple: true })).toBe('wal');
    meta.close();
  });

  it('a failing step rolls the whole migration back', () => {
    const meta = openMeta({ dataDir: tmp() });
    try {
      expect(() => meta.migrate('x', ['CREATE TABLE a (v)', 'CREATE TABLE oops ('])).toThrow();
      expect(meta.db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'a'").pluck().get()).toBe(0);
      expect(meta.migrate('x', ['CREATE TABLE a (v)'])).toBe(1);
    } finally {
      meta.close();
    }
  });
  // Practices, agents, batch ids and the audit log: test/integration/state/core.test.ts (both engines).
});
