/**
 * Templated config in meta.db (migration component `config-templates`): every version as the full
 * organisation-wide Snapshot (secrets sealed) with who and when, and each agent's last
 * ConfigApplyResult. The newest version is the published one; a rollback inserts an old snapshot
 * as a new version, so nothing is ever rewritten.
 */
import type { ConfigApplyResult } from '../../../shared/src/pulled-config.ts';
import type { MigrationStep, SqliteDb } from '../meta/db.ts';
import { EMPTY_SNAPSHOT, type Snapshot } from './schema.ts';

export const CONFIG_TEMPLATE_MIGRATIONS: readonly MigrationStep[] = [
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

export class ConfigStore {
  readonly #db: SqliteDb;

  constructor(db: SqliteDb) {
    this.#db = db;
  }

  /** The newest version and its snapshot; version 0 and an empty snapshot before the first change. */
  current(): { version: number; snapshot: Snapshot } {
    const row = this.#db.prepare('SELECT version, snapshot FROM config_versions ORDER BY version DESC LIMIT 1').get() as
      | { version: number; snapshot: string }
      | undefined;
    return row === undefined ? { version: 0, snapshot: EMPTY_SNAPSHOT } : { version: row.version, snapshot: JSON.parse(row.snapshot) as Snapshot };
  }

  /** The newest version number alone (cheap: agents' pulls check it before anything else). */
  currentVersion(): number {
    return (this.#db.prepare('SELECT coalesce(max(version), 0) AS v FROM config_versions').get() as { v: number }).v;
  }

  snapshotOf(version: number): Snapshot | undefined {
    const row = this.#db.prepare('SELECT snapshot FROM config_versions WHERE version = ?').get(version) as { snapshot: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.snapshot) as Snapshot);
  }

  /** Inserts the next version if the newest is still `expected` (a concurrent change loses: returns undefined). */
  publish(expected: number, row: Omit<VersionRow, 'version'> & { snapshot: Snapshot }): number | undefined {
    return this.#db.transaction(() => {
      const now = (this.#db.prepare('SELECT coalesce(max(version), 0) AS v FROM config_versions').get() as { v: number }).v;
      if (now !== expected) return undefined;
      this.#db
        .prepare('INSERT INTO config_versions (version, at, actor, action, target, snapshot) VALUES (?, ?, ?, ?, ?, ?)')
        .run(now + 1, row.at, row.actor, row.action, row.target, JSON.stringify(row.snapshot));
      return now + 1;
    })();
  }

  versions(limit: number, offset: number): { total: number; items: VersionRow[] } {
    const total = (this.#db.prepare('SELECT count(*) AS n FROM config_versions').get() as { n: number }).n;
    const items = this.#db
      .prepare('SELECT version, at, actor, action, target FROM config_versions ORDER BY version DESC LIMIT ? OFFSET ?')
      .all(limit, offset) as VersionRow[];
    return { total, items };
  }

  /** True when any stored version holds a sealed value (the collector then needs its key). */
  hasSecrets(): boolean {
    return this.#db.prepare(`SELECT 1 FROM config_versions WHERE snapshot LIKE '%"sealed":%' LIMIT 1`).get() !== undefined;
  }

  recordApply(practice: string, agent: string, r: ConfigApplyResult, receivedAt: number): void {
    this.#db
      .prepare(
        `INSERT INTO config_apply (practice, agent, version, etag, ok, running, problem, at, received_at)
         VALUES (@practice, @agent, @version, @etag, @ok, @running, @problem, @at, @receivedAt)
         ON CONFLICT (practice, agent) DO UPDATE SET version = excluded.version, etag = excluded.etag, ok = excluded.ok,
           running = excluded.running, problem = excluded.problem, at = excluded.at, received_at = excluded.received_at`,
      )
      .run({
        practice,
        agent,
        version: r.version,
        etag: r.etag ?? null,
        ok: r.ok ? 1 : 0,
        running: r.running,
        problem: r.problem ?? null,
        at: r.at,
        receivedAt,
      });
  }
}

/** Each agent's last apply result in a practice (also read by the agents route: ../routes/practices/agents.ts). */
export function applyStates(db: SqliteDb, practice: string): Map<string, ApplyState> {
  const rows = db.prepare('SELECT * FROM config_apply WHERE practice = ?').all(practice) as {
    agent: string;
    version: number;
    etag: string | null;
    ok: number;
    running: number;
    problem: string | null;
    at: number;
    received_at: number;
  }[];
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
