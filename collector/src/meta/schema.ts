/** Tables of the collector core in meta.db. Append steps; never edit a released one. */
import type { MigrationStep } from './db.ts';

export const CORE_MIGRATIONS: readonly MigrationStep[] = [
  `
  CREATE TABLE practices (
    ods TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    sites TEXT NOT NULL DEFAULT '[]',            -- JSON [{ "name": … }]
    source TEXT NOT NULL CHECK (source IN ('config', 'cli')),
    created_at INTEGER NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE agents (
    practice TEXT NOT NULL REFERENCES practices (ods),
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen INTEGER,                            -- collector clock at the last acknowledged batch
    PRIMARY KEY (practice, name)
  ) WITHOUT ROWID;

  CREATE TABLE agent_tokens (
    id TEXT PRIMARY KEY,                          -- public part of the token (n3a_<id>_<secret>)
    practice TEXT NOT NULL,
    agent TEXT NOT NULL,
    hash BLOB NOT NULL,                           -- SHA-256 of the whole token; the token itself is never stored
    created_at INTEGER NOT NULL,
    revoked_at INTEGER,
    FOREIGN KEY (practice, agent) REFERENCES agents (practice, name)
  );

  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,                          -- public part of the key (n3k_<id>_<secret>)
    role TEXT NOT NULL CHECK (role IN ('servicedesk', 'practice')),
    practice TEXT REFERENCES practices (ods),
    label TEXT,
    hash BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER,
    CHECK ((role = 'practice') = (practice IS NOT NULL))
  );

  CREATE TABLE ingest_batches (
    practice TEXT NOT NULL,
    agent TEXT NOT NULL,
    batch_id TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    samples INTEGER NOT NULL,
    PRIMARY KEY (practice, agent, batch_id)
  ) WITHOUT ROWID;
  CREATE INDEX ingest_batches_received ON ingest_batches (received_at);
  `,
  // 2: the audit log (./audit.ts). `source` is the client address or `cli`.
  `
  CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,                          -- epoch ms, collector clock
    actor TEXT NOT NULL,                          -- user:<name> | key:<id> | cli:<OS user>
    action TEXT NOT NULL,                         -- <resource>.<verb>
    target TEXT,
    source TEXT NOT NULL,                         -- client address, or cli
    practice TEXT,
    detail TEXT                                   -- JSON, never a secret
  );
  CREATE INDEX audit_log_at ON audit_log (at);
  CREATE INDEX audit_log_actor ON audit_log (actor, at);
  CREATE INDEX audit_log_action ON audit_log (action, at);
  `,
];
