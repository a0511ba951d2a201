/**
 * Templated config in the state database (migration component `config-templates`): every version
 * as the full organisation-wide Snapshot (secrets sealed) with who and when, and each agent's last
 * ConfigApplyResult. The newest version is the published one; a rollback inserts an old snapshot
 * as a new version, so nothing is ever rewritten. Written once for SQLite and PostgreSQL
 * (../meta/state-db.ts); several collectors may share the tables.
 */
import type { ConfigApplyResult } from '../../../shared/src/pulled-config.ts';
import { isUniqueViolation, type ComponentMigrations, type StateDb } from '../meta/state-db.ts';
import { EMPTY_SNAPSHOT, type Snapshot } from './schema.ts';

/** The SQLite steps are released (meta.db files in the field have run them): never edit them, append. */
const SQLITE_STEPS: readonly string[] = [
  `
  CREATE TABLE config_versions (
    version INTEGER PRIMARY KEY,              -- grows by one per change, organisation-wide
    at INTEGER NOT NULL,                      -- collector clock, epoch ms
    actor TEXT NOT NULL,                      -- audit actor: user:<name> | key:<id>
    action TEXT NOT NULL,                     -- the audit action (template.put, config.rollback, …)
    target TEXT,                              -- template:<name>, practice:<ods>, version:<n>
    snapshot TEXT NOT NULL                    -- JSON Snapshot; secret values sealed (AES-256-GCM)
  );
  CREATE TABLE config_apply (
    practice TEXT NOT NULL,
    agent TEXT NOT NULL,
    version INTEGER NOT NULL,                 -- the version the agent tried
    etag TEXT,
    ok INTEGER NOT NULL,
    running INTEGER NOT NULL,                 -- the version it runs after the attempt
    problem TEXT,
    at INTEGER NOT NULL,                      -- agent clock
    received_at INTEGER NOT NULL,             -- collector clock
    PRIMARY KEY (practice, agent)
  );
  `,
];

export const CONFIG_TEMPLATE_STATE_MIGRATIONS: ComponentMigrations = {
  sqlite: SQLITE_STEPS,
  postgres: [
    `
    CREATE TABLE config_versions (
      version BIGINT PRIMARY KEY,
      at BIGINT NOT NULL,
      actor TEXT NOT NULL,
      action TEXT NOT NULL,
      target TEXT,
      snapshot TEXT NOT NULL
    );
    CREATE TABLE config_apply (
      practice TEXT NOT NULL,
      agent TEXT NOT NULL,
      version BIGINT NOT NULL,
      etag TEXT,
      ok INTEGER NOT NULL,
      running BIGINT NOT NULL,
      problem TEXT,
      at BIGINT NOT NULL,
      received_at BIGINT NOT NULL,
      PRIMARY KEY (practice, agent)
    );
    `,
  ],
};

export interface VersionRow {
  version: number;
  at: number;
  actor: string;
  action: string;
  target: string | null;
}

export interface ApplyState extends ConfigApplyResult {
  receivedAt: number;
}

/** Brings the config tables to the newest version on this engine (idempotent; under the driver's lock). */
export async function migrateConfigTemplates(state: StateDb): Promise<number> {
  return state.migrate('config-templates', CONFIG_TEMPLATE_STATE_MIGRATIONS);
}

/**
 * No caches: with several collectors sharing the tables, another one may publish at any moment,
 * so every read goes to the database (the service caches renderings by version only).
 */
export class ConfigStore {
  readonly #db: StateDb;

  constructor(db: StateDb) {
    this.#db = db;
  }

  /** The newest version and its snapshot; version 0 and an empty snapshot before the first change. */
  async current(): Promise<{ version: number; snapshot: Snapshot }> {
    const row = await this.#db.get<{ version: number; snapshot: string }>('SELECT version, snapshot FROM config_versions ORDER BY version DESC LIMIT 1');
    return row === undefined ? { version: 0, snapshot: EMPTY_SNAPSHOT } : { version: row.version, snapshot: JSON.parse(row.snapshot) as Snapshot };
  }

