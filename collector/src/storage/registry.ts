/**
 * Storage backends (STYLE habit 7): the only place that lists them. A new backend is a new folder
 * exporting a StorageBackend, plus one line in STORAGE_BACKENDS; nothing else branches on the name.
 */
import type { Logger } from '../../../shared/src/log.ts';
import type { Clock } from '../../../shared/src/clock.ts';
import type { RetentionPolicy, SeriesStore } from './types.ts';
import { openThreadedSqliteStore } from './threaded/index.ts';
import { N3monError } from '../../../shared/src/errors.ts';

export interface StoreOpenOptions {
  /** The collector's data directory. */
  dataDir: string;
  retention: RetentionPolicy;
  log: Logger;
  clock?: Clock;
  /** Backend-specific settings from the collector config (validated by the backend). */
  settings?: Readonly<Record<string, unknown>>;
}

export interface StorageBackend {
  readonly name: string;
  open(opts: StoreOpenOptions): SeriesStore;
}

/** Defaults: raw for 2 weeks, minutes for 3 months, hours for 26 months (year-on-year reports). */
export const DEFAULT_RETENTION: RetentionPolicy = Object.freeze({ rawDays: 14, minuteDays: 92, hourDays: 800 });

const sqliteBackend: StorageBackend = {
  name: 'sqlite',
  // The store runs in a worker thread (threaded/): ingest parses on the main thread while the
  // worker inserts and fsyncs. The clock only times log lines, so the worker uses its own.
  open: (opts) => {
    const s = opts.settings ?? {};
    return openThreadedSqliteStore({
      dir: opts.dataDir,
      retention: opts.retention,
      log: opts.log,
      ...(s.synchronous === 'normal' || s.synchronous === 'full' ? { synchronous: s.synchronous } : {}),
    });
  },
};

export const STORAGE_BACKENDS: Readonly<Record<string, StorageBackend>> = Object.freeze({
  sqlite: sqliteBackend,
});

export type StorageBackendName = keyof typeof STORAGE_BACKENDS;

/** Open the named backend; an unknown name is a configuration error. */
export function openStore(name: string, opts: StoreOpenOptions): SeriesStore {
  const backend = Object.hasOwn(STORAGE_BACKENDS, name) ? STORAGE_BACKENDS[name] : undefined;
  if (backend === undefined) {
    throw new N3monError('N3MON_ERR_CONFIG_INVALID', `store.backend: unknown backend '${name}' (known: ${Object.keys(STORAGE_BACKENDS).join(', ')})`);
  }
  return backend.open(opts);
}
