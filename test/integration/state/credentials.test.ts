/**
 * Agent tokens, API keys and enrolment codes (collector/src/meta/credentials.ts, enrolment.ts,
 * collector/src/auth/credentials.ts, collector/src/routes/enrolment/service.ts) on both state
 * engines: only hashes stored, verification and its refusals, expiry and rotation, codes used at
 * most their number of times, and two collectors sharing one database: a revoke through one is
 * refused by the other at its next check, and a code's last use goes to exactly one of them.
 */
import { describe, expect, it } from 'vitest';
import { createAgentToken, createApiKey, hashCredential, verifyAgentToken, verifyApiKey } from '../../../collector/src/auth/credentials.ts';
import { migrateConfigTemplates } from '../../../collector/src/config-templates/store.ts';
import { AgentRepo } from '../../../collector/src/meta/agents.ts';
import { CredentialRepo } from '../../../collector/src/meta/credentials.ts';
import { ENROLMENT_STATE_MIGRATIONS, EnrolmentRepo } from '../../../collector/src/meta/enrolment.ts';
import { PracticeRepo } from '../../../collector/src/meta/practices.ts';
import { CORE_STATE_MIGRATIONS } from '../../../collector/src/meta/schema.ts';
import { isUniqueViolation, type StateDb } from '../../../collector/src/meta/state-db.ts';
import { agentsOf, createEnrolmentCode, enrolWithCode, rotateCredential } from '../../../collector/src/routes/enrolment/service.ts';
import { isN3monError } from '../../../shared/src/errors.ts';
import { useStateBackends } from '../../helpers/state-backends.ts';

const backends = useStateBackends();

const T0 = 1_800_000_000_000;
const TTL = 90 * 86_400_000;
const HOUR = 3_600_000;

/** What the credential functions use of a Meta, over one StateDb (one collector). */
function collectorOn(db: StateDb) {
  return {
    state: db,
    practices: new PracticeRepo(db),
    agents: new AgentRepo(db),
    credentials: new CredentialRepo(db),
    enrolments: new EnrolmentRepo(db),
  };
}

async function migrated(db: StateDb): Promise<StateDb> {
  await db.migrate('core', CORE_STATE_MIGRATIONS);
  expect(await db.migrate('enrolment', ENROLMENT_STATE_MIGRATIONS)).toBe(1);
  expect(await db.migrate('enrolment', ENROLMENT_STATE_MIGRATIONS)).toBe(0);
  await migrateConfigTemplates(db);
  return db;
}

const usageCode = async (p: Promise<unknown>): Promise<string | undefined> =>
  p.then(
    () => undefined,
    (err: unknown) => (isN3monError(err) ? err.code : String(err)),
  );

