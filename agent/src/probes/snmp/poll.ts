/**
 * One poll of one device over an open session.
 *
 * Discovery (the first poll, then every `rediscoverEvery` polls, and whenever ifNumber,
 * ifTableLastChange or a restart says the table may have changed) walks ifTable + ifXTable and
 * remembers, for each selected interface, its names, speed and which counter OIDs it has (HC or
 * 32-bit). In between, a poll GETs only those counters and the oper status: about half the
 * varbinds of a walk for a switch whose ports are all selected, far fewer when a few are. An
 * instance that has gone (noSuchInstance, SNMPv1 noSuchName) sends that poll back to a walk.
 */
import type { Clock } from '../../../../shared/src/clock.ts';
import { uptimeContinuity } from './counters.ts';
import {
  COLUMNS,
  DYNAMIC_COLUMNS,
  IF_NUMBER,
  IF_TABLE_LAST_CHANGE,
  SNMP_ENGINE_BOOTS,
  SNMP_ENGINE_TIME,
  SYS_DESCR,
  SYS_NAME,
  SYS_UPTIME,
  type ColumnName,
} from './oids.ts';
import type { SnmpResult, SnmpSession, SnmpVersion, Varbind } from './session.ts';
import { dynamicFields, intOf, rowsFromColumns, textOf, type DeviceSnapshot, type IfRow } from './snapshot.ts';
import { selectInterfaces, type CompiledSelector } from './select.ts';
import { getMany, getScalars, walkColumns, type BulkTuning, type Column, type WalkStats } from './walk.ts';

/** What discovery learned, kept by the probe between polls. */
export interface PollCache {
  /** Selected interfaces: static fields (name, alias, speed…) and the OIDs to GET for each. */
  rows: Map<number, { row: IfRow; oids: Map<ColumnName, string> }>;
  ifNumber?: number;
  ifTableLastChange?: number;
  /** Polls since the last walk. */
  pollsSince: number;
}

export interface PollOptions {
  version: SnmpVersion;
  retries: number;
  signal: AbortSignal;
  clock: Clock;
  tuning: BulkTuning;
  selectors?: readonly CompiledSelector[];
  /** Undefined: walk. */
  cache?: PollCache;
  /** Walk again after this many polls (1: every poll). */
  rediscoverEvery?: number;
  /**
   * 0 … rediscoverEvery-1: shortens the first cycle after the first discovery by this many polls,
   * so a fleet of devices started together does not rediscover all in the same round.
   */
  phase?: number;
  /** sysUpTime and when it was read, from the last good poll: a restart means rediscover. */
  previous?: { ticks: number; atMs: number };
}

export interface PollOutput {
  snapshot: DeviceSnapshot;
  requests: number;
  /** True when this poll walked the tables (discovery). */
  walked: boolean;
  cache: PollCache;
}

const TABLE_COLUMNS = Object.values(COLUMNS);

function safeNumber(v: bigint | undefined, max: number): number | undefined {
  return v === undefined || v < 0n || v > BigInt(max) ? undefined : Number(v);
}

/** A stable spread of devices over the rediscovery cycle (FNV-1a of a key, modulo `every`). */
export function discoveryPhase(key: string, every: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return every > 1 ? h % every : 0;
}

function buildCache(
  rows: readonly IfRow[],
  columns: ReadonlyMap<string, Column>,
  selectors: readonly CompiledSelector[] | undefined,
  sys: Map<string, Varbind>,
  pollsSince: number,
): PollCache {
  const cache: PollCache = { rows: new Map(), pollsSince };
  const ifNumber = safeNumber(intOf(sys.get(IF_NUMBER)), 2_147_483_647);
  const lastChange = safeNumber(intOf(sys.get(IF_TABLE_LAST_CHANGE)), 4_294_967_295);
  if (ifNumber !== undefined) cache.ifNumber = ifNumber;
  if (lastChange !== undefined) cache.ifTableLastChange = lastChange;
  for (const { row } of selectInterfaces(rows, selectors)) {
    const oids = new Map<ColumnName, string>();
    const hasHc = (name: ColumnName): boolean => columns.get(COLUMNS[name])?.get(String(row.index))?.vb.type === 'counter64';
    for (const name of DYNAMIC_COLUMNS) {
      if (!columns.get(COLUMNS[name])?.has(String(row.index))) continue;
      if (name === 'ifInOctets' && hasHc('ifHCInOctets')) continue; // HC preferred; no need for both
      if (name === 'ifOutOctets' && hasHc('ifHCOutOctets')) continue;
      oids.set(name, `${COLUMNS[name]}.${row.index}`);
    }
    cache.rows.set(row.index, { row: { ...row, counters: {} }, oids });
  }
  return cache;
}

