/**
 * What the main thread and the store's worker thread say to each other (structured clone over a
 * MessagePort). Samples travel as JSON text: V8 stringifies plain objects several times faster
 * than it structured-clones them, and the worker parses JSON faster than it deserialises a clone.
 * Sketches travel encoded (the store's own persisted form) and are decoded lazily on arrival.
 */
import type { MessagePort } from 'node:worker_threads';
import { N3monError, ERROR_CODES, type ErrorCode } from '../../../../shared/src/errors.ts';
import { DDSketch } from '../sketch.ts';
import type { AggregateQuery, Bucket, SeriesSelector, StoreStats } from '../types.ts';
import type { SqliteStoreOptions } from '../sqlite/index.ts';

export const WORKER_ROLE = 'n3mon-sqlite-store';

/** Options of the inner store that can cross a thread boundary (no logger, no clock). */
export type WorkerStoreOptions = Omit<SqliteStoreOptions, 'log' | 'clock'>;

export interface WorkerData {
  role: typeof WORKER_ROLE;
  options: WorkerStoreOptions;
  logLevel: string;
  /** Int32 slot the worker sets to 1 once the open result is on `openPort`. */
  openSignal: SharedArrayBuffer;
  openPort: MessagePort;
}

export type Call =
  /** The samples arrived just before as `pieces` PieceMsg messages. */
  | { op: 'write'; practice: string; agent: string; pieces: number }
  | { op: 'findSeries'; selector: SeriesSelector }
  | { op: 'raw'; seriesId: string; from: number; to: number }
  | { op: 'rawMany'; seriesIds: readonly string[]; from: number; to: number }
  | { op: 'aggregate'; query: AggregateQuery }
  | { op: 'maintain'; now: number }
  | { op: 'close' };

export type Request = Call & { id: number };

/** Part of the next write's samples (a JSON array), or `drop`: forget the parts sent so far. */
export type PieceMsg = { op: 'piece'; text: string } | { op: 'drop' };

export interface WireError {
  message: string;
  code?: string;
  problems?: readonly string[];
  stack?: string;
}

export type Reply = { id: number; ok: true; value: unknown; stats?: StoreStats } | { id: number; ok: false; error: WireError; stats?: StoreStats };

/** A log line of the worker's pino logger, re-emitted by the main thread's logger. */
export interface LogMsg {
  op: 'log';
  line: string;
}

export type OpenResult = { ok: true; stats: StoreStats } | { ok: false; error: WireError };

export function toWireError(err: unknown): WireError {
  if (!(err instanceof Error)) return { message: String(err) };
  const e = err as Error & { code?: unknown; problems?: unknown };
  return {
    message: e.message,
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(Array.isArray(e.problems) ? { problems: e.problems as string[] } : {}),
    ...(e.stack === undefined ? {} : { stack: e.stack }),
  };
}

/** Back to an N3monError with the same code, message and problems (anything else is a store error). */
export function fromWireError(w: WireError): N3monError {
  const code: ErrorCode = w.code !== undefined && Object.hasOwn(ERROR_CODES, w.code) ? (w.code as ErrorCode) : 'N3MON_ERR_STORE';
  const err = new N3monError(code, w.message, w.problems === undefined ? {} : { problems: w.problems });
  if (w.stack !== undefined) err.stack = `${err.name}: ${w.message}\n    (in the store worker thread)\n${w.stack.split('\n').slice(1).join('\n')}`;
  return err;
}

export interface WireBucket {
  start: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  sketch: Uint8Array;
}

export function toWireBuckets(map: Map<string, Bucket[]>): Map<string, WireBucket[]> {
  const out = new Map<string, WireBucket[]>();
  for (const [id, buckets] of map)
    out.set(
      id,
      buckets.map((b) => ({ start: b.start, count: b.count, sum: b.sum, min: b.min, max: b.max, sketch: b.sketch.encode() })),
    );
  return out;
}

export function fromWireBuckets(map: Map<string, WireBucket[]>): Map<string, Bucket[]> {
  const out = new Map<string, Bucket[]>();
  for (const [id, buckets] of map)
    out.set(
      id,
      buckets.map((b) => ({ start: b.start, count: b.count, sum: b.sum, min: b.min, max: b.max, sketch: DDSketch.fromEncoded(b.sketch) })),
    );
  return out;
}
