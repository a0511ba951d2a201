/**
 * Reading scalars and table columns over an SnmpSession, robustly:
 *
 * - Several columns are walked side by side, one GETBULK (v2c/v3) or GETNEXT (v1) carrying the
 *   cursor of every column still open. A column ends at the first OID outside its subtree or at
 *   endOfMibView, so a walk never runs past its table.
 * - max-repetitions is per device (BulkTuning, kept by the probe between runs): halved on tooBig
 *   and on every timeout before the retry, grown by a quarter after a clean walk, never above the
 *   configured ceiling. Smaller answers survive loss and fragmentation better.
 * - Each request is retried up to `retries` times on timeout; other failures end the walk.
 * - Guards: an agent that returns non-increasing OIDs, an empty answer, or more than maxRows rows
 *   is a protocol error, never an endless loop.
 * - Every value carries `atMs` (midpoint of the request that fetched it, monotonic clock) so rates
 *   use the time each counter was actually read.
 */
import type { Clock } from '../../../../shared/src/clock.ts';
import { compareOids, isUnder } from './oids.ts';
import type { SnmpFailure, SnmpResult, SnmpSession, SnmpVersion, Varbind } from './session.ts';

export interface Cell {
  vb: Varbind;
  atMs: number;
}

/** Row index suffix (after the column OID) → cell. */
export type Column = Map<string, Cell>;

export interface BulkTuning {
  /** Current max-repetitions. */
  maxRepetitions: number;
  /** Configured maximum. */
  readonly ceiling: number;
}

export interface WalkOptions {
  version: SnmpVersion;
  retries: number;
  signal: AbortSignal;
  clock: Clock;
  tuning: BulkTuning;
  /** A column with more rows than this is a protocol error (default 10,000). */
  maxRows?: number;
  /** A walk needing more requests than this is a protocol error (default 5,000). */
  maxRequests?: number;
  /**
   * Rows each column should have (ifNumber): a GETBULK then asks for no more than the rows still
   * missing, plus one to see the column end, instead of running far into the next column.
   */
  expectedRows?: number;
}

export interface WalkStats {
  requests: number;
  timeouts: number;
  tooBig: number;
}

export type WalkResult = { ok: true; columns: Map<string, Column>; stats: WalkStats } | { ok: false; failure: SnmpFailure; stats: WalkStats };

const DEFAULT_MAX_ROWS = 10_000;
const DEFAULT_MAX_REQUESTS = 5_000;

function halve(t: BulkTuning): boolean {
  if (t.maxRepetitions <= 1) return false;
  t.maxRepetitions = Math.max(1, Math.floor(t.maxRepetitions / 2));
  return true;
}

/** After a clean walk: +25 % (at least +1), up to the ceiling. */
export function growTuning(t: BulkTuning): void {
  t.maxRepetitions = Math.min(t.ceiling, t.maxRepetitions + Math.max(1, Math.floor(t.maxRepetitions / 4)));
}

function isEnd(vb: Varbind): boolean {
  return vb.type === 'endOfMibView' || vb.type === 'noSuchObject' || vb.type === 'noSuchInstance';
}

function repetitionsFor(active: readonly [string, string][], data: ReadonlyMap<string, Column>, opts: WalkOptions): number {
  const expected = opts.expectedRows;
  if (expected === undefined || expected < 1) return opts.tuning.maxRepetitions;
  // A column already past the hint (ifNumber was wrong) goes back to full-size requests.
  const missing = Math.max(
    ...active.map(([col]) => {
      const left = expected - (data.get(col)?.size ?? 0) + 1;
      return left >= 1 ? left : opts.tuning.maxRepetitions;
    }),
  );
  return Math.max(1, Math.min(opts.tuning.maxRepetitions, missing));
}

