/**
 * Enrolment codes (one-time codes a practice server exchanges for its agent token) and what the
 * collector knows of each agent beyond core's `agents` row: its version and platform (from its
 * User-Agent), the address it last pushed from, and each token's expiry. Own migration component
 * (`enrolment`), so core's steps stay core's. Codes are stored as SHA-256 only.
 */
import type { ComponentMigrations, StateDb } from './state-db.ts';

/** The SQLite steps (released: append only). Plain SQL, so both migrate() paths run them. */
export const ENROLMENT_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE enrolment_codes (
    id TEXT PRIMARY KEY,                          -- public: list and revoke take it
    practice TEXT NOT NULL REFERENCES practices (ods),
    hash BLOB NOT NULL UNIQUE,                    -- SHA-256 of the code; the code itself is never stored
    max_uses INTEGER NOT NULL CHECK (max_uses >= 1),
    uses INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER,
    created_by TEXT NOT NULL                      -- audit actor: user:<name> | key:<id> | cli:<OS user>
  );
  CREATE INDEX enrolment_codes_practice ON enrolment_codes (practice, created_at);
  ALTER TABLE agents ADD COLUMN version TEXT;      -- from User-Agent: n3mon-agent/<version>
  ALTER TABLE agents ADD COLUMN platform TEXT;     -- e.g. linux-x64, win32-x64
  ALTER TABLE agents ADD COLUMN address TEXT;      -- client address of the last authenticated push
  ALTER TABLE agent_tokens ADD COLUMN expires_at INTEGER;  -- NULL: never (tokens from n3mon token create)
  `,
];

/**
 * The `enrolment` component on both engines. PostgreSQL starts from today's schema; the columns it
 * adds to core's `agents` and `agent_tokens` use ADD COLUMN IF NOT EXISTS, so core's PostgreSQL DDL
 * may already carry them.
 */
export const ENROLMENT_STATE_MIGRATIONS: ComponentMigrations = {
  sqlite: ENROLMENT_MIGRATIONS,
  postgres: [
    `
    CREATE TABLE enrolment_codes (
      id TEXT PRIMARY KEY,
      practice TEXT NOT NULL REFERENCES practices (ods),
      hash BYTEA NOT NULL UNIQUE,
      max_uses INTEGER NOT NULL CHECK (max_uses >= 1),
      uses INTEGER NOT NULL DEFAULT 0,
      created_at BIGINT NOT NULL,
      expires_at BIGINT NOT NULL,
      revoked_at BIGINT,
      created_by TEXT NOT NULL
    );
    CREATE INDEX enrolment_codes_practice ON enrolment_codes (practice, created_at);
    ALTER TABLE agents ADD COLUMN IF NOT EXISTS version TEXT;
    ALTER TABLE agents ADD COLUMN IF NOT EXISTS platform TEXT;
    ALTER TABLE agents ADD COLUMN IF NOT EXISTS address TEXT;
    ALTER TABLE agent_tokens ADD COLUMN IF NOT EXISTS expires_at BIGINT;
    `,
  ],
};

export interface EnrolmentCodeRow {
  id: string;
  practice: string;
  maxUses: number;
  uses: number;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
  createdBy: string;
}

interface Raw {
  id: string;
  practice: string;
  max_uses: number;
  uses: number;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
  created_by: string;
}

const fromRaw = (r: Raw): EnrolmentCodeRow => ({
  id: r.id,
  practice: r.practice,
  maxUses: r.max_uses,
  uses: r.uses,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
  createdBy: r.created_by,
});

export type CodeState = 'active' | 'used' | 'expired' | 'revoked';

/** Why a code cannot be used now, or 'active'. */
export function codeState(row: EnrolmentCodeRow, now: number): CodeState {
  if (row.revokedAt !== null) return 'revoked';
  if (row.uses >= row.maxUses) return 'used';
  if (now >= row.expiresAt) return 'expired';
  return 'active';
}

const COLS = 'id, practice, max_uses, uses, created_at, expires_at, revoked_at, created_by';

export class EnrolmentRepo {
  readonly #db: StateDb;

  constructor(db: StateDb) {
    this.#db = db;
  }

  /** The same repository over `tx` (a transaction's handle: `meta.state.tx(async (tx) => …)`). */
  in(tx: StateDb): EnrolmentRepo {
    return new EnrolmentRepo(tx);
  }

  async insert(row: Omit<EnrolmentCodeRow, 'uses' | 'revokedAt'> & { hash: Buffer }): Promise<void> {
    await this.#db.run(
      'INSERT INTO enrolment_codes (id, practice, hash, max_uses, created_at, expires_at, created_by) VALUES (@id, @practice, @hash, @maxUses, @createdAt, @expiresAt, @createdBy)',
      {
        id: row.id,
        practice: row.practice,
        hash: row.hash,
        maxUses: row.maxUses,
        createdAt: row.createdAt,
        expiresAt: row.expiresAt,
        createdBy: row.createdBy,
      },
    );
  }

  async byHash(hash: Buffer): Promise<EnrolmentCodeRow | undefined> {
    const r = await this.#db.get<Raw>(`SELECT ${COLS} FROM enrolment_codes WHERE hash = ?`, [hash]);
    return r === undefined ? undefined : fromRaw(r);
  }

  async get(id: string): Promise<EnrolmentCodeRow | undefined> {
    const r = await this.#db.get<Raw>(`SELECT ${COLS} FROM enrolment_codes WHERE id = ?`, [id]);
    return r === undefined ? undefined : fromRaw(r);
  }

  async list(practice?: string): Promise<EnrolmentCodeRow[]> {
    const rows = await this.#db.all<Raw>(
      `SELECT ${COLS} FROM enrolment_codes WHERE (CAST(@practice AS TEXT) IS NULL OR practice = @practice) ORDER BY created_at DESC, id`,
      { practice: practice ?? null },
    );
    return rows.map(fromRaw);
  }

  /**
   * Count one use; false when the code is no longer usable at `now`. One conditional UPDATE: two
   * servers (or two collectors) racing for the last use cannot both win on either engine.
   */
  async use(id: string, now: number): Promise<boolean> {
    const r = await this.#db.run('UPDATE enrolment_codes SET uses = uses + 1 WHERE id = ? AND revoked_at IS NULL AND uses < max_uses AND expires_at > ?', [
      id,
      now,
    ]);
    return r.changes === 1;
  }

  /**
   * Inside a transaction: hold the practice's row until it ends, so enrolments into one practice
   * take turns on PostgreSQL (a row lock that foreign-key checks do not wait for; SQLite's
   * transaction holds the whole database already).
   */
  async lockPractice(practice: string): Promise<void> {
    await this.#db.run('UPDATE practices SET name = name WHERE ods = ?', [practice]);
  }

  /** True when a live code was revoked now. */
  async revoke(id: string, now: number): Promise<boolean> {
    return (await this.#db.run('UPDATE enrolment_codes SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [now, id])).changes === 1;
  }
}
