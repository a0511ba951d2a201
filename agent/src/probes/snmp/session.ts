/**
 * The narrow seam between the SNMP probe and the wire (STYLE habit 6, after snmp_exporter's small
 * client interface): three read operations and close. The real implementation is
 * ./net-snmp-session.ts (the only importer of net-snmp); unit tests use a fake device backed by a
 * recorded walk. Every failure is a value (SnmpFailure), never a rejection.
 */

export type SnmpVersion = '1' | '2c' | '3';

export type AuthProtocol = 'md5' | 'sha' | 'sha224' | 'sha256' | 'sha384' | 'sha512';
export type PrivProtocol = 'des' | 'aes' | 'aes256b' | 'aes256r';

/** A value from a response, normalised: every integer type is a BigInt (Counter64 included). */
export type SnmpValue =
  | { type: 'integer' | 'counter32' | 'counter64' | 'gauge32' | 'timeticks'; value: bigint }
  | { type: 'octets'; value: Uint8Array }
  | { type: 'oid' | 'ip'; value: string }
  | { type: 'null' | 'noSuchObject' | 'noSuchInstance' | 'endOfMibView' | 'other' };

export type Varbind = { oid: string } & SnmpValue;

export type SnmpFailureKind =
  /** No answer within requestTimeoutMs (a dead device, a wrong community, loss). */
  | 'timeout'
  /** SNMPv3 USM rejected us (unknown user, wrong digest/keys, unsupported level) or authorizationError. */
  | 'auth'
  /** error-status tooBig: the answer would not fit in one message. */
  | 'too_big'
  /** error-status noSuchName (SNMPv1): `oid` is the offending request OID when known. */
  | 'no_such_name'
  /** Another non-zero error-status (genErr, noAccess…). */
  | 'error_status'
  /** The device answered with something we cannot use (undecodable, wrong version/community echo). */
  | 'protocol'
  | 'dns'
  | 'unreachable'
  /** The run was aborted (check timeout or agent stopping). */
  | 'aborted'
  /** A bug on our side (e.g. an invalid request). */
  | 'internal';

export interface SnmpFailure {
  kind: SnmpFailureKind;
  /** Human reason for logs; never contains a secret. */
  message: string;
  /** For `no_such_name`: the request OID the agent pointed at. */
  oid?: string;
}

export type SnmpResult<T> = { ok: true; value: T } | { ok: false; failure: SnmpFailure };

export interface SnmpSession {
  /** GET: one varbind per requested OID, in order (v2c/v3 mark missing ones noSuchObject/noSuchInstance). */
  get(oids: readonly string[], signal: AbortSignal): Promise<SnmpResult<Varbind[]>>;
  /** GETNEXT: one varbind per requested OID, in order. */
  getNext(oids: readonly string[], signal: AbortSignal): Promise<SnmpResult<Varbind[]>>;
  /**
   * GETBULK with no non-repeaters: element i holds the varbinds that follow oids[i], in order
   * (the agent may return fewer than maxRepetitions). Not available in SNMPv1.
   */
  getBulk(oids: readonly string[], maxRepetitions: number, signal: AbortSignal): Promise<SnmpResult<Varbind[][]>>;
  /** Releases the socket; outstanding requests end as `aborted`. Safe to call twice. */
  close(): void;
}

export interface V3User {
  name: string;
  authProtocol?: AuthProtocol;
  authKey?: string;
  privProtocol?: PrivProtocol;
  privKey?: string;
}

export interface SessionParams {
  host: string;
  port: number;
  version: SnmpVersion;
  /** v1/v2c. */
  community?: string;
  /** v3. */
  user?: V3User;
  context?: string;
  /** Wait for one answer this long; the probe retries itself (so it can shrink GETBULKs first). */
  requestTimeoutMs: number;
}

export type SessionFactory = (params: SessionParams, signal: AbortSignal) => Promise<SnmpResult<SnmpSession>>;