function needsWalk(cache: PollCache | undefined, opts: PollOptions, sys: Map<string, Varbind>, ticks: number | undefined, atMs: number): boolean {
  if (cache === undefined) return true;
  if (cache.pollsSince + 1 >= (opts.rediscoverEvery ?? 1)) return true;
  const ifNumber = safeNumber(intOf(sys.get(IF_NUMBER)), 2_147_483_647);
  const lastChange = safeNumber(intOf(sys.get(IF_TABLE_LAST_CHANGE)), 4_294_967_295);
  if (ifNumber !== cache.ifNumber || lastChange !== cache.ifTableLastChange) return true;
  if (opts.previous !== undefined && ticks !== undefined && uptimeContinuity(opts.previous, { ticks, atMs }).kind === 'restarted') return true;
  return false;
}

/** GETs the cached OIDs; undefined when an instance is gone (the caller walks instead). */
async function getCounters(session: SnmpSession, cache: PollCache, opts: PollOptions): Promise<SnmpResult<{ rows: IfRow[]; stats: WalkStats }> | undefined> {
  const wanted: string[] = [];
  for (const { oids } of cache.rows.values()) for (const oid of oids.values()) wanted.push(oid);
  const got = await getMany(session, wanted, opts);
  if (!got.ok) return got.failure.kind === 'no_such_name' ? undefined : { ok: false, failure: got.failure };
  if (got.cells.size !== wanted.length) return undefined;
  const rows: IfRow[] = [];
  for (const { row, oids } of cache.rows.values()) {
    const d = dynamicFields((name) => {
      const oid = oids.get(name);
      return oid === undefined ? undefined : got.cells.get(oid);
    });
    const merged: IfRow = { ...row, counters: d.counters };
    if (d.operUp !== undefined) merged.operUp = d.operUp;
    if (d.discontinuityTicks !== undefined) merged.discontinuityTicks = d.discontinuityTicks;
    rows.push(merged);
  }
  return { ok: true, value: { rows, stats: got.stats } };
}

export async function pollDevice(session: SnmpSession, opts: PollOptions): Promise<SnmpResult<PollOutput>> {
  const scalarOids = [SYS_DESCR, SYS_NAME, SYS_UPTIME, IF_NUMBER, IF_TABLE_LAST_CHANGE, ...(opts.version === '3' ? [SNMP_ENGINE_BOOTS, SNMP_ENGINE_TIME] : [])];
  const sys = await getScalars(session, scalarOids, opts);
  if (!sys.ok) return { ok: false, failure: { ...sys.failure, message: `system group: ${sys.failure.message}` } };
  const v = sys.value.values;
  const ticks = v.get(SYS_UPTIME)?.type === 'timeticks' ? safeNumber(intOf(v.get(SYS_UPTIME)), 4_294_967_295) : undefined;
  let requests = sys.value.requests;

  let rows: IfRow[] | undefined;
  let cache = opts.cache;
  let walked = false;
  if (!needsWalk(cache, opts, v, ticks, sys.value.atMs) && cache !== undefined) {
    const got = await getCounters(session, cache, opts);
    if (got !== undefined && !got.ok) return { ok: false, failure: { ...got.failure, message: `interface counters: ${got.failure.message}` } };
    if (got?.ok === true) {
      rows = got.value.rows;
      requests += got.value.stats.requests;
      cache = { ...cache, pollsSince: cache.pollsSince + 1 };
    }
  }
  if (rows === undefined) {
    const ifNumber = safeNumber(intOf(v.get(IF_NUMBER)), 100_000);
    const walk = await walkColumns(session, TABLE_COLUMNS, { ...opts, ...(ifNumber === undefined ? {} : { expectedRows: ifNumber }) });
    if (!walk.ok) return { ok: false, failure: { ...walk.failure, message: `interface tables: ${walk.failure.message}` } };
    requests += walk.stats.requests;
    rows = rowsFromColumns(walk.columns);
    cache = buildCache(rows, walk.columns, opts.selectors, v, opts.cache === undefined ? (opts.phase ?? 0) : 0);
    walked = true;
  }

  const snapshot: DeviceSnapshot = { atMs: sys.value.atMs, interfaces: rows };
  const sysName = textOf(v.get(SYS_NAME));
  const sysDescr = textOf(v.get(SYS_DESCR));
  const boots = safeNumber(intOf(v.get(SNMP_ENGINE_BOOTS)), 2_147_483_647);
  const engineTime = safeNumber(intOf(v.get(SNMP_ENGINE_TIME)), 2_147_483_647);
  if (sysName !== undefined) snapshot.sysName = sysName;
  if (sysDescr !== undefined) snapshot.sysDescr = sysDescr;
  if (ticks !== undefined) snapshot.sysUpTimeTicks = ticks;
  if (boots !== undefined) snapshot.engineBoots = boots;
  if (engineTime !== undefined) snapshot.engineTime = engineTime;
  return { ok: true, value: { snapshot, requests, walked, cache: cache as PollCache } };
}
