// `n3mon token …` and `n3mon apikey …` through the real dispatcher, on a real meta.db — also
// while a collector app has the same meta.db open.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../cli/index.ts';
import { openMeta } from '../../../collector/src/meta/index.ts';
import { verifyAgentToken, verifyApiKey } from '../../../collector/src/auth/credentials.ts';
import { bearer, rtt, startHarness } from './harness.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'n3mon-cli-'));
  dirs.push(d);
  return d;
}

async function n3mon(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (t) => (out += t), err: (t) => (err += t), env });
  return { code, out, err };
}

/** Every text and blob cell of every table, as text (to look for a leaked secret). */
function dumpDb(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
    return tables
      .flatMap((t) => db.prepare(`SELECT * FROM "${t}"`).raw().all() as unknown[][])
      .flat()
      .map((v) => (Buffer.isBuffer(v) ? `${v.toString('hex')} ${v.toString('latin1')}` : String(v)))
      .join('\n');
  } finally {
    db.close();
  }
}

describe('n3mon token', () => {
  it('create prints the token once on stdout; meta.db holds only its hash', async () => {
    const dir = tmp();
    const r = await n3mon(['token', 'create', '--practice', 'Y12345', '--agent', 'srv1', '--data-dir', dir]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^n3a_[0-9a-f]{12}_[A-Za-z0-9_-]{43}\n$/);
    const token = r.out.trim();
    expect(r.err).toContain('practice Y12345 created, named Y12345');
    expect(r.err).toContain('shown only this once');
    const dump = dumpDb(join(dir, 'meta.db'));
    expect(dump).not.toContain(token.slice(17));
    expect(dump).not.toContain(token.slice(17, 40));
    const list = await n3mon(['token', 'list', '--data-dir', dir]);
    expect(list.code).toBe(0);
    expect(list.out).toContain(token.slice(4, 16));
    expect(list.out).not.toContain(token.slice(17));
    expect(list.out.split('\n')[0]).toMatch(/^ID\s+PRACTICE\s+AGENT\s+CREATED\s+EXPIRES\s+REVOKED\s+AGENT LAST SEEN$/);
  });

  it('revoke makes the token useless at once', async () => {
    const dir = tmp();
    const token = (await n3mon(['token', 'create', '--practice', 'A81001', '--data-dir', dir])).out.trim();
    const id = token.slice(4, 16);
    const json = JSON.parse((await n3mon(['token', 'list', '--json', '--practice', 'A81001', '--data-dir', dir])).out);
    expect(json).toEqual([expect.objectContaining({ id, practice: 'A81001', agent: 'default', revokedAt: null, lastSeen: null })]);
    expect(await n3mon(['token', 'revoke', id, '--data-dir', dir])).toMatchObject({ code: 0, out: `token ${id} (agent default of A81001) revoked\n` });
    expect((await n3mon(['token', 'revoke', id, '--data-dir', dir])).out).toBe(`token ${id} was already revoked\n`);
    expect((await n3mon(['token', 'revoke', 'ffffffffffff', '--data-dir', dir])).code).toBe(1);
    const meta = openMeta({ dataDir: dir });
    try {
      expect(await verifyAgentToken(meta, token)).toEqual({ ok: false, reason: 'revoked' });
    } finally {
      void meta.close();
    }
  });

  it('reads the data dir from --config (and its practice names), or N3MON_DATA_DIR', async () => {
    const dir = tmp();
    const file = join(dir, 'collector.yaml');
    writeFileSync(file, `dataDir: ${JSON.stringify(join(dir, 'data'))}\npractices:\n  - { ods: A81001, name: Example Surgery }\n`);
    const r = await n3mon(['token', 'create', '--practice', 'A81001', '--config', file]);
    expect(r.code).toBe(0);
    expect(r.err).not.toContain('created');
    const meta = openMeta({ dataDir: join(dir, 'data') });
    try {
      expect((await meta.practices.get('A81001'))?.name).toBe('Example Surgery');
    } finally {
      void meta.close();
    }
    const viaEnv = await n3mon(['token', 'list', '--json'], { N3MON_DATA_DIR: join(dir, 'data') });
    expect(JSON.parse(viaEnv.out)).toHaveLength(1);
  });

  it('refuses bad usage with exit code 2', async () => {
    const dir = tmp();
    for (const args of [
      ['token', 'create', '--data-dir', dir],
      ['token', 'create', '--practice', 'a81001', '--data-dir', dir],
      ['token', 'create', '--practice', 'A81001', '--colour', 'red', '--data-dir', dir],
      ['token', 'create', '--practice', 'A81001', '--data-dir', dir, '--config', join(dir, 'x.yaml')],
      ['token', 'frobnicate'],
    ]) {
      const r = await n3mon(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toContain("Try 'n3mon token --help'.");
    }
    const help = await n3mon(['token', 'create', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('the practice is created with its ODS code as');
  });
});

describe('n3mon apikey', () => {
  it('creates servicedesk and practice keys, stored as hashes only', async () => {
    const dir = tmp();
    const desk = await n3mon(['apikey', 'create', '--role', 'servicedesk', '--label', 'grafana', '--data-dir', dir]);
    expect(desk.code).toBe(0);
    expect(desk.out).toMatch(/^n3k_[0-9a-f]{12}_[A-Za-z0-9_-]{43}\n$/);
    expect(await n3mon(['apikey', 'create', '--role', 'practice', '--data-dir', dir])).toMatchObject({ code: 2 });
    expect(await n3mon(['apikey', 'create', '--role', 'servicedesk', '--practice', 'A81001', '--data-dir', dir])).toMatchObject({ code: 2 });
    const unknown = await n3mon(['apikey', 'create', '--role', 'practice', '--practice', 'A81001', '--data-dir', dir]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('practice A81001 is not known');
    await n3mon(['token', 'create', '--practice', 'A81001', '--data-dir', dir]);
    const own = await n3mon(['apikey', 'create', '--role', 'practice', '--practice', 'A81001', '--data-dir', dir]);
    expect(own.code).toBe(0);
    const dump = dumpDb(join(dir, 'meta.db'));
    for (const k of [desk.out.trim(), own.out.trim()]) expect(dump).not.toContain(k.slice(17));
    const list = JSON.parse((await n3mon(['apikey', 'list', '--json', '--data-dir', dir])).out);
    expect(list.map((k: { role: string; practice: string | null; label: string | null }) => [k.role, k.practice, k.label])).toEqual([
      ['servicedesk', null, 'grafana'],
      ['practice', 'A81001', null],
    ]);
    const id = own.out.trim().slice(4, 16);
    expect((await n3mon(['apikey', 'revoke', id, '--data-dir', dir])).code).toBe(0);
    const meta = openMeta({ dataDir: dir });
    try {
      expect(await verifyApiKey(meta, own.out.trim())).toEqual({ ok: false, reason: 'revoked' });
      expect((await verifyApiKey(meta, desk.out.trim())).ok).toBe(true);
    } finally {
      void meta.close();
    }
  });
});

describe('CLI while the collector runs on the same meta.db', () => {
  it('a token created and revoked from the CLI works and stops working at once; a new practice appears', async () => {
    const h = await startHarness();
    try {
      const token = (await n3mon(['token', 'create', '--practice', 'A81001', '--agent', 'late', '--data-dir', h.dir])).out.trim();
      const body = (id: string) => ({ batchId: id, samples: [rtt('192.0.2.5', Date.now() - 1000, 1)] });
      expect((await h.app.inject({ method: 'POST', url: '/api/v1/ingest', headers: bearer(token), payload: body('cli-1') })).statusCode).toBe(200);
      await n3mon(['token', 'revoke', token.slice(4, 16), '--data-dir', h.dir]);
      expect((await h.app.inject({ method: 'POST', url: '/api/v1/ingest', headers: bearer(token), payload: body('cli-2') })).statusCode).toBe(401);
      const listed = JSON.parse((await n3mon(['token', 'list', '--json', '--data-dir', h.dir])).out);
      expect(listed.find((t: { agent: string }) => t.agent === 'late').lastSeen).toBeGreaterThan(Date.now() - 60_000);
      // A practice the CLI creates shows up in the (cached) overview of the running collector.
      const desk = await h.key('servicedesk');
      const before = (await h.app.inject({ method: 'GET', url: '/api/v1/practices', headers: bearer(desk) })).json();
      expect(before.items.map((p: { ods: string }) => p.ods)).not.toContain('C83003');
      await n3mon(['token', 'create', '--practice', 'C83003', '--data-dir', h.dir]);
      const after = (await h.app.inject({ method: 'GET', url: '/api/v1/practices', headers: bearer(desk) })).json();
      expect(after.items).toContainEqual({ ods: 'C83003', name: 'C83003', status: 'unknown', lastSeen: null, openAlerts: 0, sites: [] });
    } finally {
      await h.close();
    }
  });
});
