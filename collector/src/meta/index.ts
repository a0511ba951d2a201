/**
 * The meta store: the repositories of practices, agents, batch ids, credentials, audit and
 * enrolment codes over the state database (./state-db.ts) — `<dataDir>/meta.db` for one collector
 * (openMeta, or openMetaOn over openStateDb), PostgreSQL for several (openMetaOn). Other components
 * (alerts, incidents, ui, ha) open their own stores on `meta.state` and migrate their tables there.
 */
import { join } from 'node:path';
import { migrate, openSqlite } from './db.ts';
import { CORE_STATE_MIGRATIONS } from './schema.ts';
export { CORE_STATE_MIGRATIONS } from './schema.ts';
import { SqliteState } from './sqlite-state.ts';
import type { ComponentMigrations, StateDb } from './state-db.ts';
import { PracticeRepo } from './practices.ts';
import { AgentRepo, BatchRepo } from './agents.ts';
import { CredentialRepo } from './credentials.ts';
import { AuditLog } from './audit.ts';
import { ENROLMENT_STATE_MIGRATIONS, EnrolmentRepo } from './enrolment.ts';
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
  /** The state database (./state-db.ts): SQLite's meta.db or PostgreSQL, one interface. */
  readonly state: StateDb;
  readonly practices: PracticeRepo;
  readonly agents: AgentRepo;
  readonly batches: BatchRepo;
  readonly credentials: CredentialRepo;
  /** Admin and service-desk writes: `await meta.audit.record({ actor, action, target, from, … })` (./audit.ts). */
  readonly audit: AuditLog;
  /** Enrolment codes (./enrolment.ts, own migration component `enrolment`). */
  readonly enrolments: EnrolmentRepo;
  /** Closes the state database (waits for an open transaction). */
  close(): Promise<void>;
}

export const META_FILE = 'meta.db';

/**
 * The components whose tables every Meta needs, in order (others — alerts, incidents, ui, ha —
 * migrate theirs when they open). Each on the engine's own list.
 */
const META_COMPONENTS: readonly (readonly [string, ComponentMigrations])[] = [
  ['core', CORE_STATE_MIGRATIONS],
  ['enrolment', ENROLMENT_STATE_MIGRATIONS],
  // Templated agent config (collector/src/config-templates/): the CLI reads config_apply.
  ['config-templates', CONFIG_TEMPLATE_STATE_MIGRATIONS],
];

function metaOver(state: StateDb): Meta {
  return {
    state,
    practices: new PracticeRepo(state),
    agents: new AgentRepo(state),
    batches: new BatchRepo(state),
    credentials: new CredentialRepo(state),
    audit: new AuditLog(state),
    enrolments: new EnrolmentRepo(state),
    close: () => state.close(),
  };
}

/** The meta store on any state database (SQLite or PostgreSQL): migrates the core components first. */
export async function openMetaOn(state: StateDb): Promise<Meta> {
  for (const [component, steps] of META_COMPONENTS) await state.migrate(component, steps);
  return metaOver(state);
}

/**
 * `<dataDir>/meta.db` opened synchronously (one collector, the CLI, tests): the same SQLite steps
 * as openMetaOn, run with the synchronous migrate.
 */
export function openMeta(opts: { dataDir: string }): Meta {
  const file = join(opts.dataDir, META_FILE);
  const db = openSqlite(file);
  try {
    for (const [component, steps] of META_COMPONENTS) migrate(db, component, steps.sqlite as readonly string[]);
  } catch (err) {
    db.close();
    throw err;
  }
  return metaOver(new SqliteState(db, { file }));
}