describe.each(backends)('agent tokens and API keys on $name', (backend) => {
  it('creates the practice and agent with the first token and keeps only its hash', async () => {
    const db = await migrated(await backend.open());
    const c = collectorOn(db);
    const t = await createAgentToken(c, { practice: 'Y12345', agent: 'srv-1', now: T0 });
    expect(t.practiceCreated).toBe(true);
    expect(await c.practices.get('Y12345')).toMatchObject({ ods: 'Y12345', name: 'Y12345', source: 'cli', sites: [] });
    expect((await c.agents.list('Y12345')).map((a) => a.name)).toEqual(['srv-1']);
    const rows = await db.all<{ id: string; hash: Buffer }>('SELECT id, hash FROM agent_tokens');
    expect(rows).toHaveLength(1);
    expect(Buffer.isBuffer(rows[0]?.hash)).toBe(true);
    expect(rows[0]?.hash.equals(hashCredential(t.token))).toBe(true);
    expect(JSON.stringify(await db.all('SELECT * FROM agent_tokens'), (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : v))).not.toContain(
      t.token.slice(17),
    );
    expect((await createAgentToken(c, { practice: 'Y12345', agent: 'srv-2', now: T0 })).practiceCreated).toBe(false);
    expect(await usageCode(createAgentToken(c, { practice: 'a81001', agent: 'a' }))).toBe('N3MON_ERR_CLI_USAGE');
    expect(await usageCode(createAgentToken(c, { practice: 'A81001', agent: '-bad name' }))).toBe('N3MON_ERR_CLI_USAGE');
    expect(await c.practices.get('A81001')).toBeUndefined();
  });

  it('verifies a token, refuses malformed, unknown, forged, revoked and expired ones', async () => {
    const c = collectorOn(await migrated(await backend.open()));
    const t = await createAgentToken(c, { practice: 'A81001', agent: 'a', now: T0 });
    expect(await verifyAgentToken(c, t.token, T0)).toEqual({
      ok: true,
      value: { tokenId: t.id, practice: 'A81001', agent: 'a', expiresAt: null, createdAt: T0 },
    });
    expect(await verifyAgentToken(c, 'n3a_nonsense')).toEqual({ ok: false, reason: 'malformed' });
    expect(await verifyAgentToken(c, `${t.token.slice(0, 17)}${'A'.repeat(43)}`)).toEqual({ ok: false, reason: 'unknown' });
    expect(await verifyAgentToken(c, `n3a_${'0'.repeat(12)}_${'A'.repeat(43)}`)).toEqual({ ok: false, reason: 'unknown' });
    const short = await createAgentToken(c, { practice: 'A81001', agent: 'a', now: T0, expiresAt: T0 + HOUR });
    expect(await verifyAgentToken(c, short.token, T0 + HOUR - 1)).toMatchObject({ ok: true, value: { expiresAt: T0 + HOUR } });
    expect(await verifyAgentToken(c, short.token, T0 + HOUR)).toEqual({ ok: false, reason: 'expired' });
    expect(await c.credentials.revokeAgentToken(t.id, T0 + 1)).toBe(true);
    expect(await c.credentials.revokeAgentToken(t.id, T0 + 2)).toBe(false);
    expect(await verifyAgentToken(c, t.token, T0 + 3)).toEqual({ ok: false, reason: 'revoked' });
    expect(await c.credentials.agentToken(t.id)).toMatchObject({ revokedAt: T0 + 1 });
    expect(await c.credentials.agentToken('000000000000')).toBeUndefined();
  });

  it('lists tokens, finds the live ones, revokes an agent and shortens only', async () => {
    const c = collectorOn(await migrated(await backend.open()));
    const a1 = await createAgentToken(c, { practice: 'A81001', agent: 'srv1', now: T0 });
    const a2 = await createAgentToken(c, { practice: 'A81001', agent: 'srv1', now: T0 + 1, expiresAt: T0 + HOUR });
    const b = await createAgentToken(c, { practice: 'A81001', agent: 'srv2', now: T0 + 2 });
    const other = await createAgentToken(c, { practice: 'B82002', agent: 'srv1', now: T0 + 3 });
    expect((await c.credentials.agentTokens()).map((t) => t.id)).toEqual([a1.id, a2.id, b.id, other.id]);
    const ids = async (now: number, agent?: string) => (await c.credentials.liveAgentTokens('A81001', now, agent)).map((t) => t.id);
    expect(await ids(T0 + 10)).toEqual([a1.id, a2.id, b.id]);
    expect(await ids(T0 + 10, 'srv1')).toEqual([a1.id, a2.id]);
    expect(await ids(T0 + HOUR, 'srv1')).toEqual([a1.id]);
    // Shortening never lengthens: a2 keeps its hour; a1 (no expiry) gets one.
    await c.credentials.shortenAgentToken(a2.id, T0 + 2 * HOUR);
    await c.credentials.shortenAgentToken(a1.id, T0 + 2 * HOUR);
    expect((await c.credentials.agentToken(a2.id))?.expiresAt).toBe(T0 + HOUR);
    expect((await c.credentials.agentToken(a1.id))?.expiresAt).toBe(T0 + 2 * HOUR);
    expect(await c.credentials.revokeAgentTokens('A81001', 'srv1', T0 + 20)).toBe(2);
    expect(await c.credentials.revokeAgentTokens('A81001', 'srv1', T0 + 21)).toBe(0);
    expect(await ids(T0 + 30)).toEqual([b.id]);
    expect(await verifyAgentToken(c, other.token, T0 + 30)).toMatchObject({ ok: true });
  });

  it('makes API keys: servicedesk reads all, a practice key needs a known practice; revoke refuses it', async () => {
    const c = collectorOn(await migrated(await backend.open()));
    const desk = await createApiKey(c, { role: 'servicedesk', now: T0 });
    await expect(createApiKey(c, { role: 'practice', practice: 'A81001' })).rejects.toThrow(/not known/);
    expect(await usageCode(createApiKey(c, { role: 'practice' }))).toBe('N3MON_ERR_CLI_USAGE');
    expect(await usageCode(createApiKey(c, { role: 'servicedesk', practice: 'A81001' }))).toBe('N3MON_ERR_CLI_USAGE');
    await c.practices.ensure('A81001', T0);
    const own = await createApiKey(c, { role: 'practice', practice: 'A81001', label: 'surgery', now: T0 + 1 });
    expect(await verifyApiKey(c, desk.key)).toMatchObject({
      ok: true,
      value: { keyId: desk.id, role: 'servicedesk', practice: null, actor: `key:${desk.id}` },
    });
    expect(await verifyApiKey(c, own.key)).toMatchObject({ ok: true, value: { role: 'practice', practice: 'A81001', name: `key ${own.id} (surgery)` } });
    // An agent token is not an API key and the other way round.
    expect(await verifyApiKey(c, (await createAgentToken(c, { practice: 'A81001', agent: 'x' })).token)).toEqual({ ok: false, reason: 'malformed' });
    expect(await verifyAgentToken(c, desk.key)).toEqual({ ok: false, reason: 'malformed' });
    expect(await verifyApiKey(c, `${own.key.slice(0, 17)}${'A'.repeat(43)}`)).toEqual({ ok: false, reason: 'unknown' });
    expect((await c.credentials.apiKeys()).map((k) => [k.id, k.role, k.practice, k.label, k.createdAt, k.revokedAt])).toEqual([
      [desk.id, 'servicedesk', null, null, T0, null],
      [own.id, 'practice', 'A81001', 'surgery', T0 + 1, null],
    ]);
    expect((await c.credentials.apiKey(own.id))?.hash.equals(hashCredential(own.key))).toBe(true);
    expect(await c.credentials.revokeApiKey(own.id, T0 + 5)).toBe(true);
    expect(await c.credentials.revokeApiKey(own.id, T0 + 6)).toBe(false);
    expect(await verifyApiKey(c, own.key)).toEqual({ ok: false, reason: 'revoked' });
    expect(await c.credentials.apiKey('000000000000')).toBeUndefined();
  });
});

