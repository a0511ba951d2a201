/**
 * The SnmpSession seam over the `net-snmp` package — the only file that imports it.
 *
 * - net-snmp's own retries are off (retries: 0): the walker retries, shrinking GETBULKs first.
 * - Counter64 arrives as a big-endian Buffer and becomes a BigInt here; every integer type does.
 * - Errors become SnmpFailure values (timeout, auth, too_big, …); nothing rejects or throws.
 * - A reply that cannot be decoded is emitted by net-snmp as a session 'error' event (no request
 *   id to match it to). We count those: a request that then times out is reported as `protocol`
 *   ("the device answered, but not in SNMP") instead of a plain timeout.
 */
import snmp, { type RawVarbind, type ResponseCallback } from 'net-snmp';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { SessionFactory, SessionParams, SnmpFailure, SnmpFailureKind, SnmpResult, SnmpSession, Varbind } from './session.ts';

const VERSIONS = { '1': snmp.Version1, '2c': snmp.Version2c, '3': snmp.Version3 } as const;

function fail<T>(kind: SnmpFailureKind, message: string, oid?: string): SnmpResult<T> {
  const failure: SnmpFailure = oid === undefined ? { kind, message } : { kind, message, oid };
  return { ok: false, failure };
}

const NET_ERRORS: Record<string, SnmpFailureKind> = {
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_NONAME: 'dns',
  ENODATA: 'dns',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
  EADDRNOTAVAIL: 'unreachable',
  ECONNREFUSED: 'unreachable',
};

/** Maps an error from net-snmp (or the socket under it) to a failure kind. */
export function classifyError(err: Error & { status?: number; code?: unknown }, ctx: { requestTimeoutMs: number; decodeError?: string }): SnmpFailure {
  // A plain boolean (not a type guard): net-snmp's error classes are all just `Error` to TypeScript.
  const is = (ctor: new (message: string) => Error): boolean => err instanceof ctor;
  if (is(snmp.RequestTimedOutError)) {
    return ctx.decodeError === undefined
      ? { kind: 'timeout', message: `no answer within ${ctx.requestTimeoutMs} ms` }
      : { kind: 'protocol', message: `the device answered with data that is not valid SNMP (${ctx.decodeError})` };
  }
  if (is(snmp.ResponseInvalidError)) {
    const code = typeof err.code === 'number' ? err.code : -1;
    const C = snmp.ResponseInvalidCode;
    if (code === C.EAuthFailure) {
      // A digest mismatch message carries the digests; say what matters instead. Otherwise it is
      // the agent's USM report, e.g. "Unknown User Name".
      return {
        kind: 'auth',
        message:
          /digest/i.test(err.message) && !/^Wrong Digest/.test(err.message)
            ? 'SNMPv3 authentication failed (wrong authKey or authProtocol?)'
            : `SNMPv3 report: ${err.message}`,
      };
    }
    if (code === C.ECouldNotDecrypt) return { kind: 'auth', message: 'SNMPv3 reply could not be decrypted (wrong privKey or privProtocol?)' };
    if (code === C.ENotInTimeWindow) return { kind: 'auth', message: 'SNMPv3 reply outside the time window (engine clock not in step)' };
    return { kind: 'protocol', message: `invalid reply: ${err.message}` };
  }
  if (is(snmp.RequestFailedError)) {
    const S = snmp.ErrorStatus;
    if (err.status === S.TooBig) return { kind: 'too_big', message: 'error-status tooBig' };
    if (err.status === S.NoSuchName) {
      const oid = /:\s*([0-9.]+)\s*$/.exec(err.message)?.[1];
      return oid === undefined
        ? { kind: 'no_such_name', message: 'error-status noSuchName' }
        : { kind: 'no_such_name', message: `error-status noSuchName at ${oid}`, oid };
    }
    if (err.status === S.AuthorizationError) return { kind: 'auth', message: 'error-status authorizationError' };
    return { kind: 'error_status', message: `error-status ${err.message}` };
  }
  if (is(snmp.RequestInvalidError)) return { kind: 'internal', message: `request not sent: ${err.message}` };
  const code = typeof err.code === 'string' ? err.code : undefined;
  if (code !== undefined && NET_ERRORS[code] !== undefined) return { kind: NET_ERRORS[code], message: `${code}: ${err.message}` };
  if (code === 'ERR_OSSL_EVP_UNSUPPORTED')
    return { kind: 'internal', message: 'this Node.js OpenSSL refuses the configured cipher (DES needs --openssl-legacy-provider)' };
  if (err.message === 'Socket forcibly closed') return { kind: 'aborted', message: 'session closed' };
  return { kind: 'protocol', message: err.message };
}

