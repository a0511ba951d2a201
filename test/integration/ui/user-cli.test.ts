// `n3mon user …` as an operator runs it (the built CLI, a real meta.db): a password from stdin or
// generated and printed once, only a hash stored, list, set-role, disable, password.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../../helpers/cli.ts';
import { openMeta } from '../../../collector/src/meta/index.ts';
import { UserStore } from '../../../collector/src/ui/users.ts';
import { verifyPassword } from '../../../collector/src/ui/passwords.ts';

const dir = mkdtempSync(join(tmpdir(), 'n3mon-user-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function withStdin(args: string[], input: string) {
  const r = spawnSync(process.execPath, [CLI, ...args, '--data-dir', dir], { input, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const cli = (args: string[]) => runCli([...args, '--data-dir', dir]);

async function hashOf(username: string): Promise<string> {
  const meta = openMeta({ dataDir: dir });
  try {
    return (await (await UserStore.open(meta.state)).credentialsOf(username))?.hash ?? '';
  } finally {
    void meta.close();
  }
}

describe('n3mon user', () => {
  it('creates a user with a generated password, printed once on stdout', async () => {
    const r = await cli(['user', 'create', '--username', 'Jo.Bloggs', '--role', 'servicedesk']);
    expect(r.code, r.stderr).toBe(0);
    const password = r.stdout.trim();
    expect(password).toMatch(/^[A-Za-z0-9]{5}(-[A-Za-z0-9]{5}){3}$/);
    expect(r.stderr).toContain('user jo.bloggs (servicedesk) created. The password above is shown only this once.');
    expect(await verifyPassword(await hashOf('jo.bloggs'), password)).toBe(true);
  });

  it('takes the password from stdin (first line) and prints nothing secret', async () => {
    const r = withStdin(['user', 'create', '--username', 'ops', '--role', 'admin'], 'a long enough secret\nignored\n');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(await verifyPassword(await hashOf('ops'), 'a long enough secret')).toBe(true);
    const short = withStdin(['user', 'create', '--username', 'ops2', '--role', 'admin'], 'short\n');
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('password: must be at least 10 characters');
  });

  it('explains usage errors: role, practice, duplicates', async () => {
    const noRole = await cli(['user', 'create', '--username', 'x1']);
    expect(noRole.code).toBe(2);
    expect(noRole.stderr).toContain('--role must be one of admin, servicedesk, practice');
    const noPractice = await cli(['user', 'create', '--username', 'x2', '--role', 'practice']);
    expect(noPractice.stderr).toContain('a practice user needs --practice ODS');
    const unknown = await cli(['user', 'create', '--username', 'x3', '--role', 'practice', '--practice', 'ZZZ999']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('practice ZZZ999 is not known');
    const dup = await cli(['user', 'create', '--username', 'JO.BLOGGS', '--role', 'servicedesk']);
    expect(dup.stderr).toContain('"jo.bloggs" already exists');
  });

  it('lists, changes role, resets the password, disables and enables', async () => {
    const list = await cli(['user', 'list', '--json']);
    expect(JSON.parse(list.stdout).map((u: { username: string; role: string }) => `${u.username}:${u.role}`)).toEqual(['jo.bloggs:servicedesk', 'ops:admin']);
    expect((await cli(['user', 'set-role', '--username', 'jo.bloggs', '--role', 'admin'])).stdout).toBe('user jo.bloggs is now admin\n');
    const before = await hashOf('jo.bloggs');
    const pw = await cli(['user', 'password', '--username', 'jo.bloggs']);
    expect(pw.code).toBe(0);
    expect(await hashOf('jo.bloggs')).not.toBe(before);
    expect(await verifyPassword(await hashOf('jo.bloggs'), pw.stdout.trim())).toBe(true);
    expect((await cli(['user', 'disable', '--username', 'jo.bloggs'])).stdout).toContain('disabled');
    expect((await cli(['user', 'list'])).stdout).toMatch(/jo\.bloggs\s+admin\s+\*\s+\S+\s+\d{4}-/);
    expect((await cli(['user', 'enable', '--username', 'jo.bloggs'])).stdout).toContain('enabled');
  });
});
