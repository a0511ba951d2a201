/**
 * Opens the state database the collector config's `state:` names (docs/state.md): SQLite over
 * `<dataDir>/meta.db` (one collector), or PostgreSQL (several collectors sharing one truth), after
 * checking it answers — a collector that cannot reach its state database says so at start-up,
 * naming where it looked (never the password), instead of failing on its first request.
 */
import { join } from 'node:path';
import { N3monError } from '../../../shared/src/errors.ts';
import type { Logger } from '../../../shared/src/log.ts';
import type { StateConfig } from '../config/schema.ts';
import { openSqlite } from './db.ts';
import { META_FILE } from './index.ts';
import { PostgresState } from './postgres-state.ts';
import { SqliteState } from './sqlite-state.ts';
import type { StateDb } from './state-db.ts';

export interface OpenStateOptions {
  /** The collector's data directory (meta.db for `sqlite`). */
  dataDir: string;
  log: Logger;
}

/** Open (and for postgres, reach) the configured state database. Throws N3MON_ERR_STORE naming it. */
export async function openStateDb(config: StateConfig, opts: OpenStateOptions): Promise<StateDb> {
  if (config.backend === 'sqlite') {
    const file = join(opts.dataDir, META_FILE);
    const db = new SqliteState(openSqlite(file), { file });
    opts.log.info({ state: db.describe }, 'state database open');
    return db;
  }
  const { backend: _backend, ...settings } = config;
  const db = new PostgresState({ ...settings, log: opts.log });
  try {
    const row = await db.get<{ version: string }>('SELECT version() AS version');
    opts.log.info({ state: db.describe, server: row?.version, poolMax: config.poolMax }, 'state database open');
    return db;
  } catch (err) {
    await db.close();
    const cause = err instanceof N3monError ? (err.cause as Error | undefined) : (err as Error);
    let reason = cause?.message ?? String(err);
    for (const secret of secretsOf(config)) reason = reason.split(secret).join('[redacted]');
    throw new N3monError('N3MON_ERR_STORE', `${db.describe}: cannot open the state database (state: postgres): ${reason}`, { cause: err });
  }
}

/** The password, as given and as it appears in the URL (percent-encoded or not). */
function secretsOf(config: Extract<StateConfig, { backend: 'postgres' }>): string[] {
  const out: string[] = [];
  if (config.password !== undefined) out.push(config.password);
  if (config.url !== undefined && URL.canParse(config.url)) {
    const p = new URL(config.url).password;
    if (p !== '') out.push(p, decodeOrSame(p));
  }
  return out;
}

function decodeOrSame(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch (err) {
    if (err instanceof URIError) return s; // a stray % is the password's own character
    throw err;
  }
}
