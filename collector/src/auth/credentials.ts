/**
 * Agent tokens and API keys. A credential is `<prefix><id>_<secret>`: `id` (12 hex digits) is
 * public — it names the row, shows in `token list` and is what `revoke` takes; `secret` is 32
 * random bytes (256 bits) in base64url. Only SHA-256 of the whole text is stored: a fast hash is
 * right for high-entropy secrets (no dictionary to brute-force), and lookup is by id, so the
 * hash comparison is the only secret-dependent step and is done in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { N3monError } from '../../../shared/src/errors.ts';
import type { Meta, StateDb } from '../meta/index.ts';
import { CredentialRepo, type ApiRole } from '../meta/credentials.ts';
import { PracticeRepo } from '../meta/practices.ts';
import { AgentRepo } from '../meta/agents.ts';
import { AgentNamePattern, OdsPattern } from '../config/schema.ts';

export const AGENT_TOKEN_PREFIX = 'n3a_';
export const API_KEY_PREFIX = 'n3k_';

const ID_HEX = 12;
const SECRET_BYTES = 32;
const SECRET_CHARS = 43; // base64url of 32 bytes, unpadded
const SHAPE = new RegExp(`^(n3[ak]_)([0-9a-f]{${ID_HEX}})_[A-Za-z0-9_-]{${SECRET_CHARS}}$`);
const odsRe = new RegExp(OdsPattern);
const agentRe = new RegExp(AgentNamePattern);

export interface Generated {
  id: string;
  /** The whole credential, shown once. */
  text: string;
  hash: Buffer;
}

