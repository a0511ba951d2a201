/**
 * The dashboard's tables in meta.db (component `ui`; see meta/db.ts migrate). Append steps, never
 * edit a released one.
 *
 *   ui_users     dashboard users: role, the practice a practice viewer may see, scrypt hash
 *   ui_sessions  signed-in browsers: only SHA-256 of the session id is stored, so a copy of
 *                meta.db does not hand out sessions; deleting a row signs that browser out
 */
import type { MigrationStep } from '../meta/index.ts';

export const UI_MIGRATIONS: readonly MigrationStep[] = [
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
];
