/**
 * The store's worker thread: opens the SQLite series store (sqlite/index.ts, unchanged) and
 * serves the main thread's calls in arrival order. Writes that arrive while a commit (and its
 * fsync) is running queue up and are committed together by the store's group commit; each reply
 * goes out only after its write committed.
 *
 * Entry point: dist/store-worker.js in a build, this file (through tsx) from source.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { writeFileSync } from 'node:fs';
import { pino, type Logger } from 'pino';
import { openSqliteStore } from '../sqlite/index.ts';
import type { SeriesStore, StoreStats } from '../types.ts';
import { N3monError } from '../../../../shared/src/errors.ts';
import type { WireSample } from '../../../../shared/src/wire.ts';
import {
  toWireBuckets,
  toWireError,
  WORKER_ROLE,
  type Call,
  type LogMsg,
  type OpenResult,
  type PieceMsg,
  type Reply,
  type Request,
  type WorkerData,
} from './protocol.ts';

/** Samples of the next write, parsed piece by piece as they arrive. */
let arrived: WireSample[] = [];
let arrivedPieces = 0;

function takeArrived(pieces: number): WireSample[] {
  const samples = arrived;
  const got = arrivedPieces;
  arrived = [];
  arrivedPieces = 0;
  if (got !== pieces) throw new N3monError('N3MON_ERR_STORE', `store worker: a write announced ${pieces} piece(s) of samples, ${got} arrived (a bug)`);
  return samples;
}

function dispatch(store: SeriesStore, call: Call): Promise<unknown> {
  switch (call.op) {
    case 'write':
      return store.write({ practice: call.practice, agent: call.agent, samples: takeArrived(call.pieces) });
    case 'findSeries':
      return store.findSeries(call.selector);
    case 'raw':
      return store.raw(call.seriesId, call.from, call.to);
    case 'rawMany':
      return (store.rawMany as NonNullable<SeriesStore['rawMany']>).call(store, call.seriesIds, call.from, call.to);
    case 'aggregate':
      return store.aggregate(call.query).then(toWireBuckets);
    case 'maintain':
      return store.maintain(call.now);
    case 'close':
      return store.close();
  }
}

/** Names this thread `n3mon-store` for top -H, ps and /proc (Linux; elsewhere it stays unnamed). */
function nameThread(log: Logger): void {
  try {
    writeFileSync('/proc/thread-self/comm', 'n3mon-store');
  } catch (err) {
    log.debug({ err }, 'store worker: cannot name the thread (not Linux?)');
  }
}

/** Calls after which the main thread's copy of stats() must be refreshed. */
const CHANGES_STATS = new Set<Call['op']>(['write', 'maintain', 'close']);

export function runStoreWorker(): void {
  const data = workerData as WorkerData;
  const port = parentPort;
  if (port === null || data?.role !== WORKER_ROLE) throw new Error('runStoreWorker: not in a store worker thread');
  // The store's log lines go to the main thread, which emits them through the collector's logger.
  const log = pino({ level: data.logLevel, base: null, timestamp: false }, { write: (line: string) => port.postMessage({ op: 'log', line } satisfies LogMsg) });
  nameThread(log);
  const answerOpen = (result: OpenResult): void => {
    data.openPort.postMessage(result);
    const signal = new Int32Array(data.openSignal);
    Atomics.store(signal, 0, 1);
    Atomics.notify(signal, 0);
  };
  let store: SeriesStore;
  try {
    store = openSqliteStore({ ...data.options, log });
  } catch (err) {
    answerOpen({ ok: false, error: toWireError(err) });
    return;
  }
  answerOpen({ ok: true, stats: store.stats() });
  let stats: StoreStats = store.stats();
  port.on('message', (req: Request | PieceMsg) => {
    if (req.op === 'piece') {
      const part = JSON.parse(req.text) as WireSample[];
      for (let i = 0; i < part.length; i++) arrived.push(part[i] as WireSample);
      arrivedPieces++;
      return;
    }
    if (req.op === 'drop') {
      arrived = [];
      arrivedPieces = 0;
      return;
    }
    // Dispatched now, in message order: a write takes its pieces before the next write's pieces
    // arrive. A call that throws synchronously still answers.
    let result: Promise<unknown>;
    try {
      result = dispatch(store, req);
    } catch (err) {
      result = Promise.reject(err);
    }
    result.then(
      (value) => {
        if (CHANGES_STATS.has(req.op)) stats = store.stats();
        port.postMessage({ id: req.id, ok: true, value, ...(CHANGES_STATS.has(req.op) ? { stats } : {}) } satisfies Reply);
      },
      (err: unknown) => port.postMessage({ id: req.id, ok: false, error: toWireError(err) } satisfies Reply),
    );
  });
}