function toBigInt(value: unknown): bigint | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'bigint') return value;
  return undefined;
}

/** An unsigned big-endian integer of any length (Counter64's bytes, BER's leading 0x00 included), without a hex string. */
export function unsignedBigEndian(bytes: Buffer): bigint {
  if (bytes.length === 8) return bytes.readBigUInt64BE(0);
  if (bytes.length <= 6) return bytes.length === 0 ? 0n : BigInt(bytes.readUIntBE(0, bytes.length));
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

function intVarbind(oid: string, type: 'integer' | 'counter32' | 'gauge32' | 'timeticks', raw: unknown): Varbind {
  const value = toBigInt(raw);
  return value === undefined ? { oid, type: 'other' } : { oid, type, value };
}

/** One varbind from net-snmp's shape into ours (once per varbind: no closures, no strings made). */
export function convertVarbind(raw: RawVarbind): Varbind {
  const T = snmp.ObjectType;
  const oid = raw.oid;
  switch (raw.type) {
    case T.Integer:
      return intVarbind(oid, 'integer', raw.value);
    case T.Counter:
      return intVarbind(oid, 'counter32', raw.value);
    case T.Gauge:
      return intVarbind(oid, 'gauge32', raw.value);
    case T.TimeTicks:
      return intVarbind(oid, 'timeticks', raw.value);
    case T.Counter64: {
      if (!Buffer.isBuffer(raw.value)) return { oid, type: 'other' };
      return { oid, type: 'counter64', value: unsignedBigEndian(raw.value) };
    }
    case T.OctetString:
      if (Buffer.isBuffer(raw.value)) return { oid, type: 'octets', value: new Uint8Array(raw.value) };
      return typeof raw.value === 'string' ? { oid, type: 'octets', value: new TextEncoder().encode(raw.value) } : { oid, type: 'other' };
    case T.OID:
      return { oid, type: 'oid', value: String(raw.value) };
    case T.IpAddress:
      return { oid, type: 'ip', value: String(raw.value) };
    case T.Null:
      return { oid, type: 'null' };
    case T.NoSuchObject:
      return { oid, type: 'noSuchObject' };
    case T.NoSuchInstance:
      return { oid, type: 'noSuchInstance' };
    case T.EndOfMibView:
      return { oid, type: 'endOfMibView' };
    default:
      return { oid, type: 'other' };
  }
}

function userFor(params: SessionParams): { name: string; level: number; authProtocol?: string; authKey?: string; privProtocol?: string; privKey?: string } {
  const u = params.user;
  if (u === undefined) throw new Error('BUG: SNMPv3 session without a user (the config schema requires one)');
  const L = snmp.SecurityLevel;
  if (u.authProtocol === undefined || u.authKey === undefined) return { name: u.name, level: L.noAuthNoPriv };
  const auth = { authProtocol: snmp.AuthProtocols[u.authProtocol], authKey: u.authKey };
  if (u.privProtocol === undefined || u.privKey === undefined) return { name: u.name, level: L.authNoPriv, ...auth };
  return { name: u.name, level: L.authPriv, ...auth, privProtocol: snmp.PrivProtocols[u.privProtocol], privKey: u.privKey };
}

async function resolveHost(host: string, signal: AbortSignal): Promise<SnmpResult<{ address: string; family: 4 | 6 }>> {
  const literal = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const family = isIP(literal);
  if (family !== 0) return { ok: true, value: { address: literal, family: family as 4 | 6 } };
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<SnmpResult<{ address: string; family: 4 | 6 }>>((resolve) => {
    onAbort = () => resolve(fail('aborted', 'aborted while resolving the target'));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  const looked = lookup(literal).then(
    (r): SnmpResult<{ address: string; family: 4 | 6 }> => ({ ok: true, value: { address: r.address, family: r.family === 6 ? 6 : 4 } }),
    (err: NodeJS.ErrnoException): SnmpResult<{ address: string; family: 4 | 6 }> => fail('dns', `cannot resolve ${literal}: ${err.code ?? err.message}`),
  );
  try {
    return await Promise.race([looked, aborted]);
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
  }
}

/** The real SessionFactory: resolves the target once, then opens a net-snmp session on it. */
export const openNetSnmpSession: SessionFactory = async (params, signal) => {
  if (signal.aborted) return fail('aborted', 'aborted before the session opened');
  const resolved = await resolveHost(params.host, signal);
  if (!resolved.ok) return resolved;
  const options = {
    port: params.port,
    retries: 0,
    timeout: params.requestTimeoutMs,
    backoff: 1,
    transport: resolved.value.family === 6 ? ('udp6' as const) : ('udp4' as const),
    version: VERSIONS[params.version],
    idBitsSize: 32 as const,
    backwardsGetNexts: true,
    reportOidMismatchErrors: false,
    ...(params.context === undefined ? {} : { context: params.context }),
  };
  let raw: ReturnType<typeof snmp.createSession>;
  try {
    raw =
      params.version === '3'
        ? snmp.createV3Session(resolved.value.address, userFor(params), options)
        : snmp.createSession(resolved.value.address, params.community ?? '', options);
  } catch (err) {
    return fail('internal', `cannot open an SNMP session: ${(err as Error).message}`);
  }

  let closed = false;
  let decodeErrors = 0;
  let lastDecodeError = '';
  raw.on('error', (err: Error) => {
    // An undecodable datagram (no request id to match): remembered so the request it belonged
    // to can end as `protocol` rather than `timeout`.
    decodeErrors++;
    lastDecodeError = err.message;
  });
  raw.on('close', () => {
    closed = true;
  });

  function call<T, R>(start: (cb: ResponseCallback<T>) => void, convert: (value: T) => R, signal: AbortSignal): Promise<SnmpResult<R>> {
    return new Promise((resolve) => {
      if (closed) return resolve(fail('aborted', 'session closed'));
      if (signal.aborted) return resolve(fail('aborted', 'run aborted'));
      const decodeErrorsBefore = decodeErrors;
      let settled = false;
      const finish = (r: SnmpResult<R>): void => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        resolve(r);
      };
      const onAbort = (): void => finish(fail('aborted', 'run aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        start((err, value) => {
          if (err !== null && err !== undefined) {
            const decodeError = decodeErrors > decodeErrorsBefore ? lastDecodeError : undefined;
            finish({
              ok: false,
              failure: classifyError(err, { requestTimeoutMs: params.requestTimeoutMs, ...(decodeError === undefined ? {} : { decodeError }) }),
            });
            return;
          }
          try {
            finish({ ok: true, value: convert(value) });
          } catch (convertErr) {
            finish(fail('protocol', `unusable reply: ${(convertErr as Error).message}`));
          }
        });
      } catch (err) {
        finish({ ok: false, failure: classifyError(err as Error, { requestTimeoutMs: params.requestTimeoutMs }) });
      }
    });
  }

  const flat = (vbs: RawVarbind[]): Varbind[] => vbs.map(convertVarbind);
  const session: SnmpSession = {
    get: (oids, s) => call<RawVarbind[], Varbind[]>((cb) => raw.get([...oids], cb), flat, s),
    getNext: (oids, s) => call<RawVarbind[], Varbind[]>((cb) => raw.getNext([...oids], cb), flat, s),
    getBulk: (oids, maxRepetitions, s) =>
      call<RawVarbind[][], Varbind[][]>(
        (cb) => raw.getBulk([...oids], 0, maxRepetitions, cb),
        (groups) => groups.map(flat),
        s,
      ),
    close: () => {
      if (closed) return;
      closed = true;
      try {
        raw.close();
      } catch (err) {
        // Closing an already-closed dgram socket throws ERR_SOCKET_DGRAM_NOT_RUNNING: it is closed, as wanted.
        if ((err as { code?: string }).code !== 'ERR_SOCKET_DGRAM_NOT_RUNNING') throw err;
      }
    },
  };
  return { ok: true, value: session };
};