describe.each(backends)('enrolment codes on $name', (backend) => {
  it('are stored hashed, work the set number of times, and then say why not', async () => {
    const db = await migrated(await backend.open());
    const c = collectorOn(db);
    const { code, row } = await createEnrolmentCode(c, { practice: 'A81001', uses: 2, expiresInMs: HOUR, createdBy: 'cli:test', now: T0 });
    expect(await c.practices.get('A81001')).toMatchObject({ source: 'cli' });
    const stored = await db.all<{ hash: Buffer }>('SELECT * FROM enrolment_codes');
    expect(stored).toHaveLength(1);
    expect(stored[0]?.hash.equals(hashCredential(code))).toBe(true);
    expect(JSON.stringify(stored, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : v))).not.toContain(code.slice(4));
    const a = await enrolWithCode(c, { code, name: 'srv1', credentialTtlMs: TTL, now: T0 + 1 });
    const b = await enrolWithCode(c, { code, name: 'srv2', credentialTtlMs: TTL, now: T0 + 2 });
    const third = await enrolWithCode(c, { code, name: 'srv3', credentialTtlMs: TTL, now: T0 + 3 });
    if (!a.ok || !b.ok) throw new Error('the first two uses should work');
    expect(third).toMatchObject({ ok: false, reason: 'used' });
    expect(a.credential).toMatchObject({ practice: 'A81001', agent: 'srv1', expiresAt: T0 + 1 + TTL });
    expect(await c.enrolments.get(row.id)).toEqual({ ...row, uses: 2 });
    expect(await c.enrolments.byHash(hashCredential(code))).toEqual({ ...row, uses: 2 });
    expect(await verifyAgentToken(c, a.credential.token, T0 + 10)).toMatchObject({ ok: true });
    expect(await verifyAgentToken(c, a.credential.token, T0 + 1 + TTL)).toEqual({ ok: false, reason: 'expired' });
    expect(await c.agents.list('A81001')).toHaveLength(2);
  });

  it('refuse expired, revoked and unknown codes without using them', async () => {
    const c = collectorOn(await migrated(await backend.open()));
    const { code, row } = await createEnrolmentCode(c, { practice: 'A81001', expiresInMs: 60_000, createdBy: 'cli:test', now: T0 });
    expect(await enrolWithCode(c, { code, name: 's', credentialTtlMs: TTL, now: T0 + 60_000 })).toMatchObject({ ok: false, reason: 'expired' });
    const other = await createEnrolmentCode(c, { practice: 'A81001', expiresInMs: 60_000, createdBy: 'cli:test', now: T0 });
    expect(await c.enrolments.revoke(other.row.id, T0 + 1)).toBe(true);
    expect(await c.enrolments.revoke(other.row.id, T0 + 2)).toBe(false);
    expect(await enrolWithCode(c, { code: other.code, name: 's', credentialTtlMs: TTL, now: T0 + 2 })).toMatchObject({ ok: false, reason: 'revoked' });
    const unknown = await enrolWithCode(c, { code: 'n3e_AAAAAAAAAAAAAAAAAAAAAAAA', name: 's', credentialTtlMs: TTL, now: T0 });
    expect(unknown).toMatchObject({ ok: false, reason: 'unknown' });
    expect((await c.enrolments.get(row.id))?.uses).toBe(0);
    expect(await c.agents.list('A81001')).toEqual([]);
    expect(await c.credentials.agentTokens()).toEqual([]);
  });

  it('lists newest first, all or one practice; a code hash is unique', async () => {
    const c = collectorOn(await migrated(await backend.open()));
    const first = await createEnrolmentCode(c, { practice: 'A81001', expiresInMs: HOUR, createdBy: 'user:desk', now: T0 });
    const second = await createEnrolmentCode(c, { practice: 'B82002', uses: 5, expiresInMs: HOUR, createdBy: 'key:abc', now: T0 + 1 });
    expect((await c.enrolments.list()).map((r) => r.id)).toEqual([second.row.id, first.row.id]);
    expect(await c.enrolments.list('B82002')).toEqual([second.row]);
    expect(await c.enrolments.list('C83003')).toEqual([]);
    expect(await c.enrolments.get('nope')).toBeUndefined();
    const dup = c.enrolments.insert({ ...first.row, id: 'another', hash: hashCredential(first.code) });
    expect(
      await dup.then(
        () => 'stored',
        (err: unknown) => (isUniqueViolation(err) ? 'unique' : String(err)),
      ),
    ).toBe('unique');
  });

  it('refuse a name that still has a live credential, without using the code; after a revoke it is free', async () => {
    const c = collectorOn(await migrated(await backend.open()));
    const { code, row } = await createEnrolmentCode(c, { practice: 'A81001', uses: 2, expiresInMs: 60_000, createdBy: 'cli:test', now: T0 });
    expect(await enrolWithCode(c, { code, name: 'srv1', credentialTtlMs: TTL, now: T0 })).toMatchObject({ ok: true });
    const again = await enrolWithCode(c, { code, name: 'srv1', credentialTtlMs: TTL, now: T0 + 1 });
    expect(again).toMatchObject({ ok: false, reason: 'taken' });
    expect((await c.enrolments.get(row.id))?.uses).toBe(1);
    await c.credentials.revokeAgentTokens('A81001', 'srv1', T0 + 2);
    expect(await enrolWithCode(c, { code, name: 'srv1', credentialTtlMs: TTL, now: T0 + 3 })).toMatchObject({ ok: true });
  });

  it('rotation gives a new token; the old one works until the overlap ends; revoking the agent ends both', async () => {
    const c = collectorOn(await migrated(await backend.open()));
    const { code } = await createEnrolmentCode(c, { practice: 'A81001', expiresInMs: 60_000, createdBy: 'cli:test', now: T0 });
    const first = await enrolWithCode(c, { code, name: 'srv1', credentialTtlMs: TTL, now: T0 });
    if (!first.ok) throw new Error('enrol failed');
    const who = await verifyAgentToken(c, first.credential.token, T0 + 1000);
    if (!who.ok) throw new Error('verify failed');
    const next = await rotateCredential(c, who.value, { credentialTtlMs: TTL, overlapMs: 86_400_000, now: T0 + 1000 });
    expect(next).toMatchObject({ practice: 'A81001', agent: 'srv1', expiresAt: T0 + 1000 + TTL });
    expect(await verifyAgentToken(c, first.credential.token, T0 + 1000 + 86_399_999)).toMatchObject({ ok: true });
    expect(await verifyAgentToken(c, first.credential.token, T0 + 1000 + 86_400_000)).toEqual({ ok: false, reason: 'expired' });
    expect(await verifyAgentToken(c, next.token, T0 + 1000 + 86_400_000)).toMatchObject({ ok: true });
    await c.agents.noteClient('A81001', 'srv1', { version: '1.2.3', platform: 'linux-x64', address: '10.0.0.7' });
    const [view] = await agentsOf(c, 'A81001', T0 + 2000);
    expect(view).toMatchObject({
      name: 'srv1',
      version: '1.2.3',
      platform: 'linux-x64',
      address: '10.0.0.7',
      liveCredentials: 2,
      credential: { id: next.id, expiresAt: T0 + 1000 + TTL, ageMs: 1000 },
      config: null,
    });
    expect(await c.credentials.revokeAgentTokens('A81001', 'srv1', T0 + 3000)).toBe(2);
    expect((await agentsOf(c, 'A81001', T0 + 3000))[0]).toMatchObject({ credential: null, liveCredentials: 0 });
    expect(await verifyAgentToken(c, next.token, T0 + 3000)).toEqual({ ok: false, reason: 'revoked' });
  });
});

