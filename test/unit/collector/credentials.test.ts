// Credential format and hashing. Storing, verifying and revoking them is in
// test/integration/state/credentials.test.ts (both state engines).
import { describe, expect, it } from 'vitest';
import {
  API_KEY_PREFIX,
  AGENT_TOKEN_PREFIX,
  canRead,
  credentialId,
  generateCredential,
  hashCredential,
  hashMatches,
  keyReader,
} from '../../../collector/src/auth/credentials.ts';

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

describe('readers', () => {
  it('a servicedesk key reads every practice, a practice key only its own', () => {
    const desk = keyReader({ id: 'a', role: 'servicedesk', practice: null, label: null });
    const own = keyReader({ id: 'b', role: 'practice', practice: 'A81001', label: 'surgery' });
    expect(canRead(desk, 'ZZZ999')).toBe(true);
    expect(canRead(own, 'A81001')).toBe(true);
    expect(canRead(own, 'B82002')).toBe(false);
    expect(own).toMatchObject({ actor: 'key:b', name: 'key b (surgery)', admin: false });
  });
});
