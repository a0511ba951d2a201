// The part of net-snmp 3.x (which ships no types) that ./net-snmp-session.ts uses.
declare module 'net-snmp' {
  import type { EventEmitter } from 'node:events';

  export interface RawVarbind {
    oid: string;
    type: number;
    value: unknown;
  }

  export interface SessionOptions {
    port?: number;
    retries?: number;
    timeout?: number;
    backoff?: number;
    transport?: 'udp4' | 'udp6';
    version?: number;
    idBitsSize?: 16 | 32;
    backwardsGetNexts?: boolean;
    reportOidMismatchErrors?: boolean;
    context?: string;
  }

  export interface User {
    name: string;
    level: number;
    authProtocol?: string;
    authKey?: string;
    privProtocol?: string;
    privKey?: string;
  }

  export type ResponseCallback<T> = (error: (Error & { status?: number; code?: unknown }) | null, varbinds: T) => void;

  export interface Session extends EventEmitter {
    get(oids: string[], cb: ResponseCallback<RawVarbind[]>): void;
    getNext(oids: string[], cb: ResponseCallback<RawVarbind[]>): void;
    getBulk(oids: string[], nonRepeaters: number, maxRepetitions: number, cb: ResponseCallback<RawVarbind[][]>): void;
    close(): void;
  }

  interface NetSnmp {
    Version1: number;
    Version2c: number;
    Version3: number;
    ObjectType: Record<string, number>;
    ErrorStatus: Record<string, number>;
    SecurityLevel: { noAuthNoPriv: number; authNoPriv: number; authPriv: number };
    AuthProtocols: Record<'md5' | 'sha' | 'sha224' | 'sha256' | 'sha384' | 'sha512', string>;
    PrivProtocols: Record<'des' | 'aes' | 'aes256b' | 'aes256r', string>;
    ResponseInvalidCode: Record<string, number>;
    RequestTimedOutError: new (message: string) => Error;
    RequestFailedError: new (message: string, status?: number) => Error & { status?: number };
    ResponseInvalidError: new (message: string, code?: number) => Error & { code?: number };
    RequestInvalidError: new (message: string) => Error;
    createSession(target: string, community: string, options: SessionOptions): Session;
    createV3Session(target: string, user: User, options: SessionOptions): Session;
  }

  const snmp: NetSnmp;
  export default snmp;
}
