/**
 * A fake SNMP device behind the probe's SnmpSession seam, answering from a recorded walk
 * (.snmprec captured from a real agent) with GET / GETNEXT / GETBULK semantics per RFC 3416 —
 * plus knobs for the misbehaviour the walker must survive: truncated answers, tooBig, lost
 * requests, OIDs that do not increase. It fakes the device, never the code under test.
 */
import { readFileSync } from 'node:fs';
import { parseSnmprec } from '../../../lab/snmp/devices.ts';
import { compareOids } from '../../../../agent/src/probes/snmp/oids.ts';
import type { SessionFactory, SnmpResult, SnmpSession, SnmpVersion, Varbind } from '../../../../agent/src/probes/snmp/session.ts';

export const FIXTURES = new URL('../../../fixtures/snmp/', import.meta.url);

function varbindOf(oid: string, tag: string, value: string): Varbind {
  const hex = tag.endsWith('x');
  const t = hex ? tag.slice(0, -1) : tag;
  const bytes = (): Uint8Array => (hex ? new Uint8Array(Buffer.from(value, 'hex')) : new TextEncoder().encode(value));
  switch (t) {
    case '2':
      return { oid, type: 'integer', value: BigInt(value) };
    case '4':
      return { oid, type: 'octets', value: bytes() };
    case '5':
      return { oid, type: 'null' };
    case '6':
      return { oid, type: 'oid', value };
    case '64':
      return { oid, type: 'ip', value: hex ? [...Buffer.from(value, 'hex')].join('.') : value };
    case '65':
      return { oid, type: 'counter32', value: BigInt(value) };
    case '66':
      return { oid, type: 'gauge32', value: BigInt(value) };
    case '67':
      return { oid, type: 'timeticks', value: BigInt(value) };
    case '70':
      return { oid, type: 'counter64', value: BigInt(value) };
    default:
      return { oid, type: 'other' };
  }
}

/** Varbinds of an .snmprec fixture, in OID order. */
export function loadSnmprec(name: string): Varbind[] {
  const lines = parseSnmprec(readFileSync(new URL(name, FIXTURES), 'utf8'));
  return lines.map((l) => varbindOf(l.oid, l.tag, l.value)).sort((a, b) => compareOids(a.oid, b.oid));
}

export interface FakeOptions {
  version?: SnmpVersion;
  /** Most varbinds in one answer (agents truncate GETBULK answers to fit). */
  maxVarbinds?: number;
  /** Answer tooBig when a GETBULK asks for more than this many varbinds (oids × max-repetitions). */
  tooBigAbove?: number;
  /** Request numbers (1-based, all operations) that get no answer. */
  lose?: (n: number) => boolean;
  /** After this many GETBULK answers, repeat the first varbind of each column (a looping agent). */
  loopAfter?: number;
  /** Fail every request with this failure instead. */
  failWith?: { kind: 'timeout' | 'auth' | 'dns' | 'unreachable' | 'protocol'; message: string };
}

export interface RequestLog {
  op: 'get' | 'getNext' | 'getBulk';
  oids: string[];
  maxRepetitions?: number;
  answered: boolean;
}

export interface FakeDevice {
  session: SnmpSession;
  factory: SessionFactory;
  requests: RequestLog[];
  /** Replace a varbind's value (e.g. advance a counter between polls). */
  set(vb: Varbind): void;
  /** Remove one varbind (an instance that went away). */
  remove(oid: string): void;
  opened: number;
  closed: number;
}

export function fakeDevice(recording: readonly Varbind[], opts: FakeOptions = {}): FakeDevice {
  let data = [...recording];
  const version = opts.version ?? '2c';
  const requests: RequestLog[] = [];
  let bulkAnswers = 0;
  const visible = (vb: Varbind): boolean => !(version === '1' && vb.type === 'counter64');

  const next = (oid: string): Varbind => {
    let lo = 0;
    let hi = data.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareOids((data[mid] as Varbind).oid, oid) <= 0) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < data.length; i++) if (visible(data[i] as Varbind)) return data[i] as Varbind;
    return { oid, type: 'endOfMibView' };
  };

  const begin = (log: RequestLog): SnmpResult<never> | undefined => {
    requests.push(log);
    if (opts.failWith !== undefined) return { ok: false, failure: opts.failWith };
    if (opts.lose?.(requests.length) === true) return { ok: false, failure: { kind: 'timeout', message: 'lost (fake)' } };
    log.answered = true;
    return undefined;
  };

  const session: SnmpSession = {
    async get(oids) {
      const failed = begin({ op: 'get', oids: [...oids], answered: false });
      if (failed) return failed;
      const out: Varbind[] = [];
      for (const oid of oids) {
        const hit = data.find((vb) => vb.oid === oid && visible(vb));
        if (hit === undefined && version === '1') return { ok: false, failure: { kind: 'no_such_name', message: `noSuchName at ${oid}`, oid } };
        out.push(hit ?? { oid, type: 'noSuchObject' });
      }
      return { ok: true, value: out };
    },
    async getNext(oids) {
      const failed = begin({ op: 'getNext', oids: [...oids], answered: false });
      if (failed) return failed;
      const out: Varbind[] = [];
      for (const oid of oids) {
        const vb = next(oid);
        if (vb.type === 'endOfMibView' && version === '1') return { ok: false, failure: { kind: 'no_such_name', message: `noSuchName at ${oid}`, oid } };
        out.push(vb);
      }
      return { ok: true, value: out };
    },
    async getBulk(oids, maxRepetitions) {
      if (version === '1') return { ok: false, failure: { kind: 'internal', message: 'GETBULK is not SNMPv1' } };
      const failed = begin({ op: 'getBulk', oids: [...oids], maxRepetitions, answered: false });
      if (failed) return failed;
      if (opts.tooBigAbove !== undefined && oids.length * maxRepetitions > opts.tooBigAbove) {
        const log = requests[requests.length - 1] as RequestLog;
        log.answered = false;
        return { ok: false, failure: { kind: 'too_big', message: 'error-status tooBig' } };
      }
      bulkAnswers++;
      const groups: Varbind[][] = oids.map(() => []);
      const cursors = [...oids];
      let total = 0;
      const limit = opts.maxVarbinds ?? Number.POSITIVE_INFINITY;
      outer: for (let r = 0; r < maxRepetitions; r++) {
        for (let i = 0; i < oids.length; i++) {
          if (total >= limit) break outer;
          const looping = opts.loopAfter !== undefined && bulkAnswers > opts.loopAfter;
          const vb = looping ? next(oids[i] as string) : next(cursors[i] as string);
          (groups[i] as Varbind[]).push(vb);
          cursors[i] = vb.oid;
          total++;
        }
      }
      return { ok: true, value: groups };
    },
    close() {
      device.closed++;
    },
  };

  const device: FakeDevice = {
    session,
    requests,
    opened: 0,
    closed: 0,
    factory: async () => {
      device.opened++;
      return { ok: true, value: session };
    },
    remove(oid) {
      data = data.filter((d) => d.oid !== oid);
    },
    set(vb) {
      data = data.filter((d) => d.oid !== vb.oid);
      data.push(vb);
      data.sort((a, b) => compareOids(a.oid, b.oid));
    },
  };
  return device;
}
