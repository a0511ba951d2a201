/**
 * The dashboard's tables in the state database (component `ui`; see meta/state-db.ts migrate).
 * Append steps, never edit a released one.
 *
 *   ui_users     dashboard users: role, the practice a practice viewer may see, scrypt hash
 *   ui_sessions  signed-in browsers: only SHA-256 of the session id is stored, so a copy of
 *                the database does not hand out sessions; deleting a row signs that browser out
 *                (on every collector sharing the database: sessions are not cached)
 */
import type { ComponentMigrations } from '../meta/state-db.ts';

const SQLITE = [
  `
  CREATE TABLE ui_users (
    id TEXT PRIMARY KEY,                      -- 12 hex digits, public
    username TEXT NOT NULL UNIQUE,            -- lower-case
    role TEXT NOT NULL CHECK (role IN ('admin', 'servicedesk', 'practice')),
    practice TEXT REFERENCES practices (ods),
    password_hash TEXT NOT NULL,              -- scrypt$logN$r$p$salt$hash
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    disabled_at INTEGER,
    CHECK ((role = 'practice') = (practice IS NOT NULL))
  );

  CREATE TABLE ui_sessions (
    id_hash BLOB PRIMARY KEY,                 -- SHA-256 of the cookie value
    user_id TEXT NOT NULL REFERENCES ui_users (id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,                       -- synchroniser token for writes
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL               -- absolute end; idle end is last_seen_at + idle timeout
  ) WITHOUT ROWID;
  CREATE INDEX ui_sessions_by_user ON ui_sessions (user_id);
  `,
] as const;

/** Today's schema as PostgreSQL DDL (same names and constraints; the practices table is core's). */
const POSTGRES = [
  `
  CREATE TABLE ui_users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'servicedesk', 'practice')),
    practice TEXT REFERENCES practices (ods),
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    disabled_at BIGINT,
    CHECK ((role = 'practice') = (practice IS NOT NULL))
  );

  CREATE TABLE ui_sessions (
    id_hash BYTEA PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES ui_users (id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
  );
  CREATE INDEX ui_sessions_by_user ON ui_sessions (user_id);
  `,
] as const;

export const UI_STATE_MIGRATIONS: ComponentMigrations = { sqlite: SQLITE, postgres: POSTGRES };