/** Walks the given column subtrees side by side. */
export async function walkColumns(session: SnmpSession, columns: readonly string[], opts: WalkOptions): Promise<WalkResult> {
  const stats: WalkStats = { requests: 0, timeouts: 0, tooBig: 0 };
  const maxRows = opts.maxRows ?? DEFAULT_MAX_ROWS;
  const maxRequests = opts.maxRequests ?? DEFAULT_MAX_REQUESTS;
  const data = new Map<string, Column>(columns.map((c) => [c, new Map()]));
  const cursors = new Map<string, string>(columns.map((c) => [c, c]));
  let retriesLeft = opts.retries;
  const failed = (failure: SnmpFailure): WalkResult => ({ ok: false, failure, stats });

  while (cursors.size > 0) {
    if (opts.signal.aborted) return failed({ kind: 'aborted', message: 'run aborted during a table walk' });
    if (stats.requests >= maxRequests) return failed({ kind: 'protocol', message: `table walk did not finish within ${maxRequests} requests` });
    const active = [...cursors.entries()];
    const oids = active.map(([, cursor]) => cursor);
    const t0 = opts.clock.monotonic();
    let res: SnmpResult<Varbind[][]>;
    if (opts.version === '1') {
      const r = await session.getNext(oids, opts.signal);
      res = r.ok ? { ok: true, value: r.value.map((vb) => [vb]) } : r;
    } else {
      res = await session.getBulk(oids, repetitionsFor(active, data, opts), opts.signal);
    }
    const atMs = (t0 + opts.clock.monotonic()) / 2;
    stats.requests++;

    if (!res.ok) {
      const f = res.failure;
      if (f.kind === 'too_big') {
        stats.tooBig++;
        if (opts.version !== '1' && halve(opts.tuning)) continue;
        return failed({ kind: 'protocol', message: 'tooBig even for the smallest request' });
      }
      if (f.kind === 'timeout' && retriesLeft > 0) {
        stats.timeouts++;
        retriesLeft--;
        if (opts.version !== '1') halve(opts.tuning);
        continue;
      }
      if (f.kind === 'timeout') stats.timeouts++;
      if (f.kind === 'no_such_name' && opts.version === '1') {
        // SNMPv1 says "end of MIB" this way; the error index tells which column ended.
        const ended = f.oid !== undefined ? active.find(([, cursor]) => cursor === f.oid)?.[0] : active.length === 1 ? active[0]?.[0] : undefined;
        if (ended !== undefined) {
          cursors.delete(ended);
          continue;
        }
        return failed({ kind: 'protocol', message: 'noSuchName without an error index in a multi-column GETNEXT' });
      }
      return failed(f);
    }
    retriesLeft = opts.retries;

    let progressed = false;
    for (let i = 0; i < active.length; i++) {
      const [col] = active[i] as [string, string];
      let cursor = cursors.get(col) as string;
      const column = data.get(col) as Column;
      for (const vb of res.value[i] ?? []) {
        if (isEnd(vb) || !isUnder(col, vb.oid)) {
          cursors.delete(col);
          progressed = true;
          break;
        }
        if (compareOids(vb.oid, cursor) <= 0) {
          return failed({ kind: 'protocol', message: `the agent returned ${vb.oid} after ${cursor} (OIDs must increase)` });
        }
        column.set(vb.oid.slice(col.length + 1), { vb, atMs });
        cursor = vb.oid;
        progressed = true;
        if (column.size > maxRows) return failed({ kind: 'protocol', message: `column ${col} has more than ${maxRows} rows` });
      }
      if (cursors.has(col)) cursors.set(col, cursor);
    }
    if (!progressed) return failed({ kind: 'protocol', message: 'the agent answered a walk request with no varbinds' });
  }
  if (opts.version !== '1' && stats.timeouts === 0 && stats.tooBig === 0) growTuning(opts.tuning);
  return { ok: true, columns: data, stats };
}

export interface ScalarOptions {
  version: SnmpVersion;
  retries: number;
  signal: AbortSignal;
  clock: Clock;
}

