/** One poll of one device over an open session: the system group, then ifTable + ifXTable. */
import type { Clock } from '../../../../shared/src/clock.ts';
import { COLUMNS, SNMP_ENGINE_BOOTS, SNMP_ENGINE_TIME, SYS_DESCR, SYS_NAME, SYS_UPTIME } from './oids.ts';
import type { SnmpResult, SnmpSession, SnmpVersion } from './session.ts';
import { intOf, rowsFromColumns, textOf, type DeviceSnapshot } from './snapshot.ts';
import { getScalars, walkColumns, type BulkTuning, type WalkStats } from './walk.ts';

export interface PollOptions {
  version: SnmpVersion;
  retries: number;
  signal: AbortSignal;
  clock: Clock;
  tuning: BulkTuning;
}

export interface PollOutput {
  snapshot: DeviceSnapshot;
  /** Requests of the walk (the system group adds its own). */
  walk: WalkStats;
  requests: number;
}

const TABLE_COLUMNS = Object.values(COLUMNS);

function safeNumber(v: bigint | undefined, max: number): number | undefined {
  return v === undefined || v < 0n || v > BigInt(max) ? undefined : Number(v);
}

export async function pollDevice(session: SnmpSession, opts: PollOptions): Promise<SnmpResult<PollOutput>> {
  const scalarOids = opts.version === '3' ? [SYS_DESCR, SYS_NAME, SYS_UPTIME, SNMP_ENGINE_BOOTS, SNMP_ENGINE_TIME] : [SYS_DESCR, SYS_NAME, SYS_UPTIME];
  const sys = await getScalars(session, scalarOids, opts);
  if (!sys.ok) return { ok: false, failure: { ...sys.failure, message: `system group: ${sys.failure.message}` } };

  const walk = await walkColumns(session, TABLE_COLUMNS, opts);
  if (!walk.ok) return { ok: false, failure: { ...walk.failure, message: `interface tables: ${walk.failure.message}` } };

  const v = sys.value.values;
  const snapshot: DeviceSnapshot = { atMs: sys.value.atMs, interfaces: rowsFromColumns(walk.columns) };
  const sysName = textOf(v.get(SYS_NAME));
  const sysDescr = textOf(v.get(SYS_DESCR));
  const ticks = v.get(SYS_UPTIME)?.type === 'timeticks' ? safeNumber(intOf(v.get(SYS_UPTIME)), 4_294_967_295) : undefined;
  const boots = safeNumber(intOf(v.get(SNMP_ENGINE_BOOTS)), 2_147_483_647);
  const engineTime = safeNumber(intOf(v.get(SNMP_ENGINE_TIME)), 2_147_483_647);
  if (sysName !== undefined) snapshot.sysName = sysName;
  if (sysDescr !== undefined) snapshot.sysDescr = sysDescr;
  if (ticks !== undefined) snapshot.sysUpTimeTicks = ticks;
  if (boots !== undefined) snapshot.engineBoots = boots;
  if (engineTime !== undefined) snapshot.engineTime = engineTime;
  return { ok: true, value: { snapshot, walk: walk.stats, requests: sys.value.requests + walk.stats.requests } };
}