export function hashCredential(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export function generateCredential(prefix: typeof AGENT_TOKEN_PREFIX | typeof API_KEY_PREFIX): Generated {
  const id = randomBytes(ID_HEX / 2).toString('hex');
  const text = `${prefix}${id}_${randomBytes(SECRET_BYTES).toString('base64url')}`;
  return { id, text, hash: hashCredential(text) };
}

/** The id of a well-formed credential with this prefix, else undefined. */
export function credentialId(text: string, prefix: string): string | undefined {
  const m = SHAPE.exec(text);
  return m !== null && m[1] === prefix ? m[2] : undefined;
}

/** Constant-time comparison of the stored hash with the hash of the presented text. */
export function hashMatches(stored: Buffer, text: string): boolean {
  const presented = hashCredential(text);
  return stored.length === presented.length && timingSafeEqual(stored, presented);
}

export function assertOds(ods: string): void {
  if (!odsRe.test(ods)) throw new N3monError('N3MON_ERR_CLI_USAGE', `practice: "${ods}" is not an ODS code (${OdsPattern}, e.g. A81001)`);
}

export interface CreatedAgentToken {
  token: string;
  id: string;
  practice: string;
  agent: string;
  /** True when the practice did not exist and was created (name = ODS code). */
  practiceCreated: boolean;
}

/**
 * Create an agent token for practice/agent. Creates the practice (name = its ODS code) and the
 * agent row when missing, in one transaction. The token is returned once; only its hash is stored.
 */
export async function createAgentToken(meta: Pick<Meta, 'state'>, req: AgentTokenRequest): Promise<CreatedAgentToken> {
  checkAgentTokenRequest(req);
  return meta.state.tx((tx) => createAgentTokenIn(tx, req));
}

export interface AgentTokenRequest {
  practice: string;
  agent: string;
  now?: number;
  expiresAt?: number | null;
}

function checkAgentTokenRequest(req: AgentTokenRequest): void {
  assertOds(req.practice);
  if (!agentRe.test(req.agent)) throw new N3monError('N3MON_ERR_CLI_USAGE', `agent: "${req.agent}" is not a valid agent name (${AgentNamePattern})`);
}

/** createAgentToken inside the caller's transaction (`tx`: the handle `state.tx()` gave it). */
export async function createAgentTokenIn(tx: StateDb, req: AgentTokenRequest): Promise<CreatedAgentToken> {
  checkAgentTokenRequest(req);
  const now = req.now ?? Date.now();
  const cred = generateCredential(AGENT_TOKEN_PREFIX);
  const practiceCreated = await new PracticeRepo(tx).ensure(req.practice, now);
  await new AgentRepo(tx).ensure(req.practice, req.agent, now);
  await new CredentialRepo(tx).insertAgentToken({
    id: cred.id,
    practice: req.practice,
    agent: req.agent,
    hash: cred.hash,
    createdAt: now,
    expiresAt: req.expiresAt ?? null,
  });
  return { token: cred.text, id: cred.id, practice: req.practice, agent: req.agent, practiceCreated };
}

export interface CreatedApiKey {
  key: string;
  id: string;
  role: ApiRole;
  practice: string | null;
}

/** Create a read-API key. A `practice` key needs a practice that exists in the state database. */
export async function createApiKey(
  meta: Pick<Meta, 'practices' | 'credentials'>,
  req: { role: ApiRole; practice?: string; label?: string; now?: number },
): Promise<CreatedApiKey> {
  if (req.role === 'practice') {
    if (req.practice === undefined) throw new N3monError('N3MON_ERR_CLI_USAGE', 'a practice key needs --practice ODS');
    assertOds(req.practice);
    if ((await meta.practices.get(req.practice)) === undefined) {
      throw new N3monError(
        'N3MON_ERR_NOT_FOUND',
        `practice ${req.practice} is not known: add it to the config's practices (and start the collector or pass --config), or create an agent token for it first`,
      );
    }
  } else if (req.practice !== undefined) {
    throw new N3monError('N3MON_ERR_CLI_USAGE', 'a servicedesk key sees every practice; leave out --practice');
  }
  const now = req.now ?? Date.now();
  const cred = generateCredential(API_KEY_PREFIX);
  const practice = req.role === 'practice' ? (req.practice ?? null) : null;
  await meta.credentials.insertApiKey({ id: cred.id, role: req.role, practice, label: req.label ?? null, hash: cred.hash, createdAt: now });
  return { key: cred.text, id: cred.id, role: req.role, practice };
}

export type Verified<T> = { ok: true; value: T } | { ok: false; reason: 'malformed' | 'unknown' | 'revoked' | 'expired' };

export interface AgentIdentity {
  tokenId: string;
  practice: string;
  agent: string;
  /** The token's expiry (epoch ms); null or absent: never. */
  expiresAt?: number | null;
  createdAt?: number;
}

/**
 * Who is using the read API: an API key or a dashboard user (admins read and write as the
 * service desk). `role` decides what it may do: `servicedesk` reads every practice and writes what
 * the service desk owns (maintenance windows, acknowledgements); `practice` reads one practice and
 * writes nothing of that.
 */
export interface Reader {
  keyId: string;
  role: ApiRole;
  /** The one practice a `practice` key may read; null for servicedesk. */
  practice: string | null;
  /** For the audit log: `key:<id>` or `user:<username>`. */
  actor: string;
  /** For people (who acknowledged): the user name, or `key <id>` with the key's label. */
  name: string;
  /** A dashboard admin (API keys are never admins): manages users, reads the audit log. */
  admin: boolean;
}

/** The Reader of a verified API key row. */
export function keyReader(row: { id: string; role: ApiRole; practice: string | null; label: string | null }): Reader {
  return {
    keyId: row.id,
    role: row.role,
    practice: row.practice,
    actor: `key:${row.id}`,
    admin: false,
    name: row.label === null ? `key ${row.id}` : `key ${row.id} (${row.label})`,
  };
}

/**
 * Check an agent token: one primary-key read of the state database and one SHA-256, no cache, so a
 * revoke through any collector sharing the database (or the CLI) is refused from the next request.
 */
export async function verifyAgentToken(meta: Pick<Meta, 'credentials'>, text: string, now: number = Date.now()): Promise<Verified<AgentIdentity>> {
  const id = credentialId(text, AGENT_TOKEN_PREFIX);
  if (id === undefined) return { ok: false, reason: 'malformed' };
  const row = await meta.credentials.agentToken(id);
  if (row === undefined || !hashMatches(row.hash, text)) return { ok: false, reason: 'unknown' };
  if (row.revokedAt !== null) return { ok: false, reason: 'revoked' };
  if (row.expiresAt !== null && now >= row.expiresAt) return { ok: false, reason: 'expired' };
  return { ok: true, value: { tokenId: row.id, practice: row.practice, agent: row.agent, expiresAt: row.expiresAt, createdAt: row.createdAt } };
}

/** Check an API key: like verifyAgentToken, read from the state database on every call (no cache). */
export async function verifyApiKey(meta: Pick<Meta, 'credentials'>, text: string): Promise<Verified<Reader>> {
  const id = credentialId(text, API_KEY_PREFIX);
  if (id === undefined) return { ok: false, reason: 'malformed' };
  const row = await meta.credentials.apiKey(id);
  if (row === undefined || !hashMatches(row.hash, text)) return { ok: false, reason: 'unknown' };
  if (row.revokedAt !== null) return { ok: false, reason: 'revoked' };
  return { ok: true, value: keyReader(row) };
}

/** May this reader see practice `ods`? */
export function canRead(reader: Reader, ods: string): boolean {
  return reader.role === 'servicedesk' || reader.practice === ods;
}

/** May this reader change what the service desk owns (maintenance windows, acknowledgements)? */
export function canWrite(reader: Reader): boolean {
  return reader.role === 'servicedesk';
}
