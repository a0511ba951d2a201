/**
 * `n3mon migrate --from OLD_DATA_DIR --config NEW.yaml` — move an organisation from a single
 * SQLite collector to the scaled setup (docs/architecture.md "Moving to the scaled setup"): the
 * state (meta.db) into the new config's PostgreSQL, the series into its series store.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseFlags, usageError, type CliIO, type Command } from '../../../shared/src/cli/command.ts';
import { N3monError } from '../../../shared/src/errors.ts';
import { createLogger, type Logger } from '../../../shared/src/log.ts';
import { openSeriesStore } from '../collector.ts';
import { loadCollectorConfig, parseCollectorConfig } from '../config/load.ts';
import type { CollectorConfig } from '../config/schema.ts';
import { openSqlite } from '../meta/db.ts';
import { META_FILE } from '../meta/index.ts';
import { openStateDb } from '../meta/open-state.ts';
import { SqliteState } from '../meta/sqlite-state.ts';
import type { StateDb } from '../meta/state-db.ts';
import type { SeriesStore } from '../storage/types.ts';
import { migrateAllComponents } from '../migrate/components.ts';
import { copySeries, type SeriesCopyProgress } from '../migrate/series-copy.ts';
import { copyState, countSource, occupiedTargetTables, sourceTables, type TableCount } from '../migrate/state-copy.ts';

export const HELP = `usage: n3mon migrate --from OLD_DATA_DIR --config NEW_CONFIG [--dry-run] [--force]

Moves an organisation from a single collector on SQLite to the scaled setup (docs/architecture.md,
"Moving to the scaled setup"). Stop the old collector first (its data must not change meanwhile).

  1. State: every row of every state table of OLD_DATA_DIR/meta.db (practices, agents, tokens,
     API keys, batch ids, users, sessions, alerts and their history, incidents, maintenance
     windows, audit, templated config …) into the PostgreSQL named by NEW_CONFIG's \`state\`, after
     bringing both to this version's schema; table by table in foreign-key order, in ONE
     transaction (all or nothing); identity sequences set past the copied ids. A target that
     already holds data is refused.
  2. Series: every series and raw sample of OLD_DATA_DIR's SQLite series store into NEW_CONFIG's
     series store (storage.backend: influx), in batches, with progress on stderr. Only raw
     samples are copied: history older than the old storage.retention.rawDays (14 days by
     default) exists there as rollups only — archive past months' reports first
     (\`n3mon report --archive\`) and copy the archive directory to reports.archiveDir.

Prints the rows copied per table and the series and samples copied.

flags:
  --from DIR       the old collector's data directory (holding meta.db and the series store)
  --config FILE    the new collector config (state.backend: postgres; storage.backend: influx)
  --dry-run        count what would be copied and check the target; change nothing
  --force          copy over a target that holds data: its copies of the state tables are
                   emptied first (in the same transaction); series are merged (a sample of the
                   same series and time is overwritten)
  -h, --help       this text

exit: 0 copied, 1 refused or failed (nothing of the state is written then), 2 usage error.
`;

const FLAGS = {
  from: { type: 'string' },
  config: { type: 'string' },
  'dry-run': { type: 'boolean' },
  force: { type: 'boolean' },
} as const;

const DAY_MS = 86_400_000;

function cliLogger(env: NodeJS.ProcessEnv): Logger {
  return createLogger({ level: env.N3MON_LOG_LEVEL ?? 'warn', name: 'n3mon-migrate', destination: pino.destination({ fd: 2, sync: true }) });
}

function printCounts(io: CliIO, title: string, counts: readonly TableCount[]): void {
  const width = Math.max(5, ...counts.map((c) => c.table.length));
  io.out(`${title}\n`);
  for (const c of counts) io.out(`  ${c.table.padEnd(width)}  ${c.rows}\n`);
  io.out(`  ${'total'.padEnd(width)}  ${counts.reduce((a, c) => a + c.rows, 0)}\n`);
}

/** Progress on stderr: at most one line a second, and the last. */
function progressPrinter(io: CliIO): (p: SeriesCopyProgress) => void {
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (now - last < 1000 && p.seriesDone < p.seriesTotal) return;
    last = now;
    io.err(`series ${p.seriesDone}/${p.seriesTotal}, samples ${p.samples}\n`);
  };
}

