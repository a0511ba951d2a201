// The last good pulled config on disk: private whatever the umask, replaced atomically (no
// temporary file left, the old one intact until the rename), and a file that is not a pulled
// config is reported instead of run.
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lastGoodPath, readLastGood, writeLastGood } from '../../../../agent/src/config-pull/last-good.ts';

const dir = mkdtempSync(join(tmpdir(), 'n3mon-last-good-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = (version: number) => ({
  version,
  etag: `e${version}`,
  practice: 'A81001',
  checks: [{ kind: 'snmp', id: 'router', target: '127.0.0.1:16100', role: 'n3-gateway', version: '2c', community: 'c0mmunity' }],
  sources: ['template:baseline'],
});

describe('the last good pulled config file', () => {
  it('is written 0600 even under a permissive umask, and read back as it was sent', () => {
    const file = lastGoodPath(join(dir, 'spool'));
    const old = process.umask(0);
    try {
      writeLastGood(file, config(1));
    } finally {
      process.umask(old);
    }
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'spool')).mode & 0o777).toBe(0o700);
    expect(readLastGood(file)).toEqual({ kind: 'config', config: config(1) });
  });

  it('is replaced whole, leaving no temporary file, and keeps its mode', () => {
    const file = lastGoodPath(join(dir, 'spool'));
    writeFileSync(`${file}.${process.pid}.tmp`, 'stale, world-readable', { mode: 0o644 });
    writeLastGood(file, config(2));
    expect(readLastGood(file)).toEqual({ kind: 'config', config: config(2) });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, 'spool'))).toEqual(['pulled-config.json']);
  });

  it('says why a file cannot be used; a missing one is simply none', () => {
    expect(readLastGood(join(dir, 'nowhere', 'pulled-config.json'))).toEqual({ kind: 'none' });
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"version": 3, "checks": "no"');
    expect(readLastGood(bad)).toMatchObject({ kind: 'unreadable', reason: expect.stringContaining('is not JSON') });
    writeFileSync(bad, JSON.stringify({ ...config(3), etag: '' }));
    expect(readLastGood(bad)).toMatchObject({ kind: 'unreadable', reason: expect.stringContaining('etag') });
  });
});
