/**
 * Credential rows: only hashes are stored. Generation and checking are in ../auth/credentials.ts.
 * Nothing is cached: every lookup reads the state database, so a revoke (through any collector
 * sharing the database, or the CLI) is refused by every collector from its next request.
 */
import type { StateDb } from './state-db.ts';

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

const TOKEN_COLS = 'id, practice, agent, hash, created_at, revoked_at, expires_at';
const KEY_COLS = 'id, role, practice, label, hash, created_at, revoked_at';

export class CredentialRepo {
  readonly #db: StateDb;

  constructor(db: StateDb) {
    this.#db = db;
  }

  /** The same repository over `tx` (a transaction's handle: `meta.state.tx(async (tx) => …)`). */
  in(tx: StateDb): CredentialRepo {
    return new CredentialRepo(tx);
  }

  async insertAgentToken(row: Omit<AgentTokenRow, 'revokedAt' | 'expiresAt'> & { expiresAt?: number | null }): Promise<void> {
    await this.#db.run(
      'INSERT INTO agent_tokens (id, practice, agent, hash, created_at, expires_at) VALUES (@id, @practice, @agent, @hash, @createdAt, @expiresAt)',
      { id: row.id, practice: row.practice, agent: row.agent, hash: row.hash, createdAt: row.createdAt, expiresAt: row.expiresAt ?? null },
    );
  }

  /** Make the token expire at `at` unless it expires sooner already (rotation's overlap). */
  async shortenAgentToken(id: string, at: number): Promise<void> {
    await this.#db.run('UPDATE agent_tokens SET expires_at = @at WHERE id = @id AND (expires_at IS NULL OR expires_at > @at)', { id, at });
  }

  /** Revoke every live token of an agent; how many. */
  async revokeAgentTokens(practice: string, agent: string, now: number): Promise<number> {
    const r = await this.#db.run('UPDATE agent_tokens SET revoked_at = ? WHERE practice = ? AND agent = ? AND revoked_at IS NULL', [now, practice, agent]);
    return r.changes;
  }

  async agentToken(id: string): Promise<AgentTokenRow | undefined> {
    const r = await this.#db.get<RawToken>(`SELECT ${TOKEN_COLS} FROM agent_tokens WHERE id = ?`, [id]);
    return r === undefined ? undefined : tokenRow(r);
  }

  async agentTokens(): Promise<AgentTokenRow[]> {
    return (await this.#db.all<RawToken>(`SELECT ${TOKEN_COLS} FROM agent_tokens ORDER BY practice, agent, created_at, id`)).map(tokenRow);
  }

  /** A practice's tokens (of one agent when `agent` is given) neither revoked nor expired at `now`, oldest first. */
  async liveAgentTokens(practice: string, now: number, agent?: string): Promise<AgentTokenRow[]> {
    const rows = await this.#db.all<RawToken>(
      `SELECT ${TOKEN_COLS} FROM agent_tokens
       WHERE practice = @practice AND (CAST(@agent AS TEXT) IS NULL OR agent = @agent)
         AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > @now)
       ORDER BY agent, created_at, id`,
      { practice, agent: agent ?? null, now },
    );
    return rows.map(tokenRow);
  }

  /** True when a live token was revoked now. */
  async revokeAgentToken(id: string, now: number): Promise<boolean> {
    return (await this.#db.run('UPDATE agent_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [now, id])).changes === 1;
  }

  async insertApiKey(row: Omit<ApiKeyRow, 'revokedAt'>): Promise<void> {
    await this.#db.run('INSERT INTO api_keys (id, role, practice, label, hash, created_at) VALUES (@id, @role, @practice, @label, @hash, @createdAt)', {
      id: row.id,
      role: row.role,
      practice: row.practice,
      label: row.label,
      hash: row.hash,
      createdAt: row.createdAt,
    });
  }

  async apiKey(id: string): Promise<ApiKeyRow | undefined> {
    const r = await this.#db.get<RawKey>(`SELECT ${KEY_COLS} FROM api_keys WHERE id = ?`, [id]);
    return r === undefined ? undefined : keyRow(r);
  }

  async apiKeys(): Promise<ApiKeyRow[]> {
    return (await this.#db.all<RawKey>(`SELECT ${KEY_COLS} FROM api_keys ORDER BY created_at, id`)).map(keyRow);
  }

  async revokeApiKey(id: string, now: number): Promise<boolean> {
    return (await this.#db.run('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [now, id])).changes === 1;
  }
}
