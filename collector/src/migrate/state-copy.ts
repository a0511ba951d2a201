/**
 * Copying the state of a single SQLite collector (`<old dataDir>/meta.db`) into the PostgreSQL of
 * the scaled setup: every row of every state table, table by table in foreign-key order, in ONE
 * transaction (all or nothing), then every identity sequence set past the copied ids. Reading the
 * source is SQLite-specific (sqlite_master, PRAGMA), so it uses the better-sqlite3 handle; the
 * target is written through the state interface (../meta/state-db.ts).
 *
 * Both ends are first brought to this n3mon's schema (./components.ts): the source as starting
 * this version's collector on it would, the target as a new collector would. A column the source
 * has and the target lacks, or a table without a counterpart, is refused before anything is written.
 */
import { N3monError } from '../../../shared/src/errors.ts';
import type { SqliteDb } from '../meta/db.ts';
import type { SqlValue, StateDb } from '../meta/state-db.ts';
import { migrateAllComponents } from './components.ts';

/** Tables never copied: each end's own bookkeeping, and leases (held by running collectors only). */
const SKIPPED = new Set(['schema_versions', 'leases']);
/** Most bound values in one INSERT (PostgreSQL allows 65,535). */
const MAX_PARAMS = 8000;
const MAX_ROWS = 500;
/** Source rows read at a time. */
const PAGE_ROWS = 5000;

export interface TableCount {
  table: string;
  rows: number;
}

export interface StateCopyResult {
  tables: TableCount[];
  /** Identity columns whose sequence was moved past the copied ids (`table.column`). */
  sequences: string[];
}

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** The source's tables that hold state, parents before children (by their FOREIGN KEYs). */
export function sourceTables(src: SqliteDb): string[] {
  const names = (src.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[])
    .map((r) => r.name)
    .filter((n) => !SKIPPED.has(n));
  const parents = new Map(
    names.map((n) => [n, new Set((src.pragma(`foreign_key_list(${quote(n)})`) as { table: string }[]).map((f) => f.table).filter((t) => t !== n))]),
  );
  const out: string[] = [];
  const placed = new Set<string>();
  const visit = (n: string, path: Set<string>): void => {
    if (placed.has(n) || !parents.has(n)) return;
    if (path.has(n)) throw new N3monError('N3MON_ERR_STORE', `meta.db: foreign keys form a cycle through ${n}; cannot order the copy`);
    path.add(n);
    for (const p of parents.get(n) ?? []) visit(p, path);
    path.delete(n);
    placed.add(n);
    out.push(n);
  };
  for (const n of names) visit(n, new Set());
  return out;
}

function sourceColumns(src: SqliteDb, table: string): string[] {
  return (src.pragma(`table_info(${quote(table)})`) as { name: string }[]).map((c) => c.name);
}

/** Rows per state table of the source (what --dry-run prints). */
export function countSource(src: SqliteDb): TableCount[] {
  return sourceTables(src).map((table) => ({ table, rows: (src.prepare(`SELECT count(*) AS n FROM ${quote(table)}`).get() as { n: number }).n }));
}

async function targetColumns(db: StateDb, table: string): Promise<Map<string, { identity: boolean }>> {
  const rows = await db.all<{ column_name: string; is_identity: string }>(
    'SELECT column_name, is_identity FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?',
    [table],
  );
  return new Map(rows.map((r) => [r.column_name, { identity: r.is_identity === 'YES' }]));
}

/** Target tables (of `tables`) that already hold rows. */
export async function occupiedTargetTables(db: StateDb, tables: readonly string[]): Promise<TableCount[]> {
  const out: TableCount[] = [];
  for (const table of tables) {
    if ((await targetColumns(db, table)).size === 0) continue;
    const n = (await db.get<{ n: number }>(`SELECT count(*) AS n FROM ${quote(table)}`))?.n ?? 0;
    if (n > 0) out.push({ table, rows: n });
  }
  return out;
}

/**
 * Copy every state row of `src` into `target` (PostgreSQL). Refuses a target that holds data
 * unless `force` (then its copies of these tables are emptied first, in the same transaction).
 */
