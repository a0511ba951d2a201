// Enrolment codes and credential rotation against a real meta.db (collector/src/routes/enrolment/service.ts).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openMeta, type Meta } from '../../../collector/src/meta/index.ts';
import { agentsOf, createEnrolmentCode, enrolWithCode, parseDuration, rotateCredential } from '../../../collector/src/routes/enrolment/service.ts';
import { verifyAgentToken } from '../../../collector/src/auth/credentials.ts';
import { agentUserAgent, parseAgentUserAgent } from '../../../shared/src/agent-credential.ts';
import { parseAgentConfig } from '../../../agent/src/config/load.ts';
import { isN3monError } from '../../../shared/src/errors.ts';

let meta: Meta | undefined;
let dir: string | undefined;
afterEach(() => {
  meta?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  meta = undefined;
  dir = undefined;
});
function fresh(): Meta {
  dir = mkdtempSync(join(tmpdir(), 'n3mon-enrolment-'));
  return (meta = openMeta({ dataDir: dir }));
}

const T0 = 1_800_000_000_000;
const TTL = 90 * 86_400_000;

describe('enrolment codes', () => {
  it('are stored hashed, work the set number of times, and then say why not', () => {
    const m = fresh();
    const { code, row } = createEnrolmentCode(m, { practice: 'A81001', uses: 2, expiresInMs: 3_600_000, createdBy: 'cli:test', now: T0 });
    expect(code).toMatch(/^n3e_[A-Za-z0-9_-]{24}$/);
    m.close();
    expect(readFileSync(join(dir as string, 'meta.db')).includes(Buffer.from(code))).toBe(false);
    meta = openMeta({ dataDir: dir as string });
    const a = enrolWithCode(meta, { code, name: 'srv1', credentialTtlMs: TTL, now: T0 + 1 });
    const b = enrolWithCode(meta, { code, name: 'srv2', credentialTtlMs: TTL, now: T0 + 2 });
    const c = enrolWithCode(meta, { code, name: 'srv3', credentialTtlMs: TTL, now: T0 + 3 });
    expect(a.ok && b.ok).toBe(true);
    expect(c).toMatchObject({ ok: false, reason: 'used' });
    expect(meta.enrolments.get(row.id)).toMatchObject({ uses: 2, maxUses: 2 });
    if (!a.ok) throw new Error('unreachable');
    expect(a.credential).toMatchObject({ practice: 'A81001', agent: 'srv1', expiresAt: T0 + 1 + TTL });
    expect(a.credential.renewAt).toBe(T0 + 1 + (TTL * 2) / 3);
    expect(verifyAgentToken(meta, a.credential.token, T0 + 10)).toMatchObject({ ok: true });
    expect(verifyAgentToken(meta, a.credential.token, T0 + 1 + TTL)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuse expired, revoked and unknown codes', () => {
    const m = fresh();
    const { code, row } = createEnrolmentCode(m, { practice: 'A81001', expiresInMs: 60_000, createdBy: 'cli:test', now: T0 });
    expect(enrolWithCode(m, { code, name: 's', credentialTtlMs: TTL, now: T0 + 60_000 })).toMatchObject({ ok: false, reason: 'expired' });
    const other = createEnrolmentCode(m, { practice: 'A81001', expiresInMs: 60_000, createdBy: 'cli:test', now: T0 });
    expect(m.enrolments.revoke(other.row.id, T0 + 1)).toBe(true);
    expect(enrolWithCode(m, { code: other.code, name: 's', credentialTtlMs: TTL, now: T0 + 2 })).toMatchObject({ ok: false, reason: 'revoked' });
    const unknown = enrolWithCode(m, { code: 'n3e_AAAAAAAAAAAAAAAAAAAAAAAA', name: 's', credentialTtlMs: TTL, now: T0 });
    expect(unknown).toMatchObject({ ok: false, reason: 'unknown' });
    expect(m.enrolments.get(row.id)?.uses).toBe(0);
  });

  it('refuse a name that still has a live credential, without using the code; after a revoke it is free', () => {
    const m = fresh();
    const { code, row } = createEnrolmentCode(m, { practice: 'A81001', uses: 2, expiresInMs: 60_000, createdBy: 'cli:test', now: T0 });
    expect(enrolWithCode(m, { code, name: 'srv1', credentialTtlMs: TTL, now: T0 })).toMatchObject({ ok: true });
    const again = enrolWithCode(m, { code, name: 'srv1', credentialTtlMs: TTL, now: T0 + 1 });
    expect(again).toMatchObject({ ok: false, reason: 'taken' });
    expect(!again.ok && again.message).toMatch(/n3mon agents revoke A81001\/srv1/);
    expect(m.enrolments.get(row.id)?.uses).toBe(1);
    m.credentials.revokeAgentTokens('A81001', 'srv1', T0 + 2);
    expect(enrolWithCode(m, { code, name: 'srv1', credentialTtlMs: TTL, now: T0 + 3 })).toMatchObject({ ok: true });
  });
});

describe('rotation and the agents list', () => {
  it('gives a new token; the old one works until the overlap ends; revoking the agent ends both', () => {
    const m = fresh();
    const { code } = createEnrolmentCode(m, { practice: 'A81001', expiresInMs: 60_000, createdBy: 'cli:test', now: T0 });
    const first = enrolWithCode(m, { code, name: 'srv1', credentialTtlMs: TTL, now: T0 });
    if (!first.ok) throw new Error('enrol failed');
    const who = verifyAgentToken(m, first.credential.token, T0 + 1000);
    if (!who.ok) throw new Error('verify failed');
    const next = rotateCredential(m, who.value, { credentialTtlMs: TTL, overlapMs: 86_400_000, now: T0 + 1000 });
    expect(next.token).not.toBe(first.credential.token);
    expect(verifyAgentToken(m, first.credential.token, T0 + 1000 + 86_399_999)).toMatchObject({ ok: true });
    expect(verifyAgentToken(m, first.credential.token, T0 + 1000 + 86_400_000)).toEqual({ ok: false, reason: 'expired' });
    expect(verifyAgentToken(m, next.token, T0 + 1000 + 86_400_000)).toMatchObject({ ok: true });

    m.agents.noteClient('A81001', 'srv1', { version: '1.2.3', platform: 'linux-x64', address: '10.0.0.7' });
    const [view] = agentsOf(m, 'A81001', T0 + 2000);
    expect(view).toMatchObject({
      name: 'srv1',
      version: '1.2.3',
      platform: 'linux-x64',
      address: '10.0.0.7',
      liveCredentials: 2,
      credential: { id: next.id, ageMs: 1000 },
    });
    expect(m.credentials.revokeAgentTokens('A81001', 'srv1', T0 + 3000)).toBe(2);
    expect(agentsOf(m, 'A81001', T0 + 3000)[0]).toMatchObject({ credential: null, liveCredentials: 0 });
    expect(verifyAgentToken(m, next.token, T0 + 3000)).toEqual({ ok: false, reason: 'revoked' });
  });
});

describe('the agent version and credential file, as both sides read them', () => {
  it('User-Agent round-trips; other clients are not agents', () => {
    expect(parseAgentUserAgent(agentUserAgent('0.1.0', 'win32', 'x64'))).toEqual({ version: '0.1.0', platform: 'win32-x64' });
    expect(parseAgentUserAgent('curl/8.5.0')).toBeUndefined();
    expect(parseAgentUserAgent(undefined)).toBeUndefined();
  });

  it('an agent config names exactly one of collector.token and collector.tokenFile', () => {
    const checks = [{ kind: 'host' }];
    const problem = (collector: object): string => {
      try {
        parseAgentConfig({ collector: { url: 'http://127.0.0.1:1', ...collector }, checks }, 't');
        return 'ok';
      } catch (err) {
        return isN3monError(err) ? err.message : String(err);
      }
    };
    expect(problem({ tokenFile: '/etc/n3mon/agent.token' })).toBe('ok');
    expect(problem({})).toMatch(/give exactly one of token .* and tokenFile/);
    expect(problem({ token: 'x'.repeat(20), tokenFile: '/etc/n3mon/agent.token' })).toMatch(/exactly one/);
    expect(parseDuration('24h')).toBe(86_400_000);
    expect(parseDuration('90m')).toBe(5_400_000);
    expect(parseDuration('1 week')).toBeUndefined();
  });
});
