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

  it('syncs practices from the config without dropping those it does not list', () => {
    const meta = openMeta({ dataDir: tmp() });
    try {
      meta.practices.ensure('Y12345', 1);
      meta.practices.syncFromConfig([{ ods: 'A81001', name: 'Example Surgery', sites: [{ name: 'Main' }] }], 2);
      meta.practices.syncFromConfig(
        [
          { ods: 'A81001', name: 'Renamed', sites: [] },
          { ods: 'Y12345', name: 'Named now', sites: [] },
        ],
        3,
      );
      expect(meta.practices.list().map((p) => [p.ods, p.name, p.source])).toEqual([
        ['A81001', 'Renamed', 'config'],
        ['Y12345', 'Named now', 'config'],
      ]);
      expect(Object.isFrozen(meta.practices.list()[0])).toBe(true);
    } finally {
      meta.close();
    }
  });

  it('records a batch id once and the agent last-seen with it; prunes old ids', () => {
    const meta = openMeta({ dataDir: tmp() });
    try {
      meta.practices.ensure('A81001', 0);
      meta.agents.ensure('A81001', 'srv1', 0);
      const b = { practice: 'A81001', agent: 'srv1', batchId: 'b1', samples: 3, receivedAt: 1000 };
      expect(meta.batches.record(b)).toBe(true);
      expect(meta.batches.record({ ...b, receivedAt: 500 })).toBe(false);
      expect(meta.batches.has('A81001', 'srv1', 'b1')).toBe(true);
      expect(meta.batches.has('A81001', 'srv2', 'b1')).toBe(false);
      expect(meta.agents.list('A81001')).toEqual([
        { practice: 'A81001', name: 'srv1', createdAt: 0, lastSeen: 1000, version: null, platform: null, address: null },
      ]);
      expect(meta.batches.prune(1001)).toBe(1);
      expect(meta.batches.has('A81001', 'srv1', 'b1')).toBe(false);
    } finally {
      meta.close();
    }
  });
});
