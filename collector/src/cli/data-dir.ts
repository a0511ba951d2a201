/**
 * Where the state of a CLI command lives: `--config FILE` (the state database it names — meta.db in
 * its dataDir, or PostgreSQL — with the config's practices synced first), or `--data-dir DIR`, or
 * $N3MON_DATA_DIR, or ./data (meta.db there).
 */
import type { CliIO } from '../../../shared/src/cli/command.ts';
import { usageError } from '../../../shared/src/cli/command.ts';
import { loadCollectorConfig } from '../config/load.ts';
import { openMeta, openMetaOn, type Meta } from '../meta/index.ts';
import { openStateDb } from '../meta/open-state.ts';
import { silentLogger } from '../../../shared/src/log.ts';

export const DATA_DIR_FLAGS = {
  'data-dir': { type: 'string' },
  config: { type: 'string' },
} as const;

export const DATA_DIR_HELP = `  --data-dir DIR   data directory holding meta.db (default ./data, or $N3MON_DATA_DIR)
  --config FILE    collector config: use its dataDir and its practices`;

export function resolveDataDir(values: { 'data-dir'?: string; config?: string }, env: NodeJS.ProcessEnv): { dataDir: string; configFile?: string } {
  if (values['data-dir'] !== undefined && values.config !== undefined) throw usageError('give --data-dir or --config, not both');
  if (values.config !== undefined) return { dataDir: loadCollectorConfig(values.config).dataDir, configFile: values.config };
  return { dataDir: values['data-dir'] ?? env.N3MON_DATA_DIR ?? './data' };
}

/**
 * Open the state database for a command: with --config, the one the config names (`state:`,
 * PostgreSQL included), after syncing the config's practices; otherwise meta.db in the data dir.
 */
export async function openMetaFor(values: { 'data-dir'?: string; config?: string }, io: CliIO, now = Date.now()): Promise<Meta> {
  const where = resolveDataDir(values, io.env);
  if (where.configFile === undefined) return openMeta({ dataDir: where.dataDir });
  const config = loadCollectorConfig(where.configFile);
  const meta = await openMetaOn(await openStateDb(config.state, { dataDir: config.dataDir, log: silentLogger() }));
  try {
    await meta.practices.syncFromConfig(config.practices, now);
  } catch (err) {
    await meta.close();
    throw err;
  }
  return meta;
}

/** Plain text table, columns padded. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

export function isoOrDash(ts: number | null | undefined): string {
  return ts === null || ts === undefined ? '-' : new Date(ts).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
