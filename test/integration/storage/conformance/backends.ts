/**
 * The backends the storage conformance suite runs against: one entry per registered backend, each
 * with a harness that opens a fresh, empty store (sqlite: a temp dir; influx: a new database in a
 * real influxd the suite starts on loopback). Adding a third backend = one entry here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../../shared/src/log.ts';
import { openSqliteStore } from '../../../../collector/src/storage/sqlite/index.ts';
import { openInfluxStore } from '../../../../collector/src/storage/influx/index.ts';
import { STORAGE_BACKENDS } from '../../../../collector/src/storage/registry.ts';
import type { RetentionPolicy, SeriesStore } from '../../../../collector/src/storage/types.ts';
import { INFLUXD, startInfluxd, type Influxd } from '../../../helpers/influxd.ts';
import { skipUnlessLab } from '../../../helpers/lab-guard.ts';

export const RETENTION: RetentionPolicy = { rawDays: 400, minuteDays: 400, hourDays: 800 };

export interface StoreHarness {
  store: SeriesStore;
  /** Close nothing; open the same data again (the previous store must be closed first). */
  reopen(opts?: { retention?: RetentionPolicy }): Promise<SeriesStore>;
  /** A second store on the same data (a reader process). */
  second(): Promise<SeriesStore>;
  /** Arguments for crash-writer.ts to open the same data in a child process, in a crash mode. */
  writerArgs(mode: string): string[];
  cleanup(): Promise<void>;
}

export interface BackendUnderTest {
  name: string;
  /** Skip (locally) / fail (CI) when the lab is missing. */
  skip(): boolean;
  /** Per test file: start what the backend needs. */
  setup(): Promise<void>;
  teardown(): Promise<void>;
  fresh(opts?: { retention?: RetentionPolicy }): Promise<StoreHarness>;
  /** Modes the crash test runs (sqlite: its synchronous modes). */
  crashModes: readonly string[];
}

function sqlite(): BackendUnderTest {
  return {
    name: 'sqlite',
    crashModes: ['normal', 'full'],
    skip: () => false,
    setup: async () => undefined,
    teardown: async () => undefined,
    async fresh(opts = {}) {
      const dir = mkdtempSync(join(tmpdir(), 'n3mon-store-'));
      const open = (retention = opts.retention ?? RETENTION): SeriesStore => openSqliteStore({ dir, retention, log: silentLogger(), synchronous: 'normal' });
      let store: SeriesStore;
      try {
        store = open();
      } catch (err) {
        rmSync(dir, { recursive: true, force: true });
        throw err;
      }
      const opened: SeriesStore[] = [store];
      const h: StoreHarness = {
        store,
        reopen: async (o = {}) => (h.store = open(o.retention)),
        writerArgs: (mode) => ['sqlite', dir, mode],
        second: async () => {
          const s = open();
          opened.push(s);
          return s;
        },
        async cleanup() {
          await h.store.close();
          for (const s of opened) await s.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
      return h;
    },
  };
}

function influx(): BackendUnderTest {
  let server: Influxd | undefined;
  let n = 0;
  return {
    name: 'influx',
    crashModes: ['wal'],
    skip: () => skipUnlessLab({ files: [INFLUXD] }),
    async setup() {
      server = await startInfluxd();
    },
    async teardown() {
      await server?.cleanup();
    },
    async fresh(opts = {}) {
      const srv = server as Influxd;
      const database = `conformance_${process.pid}_${++n}`;
      const open = async (retention = opts.retention ?? RETENTION): Promise<SeriesStore> => {
        const s = openInfluxStore({ settings: { url: srv.url, database, createDatabase: true, timeoutMs: 30_000 }, retention, log: silentLogger() });
        await s.ready();
        return s;
      };
      const opened: SeriesStore[] = [];
      const h: StoreHarness = {
        store: await open(),
        reopen: async (o = {}) => (h.store = await open(o.retention)),
        writerArgs: () => ['influx', srv.url, database],
        second: async () => {
          const s = await open();
          opened.push(s);
          return s;
        },
        async cleanup() {
          await h.store.close();
          for (const s of opened) await s.close();
          await srv.query(`DROP DATABASE "${database}"`);
        },
      };
      return h;
    },
  };
}

/** Every registered backend, in registry order. */
export const BACKENDS: BackendUnderTest[] = [sqlite(), influx()];

/** The suite covers every registered backend (a new backend must be added above). */
export function untestedBackends(): string[] {
  return Object.keys(STORAGE_BACKENDS).filter((name) => !BACKENDS.some((b) => b.name === name));
}
