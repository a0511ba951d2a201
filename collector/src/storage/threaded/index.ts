/**
 * The SQLite series store in its own worker thread, behind the same SeriesStore interface.
 *
 * Why: on the collector's main thread every ingest request costs JSON decode + parse + schema
 * check (~2–3 µs a sample) and the store's B-tree inserts, series lookup and WAL fsync come on
 * top, on the same core. With the store in a worker the two halves run on two cores and the
 * fsync no longer stalls request handling (README.md beside this file has the measurements).
 *
 * The worker runs the unchanged store (sqlite/index.ts), so every guarantee stays its own: a
 * write resolves only after its transaction committed (synchronous=FULL: fsynced), group commit
 * across concurrent writes, idempotent per (series, ts). This side only forwards calls:
 * open is synchronous (the caller blocks until the worker has opened the database, so open
 * errors throw here as they did inline), `stats()` answers from the copy the worker sends with
 * every write/maintain reply, and the worker is ref'd only while a call is pending (an idle store
 * does not keep the process alive, a pending write does).
 */
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { N3monError } from '../../../../shared/src/errors.ts';
import type { Logger } from '../../../../shared/src/log.ts';
import type {
  AggregateQuery,
  Bucket,
  RawColumns,
  RawPoint,
  SeriesSelector,
  SeriesStore,
  StoredSeries,
  StoreStats,
  WriteRequest,
  WriteResult,
} from '../types.ts';
import { checkRetention, type SqliteStoreOptions } from '../sqlite/index.ts';
import { relayWorkerLog, workerModule } from '../../worker-threads.ts';
import {
  fromWireBuckets,
  fromWireError,
  WORKER_ROLE,
  type Call,
  type LogMsg,
  type OpenResult,
  type PieceMsg,
  type Reply,
  type WireBucket,
  type WorkerData,
} from './protocol.ts';

/** How long open() waits for the worker to open the database. */
const OPEN_TIMEOUT_MS = 120_000;
/** Samples per JSON piece of a write (see write()). */
const SAMPLES_PER_PIECE = 400;

/** The store worker's entry module (dist/store-worker.js in a build) and the tsx loader from source. */
function workerEntry(): { entry: string; tsx: string | undefined } {
  return workerModule(import.meta.url, { source: './worker.ts', built: 'store-worker.js' });
}

/** CommonJS bootstrap (eval): register tsx if needed, import the entry, run the worker. */
const BOOT = `
const { workerData } = require('node:worker_threads');
const signal = new Int32Array(workerData.openSignal);
(async () => {
  if (workerData.tsx !== undefined) {
    const tsx = await import(workerData.tsx);
    (tsx.register ?? tsx.default.register)();
  }
  const m = await import(workerData.entry);
  m.runStoreWorker();
})().catch((err) => {
  workerData.openPort.postMessage({ ok: false, error: { message: 'store worker did not start: ' + (err && err.stack || String(err)) } });
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
});
`;

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

class ThreadedSqliteStore implements SeriesStore {
  readonly backend = 'sqlite';
  readonly #worker: Worker;
  readonly #log: Logger;
  readonly #pending = new Map<number, Pending>();
  #next = 1;
  #stats: StoreStats;
  #closed = false;
  /** Set when the worker died: every later call fails with it. */
  #dead: N3monError | undefined;

  constructor(worker: Worker, log: Logger, stats: StoreStats) {
    this.#worker = worker;
    this.#log = log;
    this.#stats = stats;
    worker.unref();
    worker.on('message', (m: Reply | LogMsg) => {
      if ('op' in m) relayWorkerLog(this.#log, m.line, 'store');
      else this.#settle(m);
    });
    worker.on('error', (err) => {
      this.#log.error({ err }, 'store worker failed; the store is unavailable until the collector restarts');
      this.#die(new N3monError('N3MON_ERR_STORE', `store worker failed: ${err.message}`, { cause: err }));
    });
    worker.on('exit', (code) =>
      this.#die(
        new N3monError(
          this.#closed ? 'N3MON_ERR_UNAVAILABLE' : 'N3MON_ERR_STORE',
          this.#closed ? 'series store is closed' : `store worker exited (code ${code})`,
        ),
      ),
    );
  }

