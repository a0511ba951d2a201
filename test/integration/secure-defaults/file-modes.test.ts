/**
 * The data directory and what is in it are private to the service user whatever the umask
 * (issue 11 point 5; shared/src/private-files.ts): the built CLI runs with umask 000 — the worst
 * case, where every default mode is world-writable — and the test reads the modes back.
 * `n3mon up` makes the collector's data dir (meta.db, series.db, their -wal/-shm, n3mon.log) and
 * the built-in agent's spool; `n3mon report --archive` the archive's month directories; an old
 * world-readable meta.db loses the others' bits when a command opens it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, stopCli } from '../../helpers/cli.ts';
import { waitFor } from '../../helpers/wait.ts';

/** Runs the built CLI under `umask 000`. */
function cliUmask000(args: string[]): ChildProcess {
  return spawn('/bin/sh', ['-c', 'umask 000 && exec "$0" "$@"', process.execPath, CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

async function runUmask000(args: string[]): Promise<{ code: number | null; out: string }> {
  const child = cliUmask000(args);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  return { code, out };
}

const modeOf = (p: string): string => (statSync(p).mode & 0o777).toString(8).padStart(4, '0');

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'n3mon-secure-modes-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('n3mon up under umask 000', () => {
  let child: ChildProcess | undefined;
  let data: string;
  beforeAll(async () => {
    data = join(root, 'nested', 'data');
    child = cliUmask000(['up', '--data-dir', data, '--port', '0']);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    // Up once the banner is printed and the built-in agent has opened its spool.
    await waitFor(
      'n3mon up and its agent spool',
      async () => (out.includes('n3mon is up') && existsSync(join(data, 'agent', 'spool.sqlite-wal')) ? true : undefined),
      {
        timeoutMs: 60_000,
        intervalMs: 100,
        describe: () => out,
      },
    );
  }, 90_000);
  afterAll(async () => {
    if (child !== undefined) await stopCli(child);
  });

  it('the data dir (and the parent it made) is 0700', () => {
    expect(modeOf(data)).toBe('0700');
    expect(modeOf(join(root, 'nested'))).toBe('0700');
  });

  it('databases, their WAL and shared-memory files, and the log are 0600', () => {
    for (const f of ['meta.db', 'meta.db-wal', 'meta.db-shm', 'series.db', 'series.db-wal', 'n3mon.log']) {
      expect(modeOf(join(data, f)), f).toBe('0600');
    }
  });

  it("the agent's spool dir is 0700 and its database 0600", () => {
    expect(modeOf(join(data, 'agent'))).toBe('0700');
    expect(modeOf(join(data, 'agent', 'spool.sqlite'))).toBe('0600');
    expect(modeOf(join(data, 'agent', 'spool.sqlite-wal'))).toBe('0600');
  });
});

describe('the report archive and an old database', () => {
  it('n3mon report --archive makes its month directories 0750', async () => {
    const data = join(root, 'archive-data');
    const r = await runUmask000(['report', '--archive', '--month', '2026-01', '--data-dir', data]);
    expect(r.code, r.out).toBe(0);
    expect(modeOf(data)).toBe('0700');
    expect(modeOf(join(data, 'meta.db'))).toBe('0600');
    expect(modeOf(join(data, 'reports'))).toBe('0750');
    expect(modeOf(join(data, 'reports', '2026-01'))).toBe('0750');
  });

  it('a world-readable meta.db made by an older n3mon loses the bits of others when opened', async () => {
    const data = join(root, 'old-data');
    mkdirSync(data, { mode: 0o755 });
    const apikey = await runUmask000(['apikey', 'create', '--role', 'servicedesk', '--data-dir', data]);
    expect(apikey.code, apikey.out).toBe(0);
    chmodSync(join(data, 'meta.db'), 0o666);
    writeFileSync(join(data, 'unrelated.txt'), 'x');
    chmodSync(join(data, 'unrelated.txt'), 0o644);
    const list = await runUmask000(['apikey', 'list', '--data-dir', data]);
    expect(list.code, list.out).toBe(0);
    expect(modeOf(join(data, 'meta.db'))).toBe('0640');
    // An existing directory and files n3mon does not own are left as the operator made them.
    expect(modeOf(data)).toBe('0755');
    expect(modeOf(join(data, 'unrelated.txt'))).toBe('0644');
  });
});