export async function copyState(src: SqliteDb, target: StateDb, opts: { force: boolean; onTable?: (t: TableCount) => void }): Promise<StateCopyResult> {
  if (target.dialect !== 'postgres') {
    throw new N3monError('N3MON_ERR_CONFIG_INVALID', `state: the target of a migration is PostgreSQL (state.backend: postgres); got ${target.describe}`);
  }
  await migrateAllComponents(target);
  const tables = sourceTables(src);
  const plans: Array<{ table: string; cols: string[]; identity: string[] }> = [];
  const problems: string[] = [];
  for (const table of tables) {
    const have = await targetColumns(target, table);
    if (have.size === 0) {
      problems.push(`${table}: no such table in ${target.describe}`);
      continue;
    }
    const cols = sourceColumns(src, table);
    for (const c of cols) if (!have.has(c)) problems.push(`${table}.${c}: no such column in ${target.describe}`);
    plans.push({ table, cols, identity: [...have].filter(([, v]) => v.identity).map(([k]) => k) });
  }
  if (problems.length > 0) throw new N3monError('N3MON_ERR_STORE', `the target's schema does not match the source's: ${problems.join('; ')}`, { problems });
  const occupied = await occupiedTargetTables(target, tables);
  if (occupied.length > 0 && !opts.force) {
    throw new N3monError(
      'N3MON_ERR_STORE',
      `${target.describe} already holds data (${occupied.map((t) => `${t.table}: ${t.rows} rows`).join(', ')}); refusing to copy over it (--force empties those tables first)`,
    );
  }
  // One read transaction on the source: every table is read from the same snapshot (WAL), even if
  // something wrote to the old meta.db meanwhile.
  src.exec('BEGIN');
  try {
    return await target.tx((tx) => copyAll(src, tx, { tables, plans, force: opts.force, ...(opts.onTable === undefined ? {} : { onTable: opts.onTable }) }));
  } finally {
    if (src.inTransaction) src.exec('COMMIT');
  }
}

async function copyAll(
  src: SqliteDb,
  tx: StateDb,
  o: {
    tables: readonly string[];
    plans: ReadonlyArray<{ table: string; cols: string[]; identity: string[] }>;
    force: boolean;
    onTable?: (t: TableCount) => void;
  },
): Promise<StateCopyResult> {
  const { tables, plans } = o;
  if (o.force) await tx.run(`TRUNCATE ${tables.map(quote).join(', ')} CASCADE`);
  const counts: TableCount[] = [];
  const sequences: string[] = [];
  for (const plan of plans) {
    const rows = await copyTable(src, tx, plan);
    counts.push({ table: plan.table, rows });
    o.onTable?.({ table: plan.table, rows });
    for (const col of plan.identity) {
      // Past the copied ids: the next row the collectors insert gets max + 1 (or 1 in an empty table).
      await tx.get(
        `SELECT setval(pg_get_serial_sequence(?, ?), CAST((SELECT coalesce(max(${quote(col)}), 0) + 1 FROM ${quote(plan.table)}) AS BIGINT), false) AS v`,
        [quote(plan.table), col],
      );
      sequences.push(`${plan.table}.${col}`);
    }
  }
  return { tables: counts, sequences };
}

function hasRowid(src: SqliteDb, table: string): boolean {
  const row = src.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) as { sql: string | null } | undefined;
  return !/\bWITHOUT\s+ROWID\b/i.test(row?.sql ?? '');
}

async function copyTable(src: SqliteDb, tx: StateDb, plan: { table: string; cols: string[] }): Promise<number> {
  const { table, cols } = plan;
  const perInsert = Math.max(1, Math.min(MAX_ROWS, Math.floor(MAX_PARAMS / Math.max(1, cols.length))));
  const head = `INSERT INTO ${quote(table)} (${cols.map(quote).join(', ')}) VALUES `;
  const tuple = `(${cols.map(() => '?').join(', ')})`;
  // A page at a time, so a big table (batch ids, audit) is never all in memory: in rowid order
  // (insertion order: a row that refers to another row of its own table comes after it), or in
  // primary-key order for a WITHOUT ROWID table.
  const info = src.pragma(`table_info(${quote(table)})`) as { name: string; pk: number }[];
  const pk = info
    .filter((c) => c.pk > 0)
    .sort((x, y) => x.pk - y.pk)
    .map((c) => quote(c.name));
  const list = cols.map(quote).join(', ');
  const withRowid = hasRowid(src, table);
  const page = withRowid
    ? src.prepare(`SELECT rowid, ${list} FROM ${quote(table)} WHERE rowid > ? ORDER BY rowid LIMIT ${PAGE_ROWS}`).raw(true)
    : src.prepare(`SELECT 0, ${list} FROM ${quote(table)} ORDER BY ${pk.join(', ')} LIMIT ${PAGE_ROWS} OFFSET ?`).raw(true);
  let batch: SqlValue[] = [];
  let inBatch = 0;
  let total = 0;
  const flush = async (): Promise<void> => {
    if (inBatch === 0) return;
    await tx.run(head + Array.from({ length: inBatch }, () => tuple).join(', '), batch);
    total += inBatch;
    batch = [];
    inBatch = 0;
  };
  for (let after = Number.MIN_SAFE_INTEGER, offset = 0; ; offset += PAGE_ROWS) {
    const rows = page.all(withRowid ? after : offset) as unknown[][];
    for (const row of rows) {
      after = row[0] as number;
      for (let i = 1; i < row.length; i++) batch.push(row[i] as SqlValue);
      inBatch += 1;
      if (inBatch >= perInsert) await flush();
    }
    if (rows.length < PAGE_ROWS) break;
  }
  await flush();
  return total;
}
