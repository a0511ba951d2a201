/**
 * Tables of the collector core: practices, agents, agent tokens, API keys, batch ids, the audit
 * log. Append steps; never edit a released one. CORE_MIGRATIONS is SQLite's history (meta.db files
 * in the field have been through it); CORE_STATE_MIGRATIONS adds today's schema for PostgreSQL.
 * The enrolment component (./enrolment.ts) adds agents.version/platform/address and
 * agent_tokens.expires_at on both engines.
 */
import type { ComponentMigrations } from './state-db.ts';

/** Plain SQL only, so the same steps serve the old migrate() and the state database's. */
export const CORE_MIGRATIONS: readonly string[] = [
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
  // 3: several collectors (./agents.ts BatchRepo): the newest sample time of each batch, read per
  // agent over the recent batches (activitySince: a covering index); a counter per list a collector
  // caches (practices), bumped in the transaction that changes the list.
  `
  ALTER TABLE ingest_batches ADD COLUMN high_ts INTEGER;   -- newest sample ts in the batch, epoch ms
  CREATE INDEX ingest_batches_activity ON ingest_batches (received_at, practice, agent, high_ts);
  CREATE TABLE change_counters (
    name TEXT PRIMARY KEY,                        -- practices
    n INTEGER NOT NULL
  );
  `,
];

/** The core tables on both engines (./state-db.ts); the PostgreSQL list is today's schema. */
export const CORE_STATE_MIGRATIONS: ComponentMigrations = {
  sqlite: CORE_MIGRATIONS,
  postgres: [
    `
    CREATE TABLE practices (
      ods TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      sites TEXT NOT NULL DEFAULT '[]',
      source TEXT NOT NULL CHECK (source IN ('config', 'cli')),
      created_at BIGINT NOT NULL
    );

    CREATE TABLE agents (
      practice TEXT NOT NULL REFERENCES practices (ods),
      name TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      last_seen BIGINT,
      PRIMARY KEY (practice, name)
    );

    CREATE TABLE agent_tokens (
      id TEXT PRIMARY KEY,
      practice TEXT NOT NULL,
      agent TEXT NOT NULL,
      hash BYTEA NOT NULL,
      created_at BIGINT NOT NULL,
      revoked_at BIGINT,
      FOREIGN KEY (practice, agent) REFERENCES agents (practice, name)
    );

    CREATE TABLE api_keys (
      id TEXT PRIMARY KEY,
      role TEXT NOT NULL CHECK (role IN ('servicedesk', 'practice')),
      practice TEXT REFERENCES practices (ods),
      label TEXT,
      hash BYTEA NOT NULL,
      created_at BIGINT NOT NULL,
      revoked_at BIGINT,
      CHECK ((role = 'practice') = (practice IS NOT NULL))
    );

    CREATE TABLE ingest_batches (
      practice TEXT NOT NULL,
      agent TEXT NOT NULL,
      batch_id TEXT NOT NULL,
      received_at BIGINT NOT NULL,
      samples BIGINT NOT NULL,
      high_ts BIGINT,
      PRIMARY KEY (practice, agent, batch_id)
    );
    CREATE INDEX ingest_batches_received ON ingest_batches (received_at);
    CREATE INDEX ingest_batches_activity ON ingest_batches (received_at, practice, agent, high_ts);

    CREATE TABLE audit_log (
      id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
      at BIGINT NOT NULL,
      actor TEXT NOT NULL,
      action TEXT NOT NULL,
      target TEXT,
      source TEXT NOT NULL,
      practice TEXT,
      detail TEXT
    );
    CREATE INDEX audit_log_at ON audit_log (at);
    CREATE INDEX audit_log_actor ON audit_log (actor, at);
    CREATE INDEX audit_log_action ON audit_log (action, at);

    CREATE TABLE change_counters (
      name TEXT PRIMARY KEY,
      n BIGINT NOT NULL
    );
    `,
  ],
};
