/**
 * Storage backends (STYLE habit 7): the only place that lists them. A new backend is a new folder
 * exporting a StorageBackend (its name, its own config keys as TypeBox fields, open), plus one
 * line in STORAGE_BACKENDS; the collector's `storage:` schema is composed from this list
 * (storageConfigSchema) and nothing else branches on the name.
 */
import Type, { type TProperties, type TSchema } from 'typebox';
import type { Logger } from '../../../shared/src/log.ts';
import type { Clock } from '../../../shared/src/clock.ts';
import type { RetentionPolicy, SeriesStore } from './types.ts';
import { openThreadedSqliteStore } from './threaded/index.ts';
import { openSqliteReader } from './sqlite/read-only.ts';
import { openInfluxStore } from './influx/index.ts';
import { influxSettingsFields, type InfluxSettings } from './influx/config.ts';
import { N3monError } from '../../../shared/src/errors.ts';

export interface StoreOpenOptions {
  /** The collector's data directory. */
  dataDir: string;
  retention: RetentionPolicy;
  log: Logger;
  clock?: Clock;
  /** The collector config's `storage` object (validated against storageConfigSchema). */
  settings?: Readonly<Record<string, unknown>>;
}

/**
 * The read side alone, over its own connection (openStoreReader): what a report worker thread
 * reads the month through while the collector's store keeps writing.
 */
export type SeriesReader = Pick<SeriesStore, 'aggregate' | 'raw' | 'close' | 'ready'>;

export interface StorageBackend {
  readonly name: string;
  /** The backend's own keys under `storage:` (besides backend, retention, maintenanceIntervalMs). */
  readonly settings: TProperties;
  open(opts: StoreOpenOptions): SeriesStore;
  /** A reader with its own connection, for another thread (report workers); never writes. */
  openReader(opts: StoreOpenOptions): SeriesReader;
}

/** Defaults: raw for 2 weeks, minutes for 3 months, hours for 26 months (year-on-year reports). */
export const DEFAULT_RETENTION: RetentionPolicy = Object.freeze({ rawDays: 14, minuteDays: 92, hourDays: 800 });

const sqliteBackend: StorageBackend = {
  name: 'sqlite',
  settings: {
    synchronous: Type.Enum(['full', 'normal'], {
      default: 'full',
      description: 'sqlite: full = an acknowledged batch survives power loss (fsync per commit); normal = survives a process crash only.',
    }),
  },
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
  // A read-only connection to the same series.db (WAL: readers do not block the writer).
  openReader: (opts) => openSqliteReader({ dir: opts.dataDir, log: opts.log }),
};

function openInflux(opts: StoreOpenOptions): SeriesStore {
  const s = { createDatabase: false, timeoutMs: 10_000, ...opts.settings } as unknown as InfluxSettings;
  if (typeof s.url !== 'string' || typeof s.database !== 'string')
    throw new N3monError('N3MON_ERR_CONFIG_INVALID', 'storage.url, storage.database: required for the influx backend');
  return openInfluxStore({ settings: s, retention: opts.retention, log: opts.log, ...(opts.clock === undefined ? {} : { clock: opts.clock }) });
}

const influxBackend: StorageBackend = {
  name: 'influx',
  settings: influxSettingsFields,
  open: openInflux,
  // Its own HTTP client and series index; only read through (maintain is the collector's).
  openReader: openInflux,
};

export const STORAGE_BACKENDS: Readonly<Record<string, StorageBackend>> = Object.freeze({
  sqlite: sqliteBackend,
  influx: influxBackend,
});

export type StorageBackendName = keyof typeof STORAGE_BACKENDS;

/**
 * The collector config's `storage:` schema: one branch per backend (`backend` tells them apart),
 * each the common keys plus the backend's own; the first backend (sqlite) is the default, so
 * `storage:` without `backend` is sqlite. Unknown keys — including another backend's — are errors.
 */
export function storageConfigSchema(common: TProperties): TSchema {
  const branches = Object.values(STORAGE_BACKENDS).map((b, i) =>
    Type.Object(
      {
        backend: Type.Literal(
          b.name,
          i === 0 ? { default: b.name, description: `Series store backend: ${Object.keys(STORAGE_BACKENDS).join(' | ')} (docs/storage.md).` } : {},
        ),
        ...common,
        ...b.settings,
      },
      { additionalProperties: false },
    ),
  );
  return Type.Union(branches, { default: {} });
}

function backendNamed(name: string): StorageBackend {
  const backend = Object.hasOwn(STORAGE_BACKENDS, name) ? STORAGE_BACKENDS[name] : undefined;
  if (backend === undefined) {
    throw new N3monError('N3MON_ERR_CONFIG_INVALID', `store.backend: unknown backend '${name}' (known: ${Object.keys(STORAGE_BACKENDS).join(', ')})`);
  }
  return backend;
}

/** Open the named backend; an unknown name is a configuration error. */
export function openStore(name: string, opts: StoreOpenOptions): SeriesStore {
  return backendNamed(name).open(opts);
}

/** A read-only reader of the named backend's store, with its own connection (report workers). */
export function openStoreReader(name: string, opts: StoreOpenOptions): SeriesReader {
  return backendNamed(name).openReader(opts);
}
