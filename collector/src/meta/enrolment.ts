/**
 * Enrolment codes (one-time codes a practice server exchanges for its agent token) and what the
 * collector knows of each agent beyond core's `agents` row: its version and platform (from its
 * User-Agent), the address it last pushed from, and each token's expiry. Own migration component
 * (`enrolment`), so core's steps stay core's. Codes are stored as SHA-256 only.
 */
import type { MigrationStep, SqliteDb } from './db.ts';

export const ENROLMENT_MIGRATIONS: readonly MigrationStep[] = [
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
  readonly #insert;
  readonly #byHash;
  readonly #byId;
  readonly #list;
  readonly #use;
  readonly #revoke;

  constructor(db: SqliteDb) {
    this.#insert = db.prepare(
      'INSERT INTO enrolment_codes (id, practice, hash, max_uses, created_at, expires_at, created_by) VALUES (@id, @practice, @hash, @maxUses, @createdAt, @expiresAt, @createdBy)',
    );
    this.#byHash = db.prepare<[Buffer], Raw>(`SELECT ${COLS} FROM enrolment_codes WHERE hash = ?`);
    this.#byId = db.prepare<[string], Raw>(`SELECT ${COLS} FROM enrolment_codes WHERE id = ?`);
    this.#list = db.prepare<[string | null, string | null], Raw>(
      `SELECT ${COLS} FROM enrolment_codes WHERE (? IS NULL OR practice = ?) ORDER BY created_at DESC, id`,
    );
    // One use, only while the code is usable: the WHERE makes a race between two servers safe.
    this.#use = db.prepare('UPDATE enrolment_codes SET uses = uses + 1 WHERE id = ? AND revoked_at IS NULL AND uses < max_uses AND expires_at > ?');
    this.#revoke = db.prepare('UPDATE enrolment_codes SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
  }

  insert(row: Omit<EnrolmentCodeRow, 'uses' | 'revokedAt'> & { hash: Buffer }): void {
    this.#insert.run(row);
  }

  byHash(hash: Buffer): EnrolmentCodeRow | undefined {
    const r = this.#byHash.get(hash);
    return r === undefined ? undefined : fromRaw(r);
  }

  get(id: string): EnrolmentCodeRow | undefined {
    const r = this.#byId.get(id);
    return r === undefined ? undefined : fromRaw(r);
  }

  list(practice?: string): EnrolmentCodeRow[] {
    const p = practice ?? null;
    return this.#list.all(p, p).map(fromRaw);
  }

  /** Count one use; false when the code is no longer usable at `now`. */
  use(id: string, now: number): boolean {
    return this.#use.run(id, now).changes === 1;
  }

  /** True when a live code was revoked now. */
  revoke(id: string, now: number): boolean {
    return this.#revoke.run(now, id).changes === 1;
  }
}