  write(req: WriteRequest): Promise<WriteResult> {
    // The samples go as JSON pieces of SAMPLES_PER_PIECE samples (~50–100 KB), one message each,
    // then the write itself: every string and message buffer stays small (V8's young generation,
    // malloc's reused arena). One 1 MB string or message per batch would take fresh pages every
    // time — a page fault per 4 KB, which on a busy VM costs more than the JSON work itself.
    if (this.#closed || this.#dead !== undefined)
      return this.#call({ op: 'write', practice: req.practice, agent: req.agent, pieces: 0 }) as Promise<WriteResult>;
    const samples = req.samples;
    let pieces = 0;
    try {
      for (let i = 0; i < samples.length; i += SAMPLES_PER_PIECE) {
        this.#worker.postMessage({ op: 'piece', text: JSON.stringify(samples.slice(i, i + SAMPLES_PER_PIECE)) } satisfies PieceMsg);
        pieces++;
      }
    } catch (err) {
      if (pieces > 0) this.#worker.postMessage({ op: 'drop' } satisfies PieceMsg);
      return Promise.reject(
        new N3monError('N3MON_ERR_STORE', `write refused, nothing stored:\nsamples: not serialisable (${(err as Error).message})`, { cause: err }),
      );
    }
    return this.#call({ op: 'write', practice: req.practice, agent: req.agent, pieces }) as Promise<WriteResult>;
  }

  findSeries(selector: SeriesSelector): Promise<StoredSeries[]> {
    return this.#call({ op: 'findSeries', selector }) as Promise<StoredSeries[]>;
  }

  raw(seriesId: string, from: number, to: number): Promise<RawPoint[]> {
    return this.#call({ op: 'raw', seriesId, from, to }) as Promise<RawPoint[]>;
  }

  rawMany(seriesIds: readonly string[], from: number, to: number): Promise<RawColumns> {
    return this.#call({ op: 'rawMany', seriesIds, from, to }) as Promise<RawColumns>;
  }

  async aggregate(query: AggregateQuery): Promise<Map<string, Bucket[]>> {
    return fromWireBuckets((await this.#call({ op: 'aggregate', query })) as Map<string, WireBucket[]>);
  }

  async maintain(now: number): Promise<void> {
    await this.#call({ op: 'maintain', now });
  }

  stats(): StoreStats {
    return this.#stats;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      if (this.#dead === undefined) await this.#call({ op: 'close' });
    } finally {
      this.#closed = true;
      await this.#worker.terminate();
    }
  }

  #call(call: Call): Promise<unknown> {
    if (this.#closed) return Promise.reject(new N3monError('N3MON_ERR_UNAVAILABLE', 'series store is closed'));
    if (this.#dead !== undefined) return Promise.reject(this.#dead);
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ ...call, id });
    });
  }

  #settle(reply: Reply): void {
    const p = this.#pending.get(reply.id);
    if (p === undefined) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) this.#worker.unref();
    if (reply.stats !== undefined) this.#stats = reply.stats;
    if (reply.ok) p.resolve(reply.value);
    else p.reject(fromWireError(reply.error));
  }

  #die(err: N3monError): void {
    this.#dead ??= err;
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }
}

export interface ThreadedStoreOptions extends Omit<SqliteStoreOptions, 'clock'> {
  log: Logger;
  /** How long open waits for the worker to open the database (default OPEN_TIMEOUT_MS). */
  openTimeoutMs?: number;
}

/**
 * Open the SQLite series store in a worker thread. Blocks until the database is open; throws what
 * openSqliteStore would (N3MON_ERR_CONFIG_INVALID, N3MON_ERR_STORE).
 */
export function openThreadedSqliteStore(opts: ThreadedStoreOptions): SeriesStore {
  const problems = checkRetention(opts.retention);
  if (problems.length > 0) throw new N3monError('N3MON_ERR_CONFIG_INVALID', `store: ${problems.join('; ')}`, { problems });
  const { log, openTimeoutMs = OPEN_TIMEOUT_MS, ...options } = opts;
  const { entry, tsx } = workerEntry();
  const openSignal = new SharedArrayBuffer(4);
  const channel = new MessageChannel();
  const data: WorkerData & { entry: string; tsx: string | undefined } = {
    role: WORKER_ROLE,
    options,
    logLevel: log.level,
    openSignal,
    openPort: channel.port2,
    entry,
    tsx,
  };
  const worker = new Worker(BOOT, { eval: true, workerData: data, transferList: [channel.port2], name: 'n3mon-store' });
  // Log lines the worker writes while opening arrive after this returns (they are queued).
  const signal = new Int32Array(openSignal);
  const waited = Atomics.wait(signal, 0, 0, openTimeoutMs);
  const result = receiveMessageOnPort(channel.port1)?.message as OpenResult | undefined;
  channel.port1.close();
  if (waited === 'timed-out' || result === undefined || !result.ok) {
    void worker.terminate();
    if (result !== undefined && !result.ok) throw fromWireError(result.error);
    throw new N3monError('N3MON_ERR_STORE', `the store worker did not open the database within ${openTimeoutMs / 1000} s`);
  }
  return new ThreadedSqliteStore(worker, log, result.stats);
}
