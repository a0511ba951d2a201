// Issue 11 point 4: dashboard sign-in limits against a real collector (`n3mon collector`, the built
// CLI) that trusts one proxy address, 127.0.0.2 (`listen.trustProxy`). Requests leave from chosen
// loopback source addresses: from 127.0.0.2 the X-Forwarded-For client counts, from 127.0.0.3 it is
// ignored. Only failures count; ten bad attempts delay that user from that client, for seconds, and
// the right password works after the delay; failures are logged and audited with address and name.
import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, startCli, stopCli } from '../../helpers/cli.ts';
import { waitFor } from '../../helpers/wait.ts';
import { openMeta } from '../../../collector/src/meta/index.ts';

const PROXY = '127.0.0.2';
const DIRECT = '127.0.0.3';
const PW = { admin: 'the admin password 1', desk: 'the desk password 1' };
let dir: string;
let child: ChildProcess | undefined;
let port: number;
let logs: () => string;

interface Answer {
  status: number;
  retryAfter: number | undefined;
  body: { code?: string };
}

/** POST /api/v1/session from `from` (a loopback source address), with X-Forwarded-For when given. */
function signIn(from: string, username: string, password: string, forwardedFor?: string): Promise<Answer> {
  const body = JSON.stringify({ username, password });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        localAddress: from,
        method: 'POST',
        path: '/api/v1/session',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...(forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor }),
        },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const ra = res.headers['retry-after'];
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: ra === undefined ? undefined : Number(ra),
            body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { code?: string },
          });
        });
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}

async function attempts(n: number, from: string, username: string, forwardedFor?: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await signIn(from, username, `wrong guess ${i}`, forwardedFor)).status);
  return out;
}

function logLines(msg: string): Array<{ ip?: string; username?: string }> {
  return logs()
    .split('\n')
    .filter((l) => l.includes(`"msg":"${msg}"`))
    .map((l) => JSON.parse(l) as { ip?: string; username?: string });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'n3mon-sign-in-'));
  const dataDir = join(dir, 'data');
  const config = join(dir, 'collector.json');
  writeFileSync(
    config,
    JSON.stringify({
      listen: { host: '127.0.0.1', port: 0, trustProxy: [PROXY] },
      dataDir,
      practices: [{ ods: 'A81001', name: 'Example Surgery', sites: [] }],
    }),
  );
  for (const [username, role] of [
    ['admin', 'admin'],
    ['desk', 'servicedesk'],
  ] as const) {
    const r = spawnSync(process.execPath, [CLI, 'user', 'create', '--username', username, '--role', role, '--data-dir', dataDir], {
      input: `${PW[username]}\n`,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
  }
  const started = await startCli(['collector', '--config', config], /"url":"http:\/\/127\.0\.0\.1:(\d+)"[^\n]*"msg":"collector listening"/, {
    timeoutMs: 120_000,
  });
  child = started.child;
  port = Number(started.match[1]);
  logs = started.stdout;
}, 180_000);

afterAll(async () => {
  if (child !== undefined) await stopCli(child);
  rmSync(dir, { recursive: true, force: true });
});

describe('dashboard sign-in limits', () => {
  it('successful sign-ins do not count', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 15; i++) codes.push((await signIn(DIRECT, 'admin', PW.admin)).status);
    expect(codes).toEqual(Array(15).fill(200));
  });

  it('behind the trusted proxy, two clients are limited separately; failures are logged and audited with the client address', async () => {
    expect(await attempts(10, PROXY, 'admin', '198.51.100.7')).toEqual(Array(10).fill(401));
    const held = await signIn(PROXY, 'admin', PW.admin, '198.51.100.7');
    expect(held.status).toBe(429);
    expect(held.body.code).toBe('N3MON_ERR_RATE_LIMITED');
    expect(held.retryAfter).toBeGreaterThan(0);
    // Another client behind the same proxy: its own record, so the right password works at once.
    expect((await signIn(PROXY, 'admin', PW.admin, '198.51.100.8')).status).toBe(200);
    // A proxy appends the client to what it was sent: the last address is the one it saw.
    expect((await signIn(PROXY, 'admin', PW.admin, '203.0.113.66, 198.51.100.9')).status).toBe(200);

    await waitFor(
      'ten failures logged',
      async () => (logLines('dashboard sign-in failed').filter((l) => l.ip === '198.51.100.7' && l.username === 'admin').length === 10 ? true : undefined),
      {
        timeoutMs: 10_000,
        intervalMs: 100,
      },
    );
    const meta = openMeta({ dataDir: join(dir, 'data') });
    try {
      const audited = await meta.audit.list({ action: 'session.fail', limit: 100, offset: 0 });
      expect(audited.items.filter((e) => e.from === '198.51.100.7' && e.target === 'user:admin')).toHaveLength(10);
    } finally {
      void meta.close();
    }
  });

  it("an untrusted source's X-Forwarded-For is ignored: its own address is limited", async () => {
    expect(await attempts(10, DIRECT, 'desk', '198.51.100.20')).toEqual(Array(10).fill(401));
    // A different X-Forwarded-For from the same untrusted source does not make a new client.
    expect((await signIn(DIRECT, 'desk', PW.desk, '198.51.100.21')).status).toBe(429);
    expect(
      logLines('dashboard sign-in failed')
        .filter((l) => l.username === 'desk')
        .every((l) => l.ip === DIRECT),
    ).toBe(true);
    // From the trusted proxy, a client of its own signs in.
    expect((await signIn(PROXY, 'desk', PW.desk, '198.51.100.22')).status).toBe(200);
  });

  it('ten bad attempts do not lock admin out for good: after the delay the right password works, and the record is cleared', async () => {
    const ok = await waitFor(
      'admin signed in from the delayed client',
      async () => {
        const r = await signIn(PROXY, 'admin', PW.admin, '198.51.100.7');
        if (r.status === 429) return undefined;
        return r;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(ok.status).toBe(200);
    // Cleared by the success: a wrong password is an ordinary 401 again, not a 429.
    expect(await attempts(3, PROXY, 'admin', '198.51.100.7')).toEqual([401, 401, 401]);
  }, 60_000);

  it('a very long user name is logged cut to 32 characters', async () => {
    const long = `x${'y'.repeat(63)}`;
    expect((await signIn(DIRECT, long, 'wrong guess')).status).toBe(401);
    const line = await waitFor('the failure logged', async () => logLines('dashboard sign-in failed').find((l) => l.username?.startsWith('xyyy')), {
      timeoutMs: 10_000,
      intervalMs: 100,
    });
    expect(line.username).toBe(`${long.slice(0, 32)}…`);
  });
});
