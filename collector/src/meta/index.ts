/**
 * The meta store: one meta.db per data dir, shared by the collector and the token/apikey CLI.
 * Other components (alerts) add their own tables with `meta.migrate('alerts', [...])` and use
 * `meta.db` (the better-sqlite3 handle) directly.
 */
import { join } from 'node:path';
import { migrate, openSqlite, type MigrationStep, type SqliteDb } from './db.ts';
import { CORE_MIGRATIONS } from './schema.ts';
export { CORE_STATE_MIGRATIONS } from './schema.ts';
import { SqliteState } from './sqlite-state.ts';
import type { StateDb } from './state-db.ts';
import { PracticeRepo } from './practices.ts';
import { AgentRepo, BatchRepo } from './agents.ts';
import { CredentialRepo } from './credentials.ts';
import { AuditLog } from './audit.ts';
import { ENROLMENT_MIGRATIONS, EnrolmentRepo } from './enrolment.ts';
import { CONFIG_TEMPLATE_STATE_MIGRATIONS } from '../config-templates/store.ts';

export type { MigrationStep, SqliteDb } from './db.ts';
export type { ComponentMigrations, StateDb } from './state-db.ts';
export { isForeignKeyViolation, isUniqueViolation } from './state-db.ts';
export type { PracticeRow, Site } from './practices.ts';
export type { AgentRow, AgentClient, AgentActivityRow, BatchRecord } from './agents.ts';
export { codeState, ENROLMENT_STATE_MIGRATIONS, type CodeState, type EnrolmentCodeRow } from './enrolment.ts';
export type { AgentTokenRow, ApiKeyRow, ApiRole } from './credentials.ts';
export { AUDIT_ACTIONS, cliActor, type AuditAction, type AuditEntry, type AuditInput, type AuditQuery } from './audit.ts';

export interface Meta {
  /**
   * The better-sqlite3 handle (WAL, busy_timeout 5 s, foreign keys on). Being retired: new and
   * converted code uses `state`, which also runs on PostgreSQL.
   */
  readonly db: SqliteDb;
  /** The state database (./state-db.ts): the one interface both engines implement. */
  readonly state: StateDb;
  readonly file: string;
  readonly practices: PracticeRepo;
  readonly agents: AgentRepo;
  readonly batches: BatchRepo;
  readonly credentials: CredentialRepo;
  /** Admin and service-desk writes: `await meta.audit.record({ actor, action, target, from, … })` (./audit.ts). */
  readonly audit: AuditLog;
  /** Enrolment codes (./enrolment.ts, own migration component `enrolment`). */
  readonly enrolments: EnrolmentRepo;
  /** Run `component`'s migration steps not yet applied (see ./db.ts migrate). */
  migrate(component: string, steps: readonly MigrationStep[]): number;
  close(): void;
}

export const META_FILE = 'meta.db';

export function openMeta(opts: { dataDir: string }): Meta {
  const file = join(opts.dataDir, META_FILE);
  const db = openSqlite(file);
  try {
    migrate(db, 'core', CORE_MIGRATIONS);
    // openMeta is synchronous: the old migrate() over the same SQLite steps as ENROLMENT_STATE_MIGRATIONS.sqlite.
    migrate(db, 'enrolment', ENROLMENT_MIGRATIONS);
    // Templated agent config (collector/src/config-templates/): versions and agents' apply results.
    // (ConfigService.open migrates it on the state database; kept here until openMeta migrates every component there: the CLI reads config_apply.)
    migrate(db, 'config-templates', CONFIG_TEMPLATE_STATE_MIGRATIONS.sqlite as readonly string[]);
  } catch (err) {
    db.close();
    throw err;
  }
  const state = new SqliteState(db, { file });
  return {
    db,
    state,
    file,
    practices: new PracticeRepo(state),
    agents: new AgentRepo(state),
    batches: new BatchRepo(state),
    credentials: new CredentialRepo(state),
    audit: new AuditLog(state),
    enrolments: new EnrolmentRepo(state),
    migrate: (component, steps) => migrate(db, component, steps),
    close: () => {
      if (db.open) db.close();
    },
  };
}
