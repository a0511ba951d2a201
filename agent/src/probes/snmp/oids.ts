/**
 * Numeric OIDs (Debian ships no IETF MIB files, and names would be a lookup we do not need).
 * SNMPv2-MIB (RFC 3418), IF-MIB (RFC 2863), SNMP-FRAMEWORK-MIB (RFC 3411).
 */

export const SYS_DESCR = '1.3.6.1.2.1.1.1.0';
export const SYS_UPTIME = '1.3.6.1.2.1.1.3.0';
export const SYS_NAME = '1.3.6.1.2.1.1.5.0';
export const SNMP_ENGINE_BOOTS = '1.3.6.1.6.3.10.2.1.2.0';
export const SNMP_ENGINE_TIME = '1.3.6.1.6.3.10.2.1.3.0';
/** IF-MIB: number of interfaces, and sysUpTime when an ifTable row was last created or deleted. */
export const IF_NUMBER = '1.3.6.1.2.1.2.1.0';
export const IF_TABLE_LAST_CHANGE = '1.3.6.1.2.1.31.1.5.0';

/** ifTable entry (ifEntry) and ifXTable entry (ifXEntry). */
export const IF_ENTRY = '1.3.6.1.2.1.2.2.1';
export const IFX_ENTRY = '1.3.6.1.2.1.31.1.1.1';

/** The columns the probe reads, by role. Each is walked as its own subtree. */
export const COLUMNS = {
  ifDescr: `${IF_ENTRY}.2`,
  ifSpeed: `${IF_ENTRY}.5`,
  ifOperStatus: `${IF_ENTRY}.8`,
  ifInOctets: `${IF_ENTRY}.10`,
  ifInDiscards: `${IF_ENTRY}.13`,
  ifInErrors: `${IF_ENTRY}.14`,
  ifOutOctets: `${IF_ENTRY}.16`,
  ifOutDiscards: `${IF_ENTRY}.19`,
  ifOutErrors: `${IF_ENTRY}.20`,
  ifName: `${IFX_ENTRY}.1`,
  ifHCInOctets: `${IFX_ENTRY}.6`,
  ifHCOutOctets: `${IFX_ENTRY}.10`,
  ifHighSpeed: `${IFX_ENTRY}.15`,
  ifAlias: `${IFX_ENTRY}.18`,
  ifCounterDiscontinuityTime: `${IFX_ENTRY}.19`,
} as const;

export type ColumnName = keyof typeof COLUMNS;
export const COLUMN_NAMES = Object.keys(COLUMNS) as ColumnName[];

/** Columns that change between polls; the others (names, alias, speed) are read at discovery. */
export const DYNAMIC_COLUMNS: readonly ColumnName[] = [
  'ifOperStatus',
  'ifHCInOctets',
  'ifHCOutOctets',
  'ifInOctets',
  'ifOutOctets',
  'ifInErrors',
  'ifOutErrors',
  'ifInDiscards',
  'ifOutDiscards',
  'ifCounterDiscontinuityTime',
];

/** ifSpeed's "faster than I can say" value: read ifHighSpeed instead. */
export const IF_SPEED_MAX = 4_294_967_295;

/** Parses a dotted OID into numbers; undefined when it is not one. */
export function parseOid(oid: string): number[] | undefined {
  if (!/^\d+(\.\d+)*$/.test(oid)) return undefined;
  return oid.split('.').map(Number);
}

/**
 * Lexicographic order of OIDs, arc by arc (what GETNEXT promises): <0, 0, >0. Runs once per
 * walked varbind, so it reads the arcs in place instead of splitting the strings.
 */
export function compareOids(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    let x = 0;
    for (let c = a.charCodeAt(i); i < a.length && c !== 46; c = a.charCodeAt(++i)) x = x * 10 + c - 48; // 46: '.'
    let y = 0;
    for (let c = b.charCodeAt(j); j < b.length && c !== 46; c = b.charCodeAt(++j)) y = y * 10 + c - 48;
    if (x !== y) return x - y;
    i++;
    j++;
  }
  return (i < a.length ? 1 : 0) - (j < b.length ? 1 : 0);
}

/** True when `oid` is strictly inside the subtree rooted at `base`. */
export function isUnder(base: string, oid: string): boolean {
  return oid.length > base.length + 1 && oid.startsWith(base) && oid.charCodeAt(base.length) === 46; // '.'
}
