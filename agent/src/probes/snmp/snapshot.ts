/**
 * What one poll of a device saw, as plain data: the input of the rate calculator (./rates.ts)
 * and the format of the recorded sequences under test/fixtures/snmp/ (BigInts as strings).
 */
import { COLUMNS, IF_SPEED_MAX, type ColumnName } from './oids.ts';
import type { CounterReading } from './counters.ts';
import type { Cell, Column } from './walk.ts';
import type { Varbind } from './session.ts';

export const COUNTER_NAMES = ['inOctets', 'outOctets', 'inErrors', 'outErrors', 'inDiscards', 'outDiscards'] as const;
export type CounterName = (typeof COUNTER_NAMES)[number];

export interface IfRow {
  index: number;
  /** ifName, else ifDescr, else `if<index>`. */
  name: string;
  descr?: string;
  alias?: string;
  operUp?: boolean;
  /** ifHighSpeed × 10^6 when it is > 0, else ifSpeed when it is > 0 and not saturated. */
  speedBps?: number;
  /** ifCounterDiscontinuityTime (sysUpTime ticks at the last discontinuity). */
  discontinuityTicks?: number;
  counters: Partial<Record<CounterName, CounterReading>>;
}

export interface DeviceSnapshot {
  /** Monotonic ms at which the system scalars were read. */
  atMs: number;
  sysName?: string;
  sysDescr?: string;
  sysUpTimeTicks?: number;
  engineBoots?: number;
  engineTime?: number;
  interfaces: IfRow[];
}

const MAX_TEXT = 128;

/** Display text from an OCTET STRING: UTF-8, NULs and control characters dropped, bounded. */
export function octetsToText(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false })
    .decode(bytes)
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .trim()
    .slice(0, MAX_TEXT);
}

export function textOf(vb: Varbind | undefined): string | undefined {
  return vb?.type === 'octets' ? octetsToText(vb.value) : undefined;
}

export function intOf(vb: Varbind | undefined): bigint | undefined {
  if (vb === undefined) return undefined;
  switch (vb.type) {
    case 'integer':
    case 'counter32':
    case 'counter64':
    case 'gauge32':
    case 'timeticks':
      return vb.value;
    default:
      return undefined;
  }
}

function smallInt(vb: Varbind | undefined): number | undefined {
  const v = intOf(vb);
  return v === undefined || v < BigInt(Number.MIN_SAFE_INTEGER) || v > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(v);
}

function counterFrom(cell: Cell | undefined, type: 'counter32' | 'counter64'): CounterReading | undefined {
  if (cell === undefined || cell.vb.type !== type) return undefined;
  const bits = type === 'counter64' ? 64 : 32;
  if (cell.vb.value < 0n || cell.vb.value >= 1n << BigInt(bits)) return undefined;
  return { value: cell.vb.value, bits, atMs: cell.atMs };
}

const OTHER_COUNTERS: readonly [CounterName, ColumnName][] = [
  ['inErrors', 'ifInErrors'],
  ['outErrors', 'ifOutErrors'],
  ['inDiscards', 'ifInDiscards'],
  ['outDiscards', 'ifOutDiscards'],
];

/** What changes between polls, from one interface's cells: counters (HC preferred), oper status, discontinuity time. */
export function dynamicFields(cell: (name: ColumnName) => Cell | undefined): Pick<IfRow, 'counters' | 'operUp' | 'discontinuityTicks'> {
  const counters: IfRow['counters'] = {};
  const inOctets = counterFrom(cell('ifHCInOctets'), 'counter64') ?? counterFrom(cell('ifInOctets'), 'counter32');
  const outOctets = counterFrom(cell('ifHCOutOctets'), 'counter64') ?? counterFrom(cell('ifOutOctets'), 'counter32');
  if (inOctets !== undefined) counters.inOctets = inOctets;
  if (outOctets !== undefined) counters.outOctets = outOctets;
  for (const [name, column] of OTHER_COUNTERS) {
    const r = counterFrom(cell(column), 'counter32');
    if (r !== undefined) counters[name] = r;
  }
  const out: Pick<IfRow, 'counters' | 'operUp' | 'discontinuityTicks'> = { counters };
  const oper = smallInt(cell('ifOperStatus')?.vb);
  const disc = smallInt(cell('ifCounterDiscontinuityTime')?.vb);
  if (oper !== undefined) out.operUp = oper === 1;
  if (disc !== undefined) out.discontinuityTicks = disc;
  return out;
}

/** Interface rows from the walked columns (keyed by column OID). Rows are ifIndex-sorted. */
export function rowsFromColumns(columns: ReadonlyMap<string, Column>): IfRow[] {
  const col = (name: ColumnName): Column => columns.get(COLUMNS[name]) ?? new Map();
  const indexes = new Set<string>();
  for (const c of columns.values()) for (const k of c.keys()) if (/^\d+$/.test(k)) indexes.add(k);
  const rows: IfRow[] = [];
  for (const key of [...indexes].sort((a, b) => Number(a) - Number(b))) {
    const index = Number(key);
    if (!Number.isSafeInteger(index) || index < 1) continue;
    const cell = (name: ColumnName): Cell | undefined => col(name).get(key);
    const descr = textOf(cell('ifDescr')?.vb);
    const ifName = textOf(cell('ifName')?.vb);
    const alias = textOf(cell('ifAlias')?.vb);
    const high = smallInt(cell('ifHighSpeed')?.vb);
    const speed = smallInt(cell('ifSpeed')?.vb);
    const speedBps = high !== undefined && high > 0 ? high * 1e6 : speed !== undefined && speed > 0 && speed < IF_SPEED_MAX ? speed : undefined;
    const dynamic = dynamicFields(cell);
    const row: IfRow = {
      index,
      name: ifName !== undefined && ifName !== '' ? ifName : descr !== undefined && descr !== '' ? descr : `if${index}`,
      counters: dynamic.counters,
    };
    if (descr !== undefined) row.descr = descr;
    if (alias !== undefined && alias !== '') row.alias = alias;
    if (dynamic.operUp !== undefined) row.operUp = dynamic.operUp;
    if (speedBps !== undefined) row.speedBps = speedBps;
    if (dynamic.discontinuityTicks !== undefined) row.discontinuityTicks = dynamic.discontinuityTicks;
    rows.push(row);
  }
  return rows;
}

/** JSON form (BigInt → decimal string) for fixtures and debug dumps. */
export function snapshotToJson(s: DeviceSnapshot): unknown {
  return JSON.parse(JSON.stringify(s, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
}

/** Inverse of snapshotToJson. Trusts its input (fixtures written by snapshotToJson). */
export function snapshotFromJson(j: unknown): DeviceSnapshot {
  const s = structuredClone(j) as DeviceSnapshot;
  for (const row of s.interfaces) {
    for (const r of Object.values(row.counters)) {
      if (r !== undefined) r.value = BigInt(r.value as unknown as string);
    }
  }
  return s;
}
