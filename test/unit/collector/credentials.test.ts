import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  API_KEY_PREFIX,
  AGENT_TOKEN_PREFIX,
  canRead,
  createAgentToken,
  createApiKey,
  credentialId,
  generateCredential,
  hashCredential,
  hashMatches,
  verifyAgentToken,
  verifyApiKey,
} from '../../../collector/src/auth/credentials.ts';
import { openMeta, type Meta } from '../../../collector/src/meta/index.ts';
import { isN3monError } from '../../../shared/src/errors.ts';

let meta: Meta | undefined;
let dataDir: string | undefined;
afterEach(() => {
  meta?.close();
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
});
function freshMeta(): Meta {
  dataDir = mkdtempSync(join(tmpdir(), 'n3mon-cred-'));
  meta = openMeta({ dataDir });
  return meta;
}

describe('credential format and hashing', () => {
  it('makes prefixed credentials with a public id and 256 random bits', () => {
    const a = generateCredential(AGENT_TOKEN_PREFIX);
    const b = generateCredential(AGENT_TOKEN_PREFIX);
    expect(a.text).toMatch(/^n3a_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a.text.slice(17), 'base64url')).toHaveLength(32);
    expect(a.text).not.toBe(b.text);
    expect(credentialId(a.text, AGENT_TOKEN_PREFIX)).toBe(a.id);
    expect(credentialId(a.text, API_KEY_PREFIX)).toBeUndefined();
    expect(credentialId(`${a.text}x`, AGENT_TOKEN_PREFIX)).toBeUndefined();
  });

  it('stores SHA-256 of the whole text and compares it', () => {
    const a = generateCredential(API_KEY_PREFIX);
    // SHA-256 test vector (FIPS 180-2, "abc").
    expect(hashCredential('abc').toString('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(a.hash.equals(hashCredential(a.text))).toBe(true);
    expect(hashMatches(a.hash, a.text)).toBe(true);
    expect(hashMatches(a.hash, `${a.text.slice(0, -1)}${a.text.endsWith('A') ? 'B' : 'A'}`)).toBe(false);
  });
});

describe('agent tokens in meta.db', () => {
  it('creates the practice (named by its ODS code) and keeps only the hash', () => {
    const m = freshMeta();
    const t = createAgentToken(m, { practice: 'Y12345', agent: 'srv-1' });
    expect(t.practiceCreated).toBe(true);
    expect(m.practices.get('Y12345')).toMatchObject({ ods: 'Y12345', name: 'Y12345', source: 'cli', sites: [] });
    const rows = m.db.prepare('SELECT * FROM agent_tokens').all() as Record<string, unknown>[];
    expect(rows).toHaveLength(1);
    const dump = JSON.stringify(m.db.prepare('SELECT * FROM agent_tokens').raw().all(), (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : v));
    expect(dump).not.toContain(t.token.slice(17));
    expect((rows[0]?.hash as Buffer).equals(hashCredential(t.token))).toBe(true);
    expect(createAgentToken(m, { practice: 'Y12345', agent: 'srv-2' }).practiceCreated).toBe(false);
  });

  it('verifies, refuses unknown and wrong-secret tokens, and refuses revoked ones', () => {
    const m = freshMeta();
    const t = createAgentToken(m, { practice: 'A81001', agent: 'a' });
    expect(verifyAgentToken(m, t.token)).toMatchObject({ ok: true, value: { tokenId: t.id, practice: 'A81001', agent: 'a', expiresAt: null } });
    expect(verifyAgentToken(m, 'n3a_nonsense')).toEqual({ ok: false, reason: 'malformed' });
    const forged = `${t.token.slice(0, 17)}${'A'.repeat(43)}`;
    expect(verifyAgentToken(m, forged)).toEqual({ ok: false, reason: 'unknown' });
    expect(m.credentials.revokeAgentToken(t.id, 1)).toBe(true);
    expect(verifyAgentToken(m, t.token)).toEqual({ ok: false, reason: 'revoked' });
  });

  it('rejects a bad ODS code or agent name as a usage error', () => {
    const m = freshMeta();
    for (const req of [
      { practice: 'a81001', agent: 'a' },
      { practice: 'A81001', agent: '-bad name' },
    ]) {
      let code: string | undefined;
      try {
        createAgentToken(m, req);
      } catch (err) {
        code = isN3monError(err) ? err.code : 'other';
      }
      expect(code).toBe('N3MON_ERR_CLI_USAGE');
    }
  });
});

describe('API keys', () => {
  it('servicedesk reads all; a practice key only its practice, which must exist', () => {
    const m = freshMeta();
    const desk = createApiKey(m, { role: 'servicedesk' });
    expect(() => createApiKey(m, { role: 'practice', practice: 'A81001' })).toThrow(/not known/);
    m.practices.ensure('A81001', 0);
    const own = createApiKey(m, { role: 'practice', practice: 'A81001', label: 'surgery' });
    const d = verifyApiKey(m, desk.key);
    const p = verifyApiKey(m, own.key);
    if (!d.ok || !p.ok) throw new Error('keys should verify');
    expect(canRead(d.value, 'ZZZ999')).toBe(true);
    expect(canRead(p.value, 'A81001')).toBe(true);
    expect(canRead(p.value, 'B82002')).toBe(false);
    // An agent token is not an API key (and the other way round).
    expect(verifyApiKey(m, createAgentToken(m, { practice: 'A81001', agent: 'x' }).token)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyAgentToken(m, desk.key)).toEqual({ ok: false, reason: 'malformed' });
  });
});