describe.each(backends)('two collectors sharing one state database on $name', (backend) => {
  it('a token, key or code revoked through one is refused by the other at its next check', async () => {
    const [da, dbB] = await backend.openTwo();
    const a = collectorOn(await migrated(da));
    const b = collectorOn(dbB);
    const token = await createAgentToken(a, { practice: 'A81001', agent: 'srv1', now: T0 });
    const key = await createApiKey(a, { role: 'practice', practice: 'A81001', now: T0 });
    const { code, row } = await createEnrolmentCode(a, { practice: 'A81001', uses: 3, expiresInMs: HOUR, createdBy: 'cli:test', now: T0 });
    // Both see them (A has just checked them too: nothing it learnt may outlive B's revoke).
    for (const c of [a, b]) {
      expect(await verifyAgentToken(c, token.token, T0 + 1)).toMatchObject({ ok: true });
      expect(await verifyApiKey(c, key.key)).toMatchObject({ ok: true });
    }
    expect(await b.credentials.revokeAgentToken(token.id, T0 + 2)).toBe(true);
    expect(await b.credentials.revokeApiKey(key.id, T0 + 2)).toBe(true);
    expect(await b.enrolments.revoke(row.id, T0 + 2)).toBe(true);
    expect(await verifyAgentToken(a, token.token, T0 + 3)).toEqual({ ok: false, reason: 'revoked' });
    expect(await verifyApiKey(a, key.key)).toEqual({ ok: false, reason: 'revoked' });
    expect(await enrolWithCode(a, { code, name: 'srv2', credentialTtlMs: TTL, now: T0 + 3 })).toMatchObject({ ok: false, reason: 'revoked' });
  });

  it("a code's last use goes to exactly one of two collectors enrolling at once", async () => {
    const [da, dbB] = await backend.openTwo();
    const a = collectorOn(await migrated(da));
    const b = collectorOn(dbB);
    const { code, row } = await createEnrolmentCode(a, { practice: 'A81001', uses: 1, expiresInMs: HOUR, createdBy: 'cli:test', now: T0 });
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => enrolWithCode(i % 2 === 0 ? a : b, { code, name: `srv${i}`, credentialTtlMs: TTL, now: T0 + 1 })),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).map((r) => (r.ok ? '' : r.reason))).toEqual(['used', 'used', 'used', 'used', 'used']);
    expect((await b.enrolments.get(row.id))?.uses).toBe(1);
    expect(await a.credentials.agentTokens()).toHaveLength(1);
    expect(await b.agents.list('A81001')).toHaveLength(1);
  });

  it('two servers enrolling one name at once through two collectors: one credential, the other is told the name is taken', async () => {
    const [da, dbB] = await backend.openTwo();
    const a = collectorOn(await migrated(da));
    const b = collectorOn(dbB);
    const { code, row } = await createEnrolmentCode(a, { practice: 'A81001', uses: 10, expiresInMs: HOUR, createdBy: 'cli:test', now: T0 });
    const results = await Promise.all(
      Array.from({ length: 4 }, (_, i) => enrolWithCode(i % 2 === 0 ? a : b, { code, name: 'srv1', credentialTtlMs: TTL, now: T0 + 1 })),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).map((r) => (r.ok ? '' : r.reason))).toEqual(['taken', 'taken', 'taken']);
    expect((await a.credentials.liveAgentTokens('A81001', T0 + 2, 'srv1')).length).toBe(1);
    expect((await b.enrolments.get(row.id))?.uses).toBe(1);
  });
});