/**
 * GETs scalars; missing ones (noSuchObject/noSuchInstance, or SNMPv1 noSuchName) are simply absent
 * from the result. Retries on timeout.
 */
export async function getScalars(
  session: SnmpSession,
  oids: readonly string[],
  opts: ScalarOptions,
): Promise<SnmpResult<{ values: Map<string, Varbind>; atMs: number; requests: number }>> {
  let pending = [...oids];
  let retriesLeft = opts.retries;
  let requests = 0;
  while (pending.length > 0) {
    const t0 = opts.clock.monotonic();
    const res = await session.get(pending, opts.signal);
    const atMs = (t0 + opts.clock.monotonic()) / 2;
    requests++;
    if (res.ok) {
      const values = new Map<string, Varbind>();
      res.value.forEach((vb, i) => {
        if (!isEnd(vb) && vb.type !== 'null') values.set(pending[i] ?? vb.oid, vb);
      });
      return { ok: true, value: { values, atMs, requests } };
    }
    const f = res.failure;
    if (f.kind === 'timeout' && retriesLeft > 0) {
      retriesLeft--;
      continue;
    }
    if (f.kind === 'no_such_name') {
      const bad = f.oid ?? (pending.length === 1 ? pending[0] : undefined);
      if (bad !== undefined && pending.includes(bad)) {
        pending = pending.filter((o) => o !== bad);
        continue;
      }
    }
    return res;
  }
  return { ok: true, value: { values: new Map(), atMs: opts.clock.monotonic(), requests } };
}

/** Varbinds per GET for known instances: max-repetitions rows of about this many columns. */
export const GET_COLUMNS_PER_ROW = 8;

export type GetManyResult = { ok: true; cells: Map<string, Cell>; stats: WalkStats } | { ok: false; failure: SnmpFailure; stats: WalkStats };

/**
 * GETs known instances in batches of tuning.maxRepetitions × GET_COLUMNS_PER_ROW varbinds,
 * with the walk's back-off (halve on tooBig and before each retry). Instances the agent does not
 * have are absent from `cells` (SNMPv1 says so with noSuchName: that is a failure here, and the
 * caller rediscovers the table).
 */
export async function getMany(session: SnmpSession, oids: readonly string[], opts: WalkOptions): Promise<GetManyResult> {
  const stats: WalkStats = { requests: 0, timeouts: 0, tooBig: 0 };
  const cells = new Map<string, Cell>();
  let at = 0;
  let retriesLeft = opts.retries;
  while (at < oids.length) {
    if (opts.signal.aborted) return { ok: false, failure: { kind: 'aborted', message: 'run aborted while reading counters' }, stats };
    const batch = oids.slice(at, at + Math.max(1, opts.tuning.maxRepetitions * GET_COLUMNS_PER_ROW));
    const t0 = opts.clock.monotonic();
    const res = await session.get(batch, opts.signal);
    const atMs = (t0 + opts.clock.monotonic()) / 2;
    stats.requests++;
    if (!res.ok) {
      const f = res.failure;
      if (f.kind === 'too_big' && batch.length > 1) {
        stats.tooBig++;
        halve(opts.tuning);
        continue;
      }
      if (f.kind === 'timeout' && retriesLeft > 0) {
        stats.timeouts++;
        retriesLeft--;
        halve(opts.tuning);
        continue;
      }
      if (f.kind === 'timeout') stats.timeouts++;
      return { ok: false, failure: f, stats };
    }
    retriesLeft = opts.retries;
    res.value.forEach((vb, i) => {
      const oid = batch[i];
      if (oid !== undefined && !isEnd(vb) && vb.type !== 'null') cells.set(oid, { vb, atMs });
    });
    at += batch.length;
  }
  if (stats.timeouts === 0 && stats.tooBig === 0) growTuning(opts.tuning);
  return { ok: true, cells, stats };
}
