/** Credential rows: only hashes are stored. Generation and checking are in ../auth/credentials.ts. */
import type { SqliteDb } from './db.ts';

export type ApiRole = 'servicedesk' | 'practice';

export interface AgentTokenRow {
  id: string;
  practice: string;
  agent: string;
  hash: Buffer;
  createdAt: number;
  revokedAt: number | null;
  /** Epoch ms from which it is refused; null: never (tokens from `n3mon token create`). */
  expiresAt: number | null;
}

export interface ApiKeyRow {
  id: string;
  role: ApiRole;
  practice: string | null;
  label: string | null;
  hash: Buffer;
  createdAt: number;
  revokedAt: number | null;
}

interface RawToken {
  id: string;
  practice: string;
  agent: string;
  hash: Buffer;
  created_at: number;
  revoked_at: number | null;
  expires_at: number | null;
}
interface RawKey {
  id: string;
  role: ApiRole;
  practice: string | null;
  label: string | null;
  hash: Buffer;
  created_at: number;
  revoked_at: number | null;
}

const tokenRow = (r: RawToken): AgentTokenRow => ({
  id: r.id,
  practice: r.practice,
  agent: r.agent,
  hash: r.hash,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
  expiresAt: r.expires_at ?? null,
});
const keyRow = (r: RawKey): ApiKeyRow => ({
  id: r.id,
  role: r.role,
  practice: r.practice,
  label: r.label,
  hash: r.hash,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
});

export class CredentialRepo {
  readonly #insertToken;
  readonly #token;
  readonly #tokens;
  readonly #revokeToken;
  readonly #revokeAgent;
  readonly #shorten;
  readonly #insertKey;
  readonly #key;
  readonly #keys;
  readonly #revokeKey;

  constructor(db: SqliteDb) {
    this.#insertToken = db.prepare(
      'INSERT INTO agent_tokens (id, practice, agent, hash, created_at, expires_at) VALUES (@id, @practice, @agent, @hash, @createdAt, @expiresAt)',
    );
    this.#token = db.prepare<[string], RawToken>('SELECT * FROM agent_tokens WHERE id = ?');
    this.#tokens = db.prepare<[], RawToken>('SELECT * FROM agent_tokens ORDER BY practice, agent, created_at');
    this.#revokeToken = db.prepare('UPDATE agent_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
    this.#revokeAgent = db.prepare('UPDATE agent_tokens SET revoked_at = ? WHERE practice = ? AND agent = ? AND revoked_at IS NULL');
    this.#shorten = db.prepare('UPDATE agent_tokens SET expires_at = ? WHERE id = ? AND (expires_at IS NULL OR expires_at > ?)');
    this.#insertKey = db.prepare(
      'INSERT INTO api_keys (id, role, practice, label, hash, created_at) VALUES (@id, @role, @practice, @label, @hash, @createdAt)',
    );
    this.#key = db.prepare<[string], RawKey>('SELECT * FROM api_keys WHERE id = ?');
    this.#keys = db.prepare<[], RawKey>('SELECT * FROM api_keys ORDER BY created_at');
    this.#revokeKey = db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
  }

  insertAgentToken(row: Omit<AgentTokenRow, 'revokedAt' | 'expiresAt'> & { expiresAt?: number | null }): void {
    this.#insertToken.run({ ...row, expiresAt: row.expiresAt ?? null });
  }

  /** Make the token expire at `at` unless it expires sooner already (rotation's overlap). */
  shortenAgentToken(id: string, at: number): void {
    this.#shorten.run(at, id, at);
  }

  /** Revoke every live token of an agent; how many. */
  revokeAgentTokens(practice: string, agent: string, now: number): number {
    return this.#revokeAgent.run(now, practice, agent).changes;
  }

  agentToken(id: string): AgentTokenRow | undefined {
    const r = this.#token.get(id);
    return r === undefined ? undefined : tokenRow(r);
  }

  agentTokens(): AgentTokenRow[] {
    return this.#tokens.all().map(tokenRow);
  }

  /** True when a live token was revoked now. */
  revokeAgentToken(id: string, now: number): boolean {
    return this.#revokeToken.run(now, id).changes === 1;
  }

  insertApiKey(row: Omit<ApiKeyRow, 'revokedAt'>): void {
    this.#insertKey.run(row);
  }

  apiKey(id: string): ApiKeyRow | undefined {
    const r = this.#key.get(id);
    return r === undefined ? undefined : keyRow(r);
  }

  apiKeys(): ApiKeyRow[] {
    return this.#keys.all().map(keyRow);
  }

  revokeApiKey(id: string, now: number): boolean {
    return this.#revokeKey.run(now, id).changes === 1;
  }
}