export const command: Command = {
  name: 'migrate',
  summary: 'move an organisation from a SQLite collector to the scaled setup: `migrate --from OLD_DATA_DIR --config NEW.yaml`',
  help: HELP,
  async run(args: string[], io: CliIO): Promise<number> {
    const { values, help } = parseFlags(args, FLAGS);
    if (help) return (io.out(HELP), 0);
    if (values.from === undefined || values.from === '') throw usageError('--from OLD_DATA_DIR is required');
    if (values.config === undefined || values.config === '') throw usageError('--config NEW_CONFIG is required');
    const dryRun = values['dry-run'] === true;
    const metaFile = join(values.from, META_FILE);
    if (!existsSync(metaFile))
      throw new N3monError('N3MON_ERR_CONFIG_INVALID', `--from: ${metaFile} does not exist (is ${values.from} a collector's data directory?)`);
    const config: CollectorConfig = loadCollectorConfig(values.config);
    if (config.state.backend !== 'postgres')
      throw new N3monError('N3MON_ERR_CONFIG_INVALID', `${values.config}: state.backend must be postgres to migrate into (got ${config.state.backend})`);
    const log = cliLogger(io.env);
    // The old collector's stores, as its collector would open them (its own storage settings are not needed: SQLite under dataDir).
    const oldConfig = parseCollectorConfig({ dataDir: values.from }, '--from');

    const src = openSqlite(metaFile);
    let target: StateDb | undefined;
    let oldSeries: SeriesStore | undefined;
    let newSeries: SeriesStore | undefined;
    try {
      // The source at this version's schema, as starting this version's collector on it would.
      const srcState = new SqliteState(src, { file: metaFile });
      await migrateAllComponents(srcState);
      target = await openStateDb(config.state, { dataDir: config.dataDir, log });
      oldSeries = openSeriesStore(oldConfig, log);
      const now = Date.now();
      // Every raw sample the old store holds, whatever its raw retention was (a day ahead for skewed agent clocks).
      const range = { from: 0, to: now + DAY_MS };
      if (dryRun) {
        printCounts(io, `state: ${srcState.describe} → ${target.describe} (dry run: nothing written)`, countSource(src));
        const occupied = await occupiedTargetTables(target, sourceTables(src));
        io.out(
          occupied.length === 0
            ? '  target: no rows in these tables\n'
            : `  target already holds data (${occupied.map((t) => `${t.table}: ${t.rows}`).join(', ')}): the copy needs --force\n`,
        );
        const s = await copySeries(oldSeries, undefined, { ...range, dryRun: true, onProgress: progressPrinter(io) });
        io.out(`series: ${s.series} series (${s.seriesListed} listed), ${s.samples} samples to copy\n`);
        return 0;
      }
      newSeries = openSeriesStore(config, log);
      await newSeries.ready?.();
      const state = await copyState(src, target, { force: values.force === true });
      printCounts(io, `state: ${srcState.describe} → ${target.describe}`, state.tables);
      if (state.sequences.length > 0) io.out(`  sequences set past the copied ids: ${state.sequences.join(', ')}\n`);
      const s = await copySeries(oldSeries, newSeries, { ...range, onProgress: progressPrinter(io) });
      io.out(
        `series: ${s.series} series, ${s.samples} samples copied to ${newSeries.backend}${s.tooOld > 0 ? ` (${s.tooOld} older than its raw retention refused)` : ''}\n`,
      );
      return 0;
    } finally {
      await newSeries?.close();
      await oldSeries?.close();
      await target?.close();
      if (src.open) src.close();
    }
  },
};