  /** The newest version number alone (cheap: agents' pulls check it before anything else). */
  async currentVersion(): Promise<number> {
    const row = await this.#db.get<{ v: number }>('SELECT coalesce(max(version), 0) AS v FROM config_versions');
    return row?.v ?? 0;
  }

  async snapshotOf(version: number): Promise<Snapshot | undefined> {
    const row = await this.#db.get<{ snapshot: string }>('SELECT snapshot FROM config_versions WHERE version = ?', [version]);
    return row === undefined ? undefined : (JSON.parse(row.snapshot) as Snapshot);
  }

  /**
   * Inserts the next version if the newest is still `expected` (a concurrent change loses: returns
   * undefined). Two collectors publishing at once both read `expected` and both try version
   * expected + 1: the primary key lets one in and the other gets undefined, on either engine.
   */
  async publish(expected: number, row: Omit<VersionRow, 'version'> & { snapshot: Snapshot }): Promise<number | undefined> {
    try {
      return await this.#db.tx(async (tx) => {
        const now = (await tx.get<{ v: number }>('SELECT coalesce(max(version), 0) AS v FROM config_versions'))?.v ?? 0;
        if (now !== expected) return undefined;
        await tx.run('INSERT INTO config_versions (version, at, actor, action, target, snapshot) VALUES (?, ?, ?, ?, ?, ?)', [
          now + 1,
          row.at,
          row.actor,
          row.action,
          row.target,
          JSON.stringify(row.snapshot),
        ]);
        return now + 1;
      });
    } catch (err) {
      if (isUniqueViolation(err)) return undefined;
      throw err;
    }
  }

  async versions(limit: number, offset: number): Promise<{ total: number; items: VersionRow[] }> {
    const total = (await this.#db.get<{ n: number }>('SELECT count(*) AS n FROM config_versions'))?.n ?? 0;
    const items = await this.#db.all<VersionRow>('SELECT version, at, actor, action, target FROM config_versions ORDER BY version DESC LIMIT ? OFFSET ?', [
      limit,
      offset,
    ]);
    return { total, items };
  }

  /** True when any stored version holds a sealed value (the collector then needs its key). */
  async hasSecrets(): Promise<boolean> {
    return (await this.#db.get(`SELECT 1 AS one FROM config_versions WHERE snapshot LIKE '%"sealed":%' LIMIT 1`)) !== undefined;
  }

  async recordApply(practice: string, agent: string, r: ConfigApplyResult, receivedAt: number): Promise<void> {
    await this.#db.run(
      `INSERT INTO config_apply (practice, agent, version, etag, ok, running, problem, at, received_at)
       VALUES (@practice, @agent, @version, @etag, @ok, @running, @problem, @at, @receivedAt)
       ON CONFLICT (practice, agent) DO UPDATE SET version = excluded.version, etag = excluded.etag, ok = excluded.ok,
         running = excluded.running, problem = excluded.problem, at = excluded.at, received_at = excluded.received_at`,
      {
        practice,
        agent,
        version: r.version,
        etag: r.etag ?? null,
        ok: r.ok ? 1 : 0,
        running: r.running,
        problem: r.problem ?? null,
        at: r.at,
        receivedAt,
      },
    );
  }
}

/** Each agent's last apply result in a practice (also read by the agents list: ../routes/enrolment/service.ts). */
export async function applyStates(db: StateDb, practice: string): Promise<Map<string, ApplyState>> {
  const rows = await db.all<{
    agent: string;
    version: number;
    etag: string | null;
    ok: number;
    running: number;
    problem: string | null;
    at: number;
    received_at: number;
  }>('SELECT agent, version, etag, ok, running, problem, at, received_at FROM config_apply WHERE practice = ?', [practice]);
  return new Map(
    rows.map((r) => [
      r.agent,
      {
        version: r.version,
        ...(r.etag === null ? {} : { etag: r.etag }),
        ok: r.ok === 1,
        running: r.running,
        ...(r.problem === null ? {} : { problem: r.problem }),
        at: r.at,
        receivedAt: r.received_at,
      },
    ]),
  );
}
