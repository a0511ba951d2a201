/**
 * One DNS question, answered through the system resolver (getaddrinfo: hosts file, nsswitch,
 * the OS cache — what applications see) or asked of a configured server (c-ares through
 * dns.Resolver). Resolves (never rejects) with the number of answers or the error code.
 */
import { lookup } from 'node:dns/promises';
import { Resolver } from 'node:dns/promises';

export const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'NS', 'PTR', 'SOA', 'SRV', 'TXT', 'CAA'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

export interface DnsQuery {
  name: string;
  recordType: RecordType;
  /** Ask this server; without it A/AAAA go through getaddrinfo, other types to the system's servers. */
  server?: { host: string; port: number };
  timeoutMs: number;
  signal: AbortSignal;
}

export type DnsAnswer = { ok: true; answers: number; via: 'getaddrinfo' | 'resolver' } | { ok: false; code: string; message: string };

export function usesGetaddrinfo(q: { recordType: RecordType; server?: unknown }): boolean {
  return q.server === undefined && (q.recordType === 'A' || q.recordType === 'AAAA');
}

function failure(err: unknown): DnsAnswer {
  const e = err as NodeJS.ErrnoException;
  return { ok: false, code: e.code ?? 'UNKNOWN', message: e.message };
}

function aborted(signal: AbortSignal): Promise<DnsAnswer> {
  return new Promise((resolve) => {
    const done = (): void => resolve({ ok: false, code: 'ECANCELLED', message: 'aborted before an answer came' });
    if (signal.aborted) done();
    else signal.addEventListener('abort', done, { once: true });
  });
}

async function viaGetaddrinfo(q: DnsQuery): Promise<DnsAnswer> {
  // getaddrinfo cannot be cancelled; on abort it finishes in the background (libuv threadpool).
  const answer = lookup(q.name, { family: q.recordType === 'AAAA' ? 6 : 4, all: true }).then(
    (addresses): DnsAnswer => ({ ok: true, answers: addresses.length, via: 'getaddrinfo' }),
    failure,
  );
  return Promise.race([answer, aborted(q.signal)]);
}

async function viaResolver(q: DnsQuery): Promise<DnsAnswer> {
  const resolver = new Resolver({ timeout: Math.max(1, q.timeoutMs), tries: 1 });
  if (q.server !== undefined) {
    const { host, port } = q.server;
    resolver.setServers([host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`]);
  }
  const onAbort = (): void => resolver.cancel();
  if (q.signal.aborted) return { ok: false, code: 'ECANCELLED', message: 'aborted before asking' };
  q.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const answers: unknown = q.recordType === 'PTR' ? await resolver.reverse(q.name) : await resolver.resolve(q.name, q.recordType);
    // SOA comes back as one object, the others as arrays.
    return { ok: true, answers: Array.isArray(answers) ? answers.length : 1, via: 'resolver' };
  } catch (err) {
    return failure(err);
  } finally {
    q.signal.removeEventListener('abort', onAbort);
  }
}

export function queryDns(q: DnsQuery): Promise<DnsAnswer> {
  return usesGetaddrinfo(q) ? viaGetaddrinfo(q) : viaResolver(q);
}
