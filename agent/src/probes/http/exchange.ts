/**
 * One hop: resolve, connect, (TLS,) send one request, read the answer — on a fresh connection
 * that is always destroyed afterwards. Timestamps come from the socket's own events, so each phase
 * is what the network did, not what a pool or a retry did.
 *
 * TLS is verified by hand: the handshake runs with rejectUnauthorized off so the certificate can be
 * read even when it is expired or untrusted (that is when the service desk needs its expiry), and
 * the request is only written after the verdict, so headers never reach an unverified server.
 */
import { lookup } from 'node:dns/promises';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from '../../../../shared/src/log.ts';
import { stageOf, type HopTimings } from './phases.ts';
import { errorCode, errorMessage, type HopFailure } from './outcome.ts';

export interface ExchangeRequest {
  url: URL;
  method: 'GET' | 'HEAD';
  /** Request headers for this hop (the probe drops credentials on cross-origin redirects). */
  headers: Readonly<Record<string, string>>;
  ipFamily?: 4 | 6;
  /** `context`: made once per check (parsing CA certificates per connection costs CPU). */
  tls: { context?: tls.SecureContext; insecureSkipVerify: boolean; serverName?: string };
  maxBodyBytes: number;
  /** Keep up to maxBodyBytes of the body for matching (otherwise bytes are only counted). */
  keepBody: boolean;
  signal: AbortSignal;
  /** Monotonic clock, ms. */
  now: () => number;
  log: Logger;
}

export interface PeerCertificate {
  /** As OpenSSL prints it, e.g. `Feb  1 00:00:00 2030 GMT`. */
  validTo: string;
  subject: string;
}

export interface HopResult {
  timings: HopTimings;
  address?: string;
  status?: number;
  location?: string;
  bodyBytes: number;
  /** Reading stopped at maxBodyBytes with more body to come. */
  bodyTruncated: boolean;
  body?: Buffer;
  cert?: PeerCertificate;
  failure?: HopFailure;
}

/** `[::1]` → `::1`; names stay as they are. */
export function hostOf(url: URL): string {
  const h = url.hostname;
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

export function portOf(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

function abortError(): Error {
  return Object.assign(new Error('aborted: check timeout or agent stopping'), { name: 'AbortError', code: 'ABORT_ERR' });
}

/** Resolves with p, or rejects with an AbortError as soon as the signal fires (p is left to settle). */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    p.catch(() => undefined); // settles later; its result no longer matters
    return Promise.reject(abortError());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

function hasHeader(headers: Readonly<Record<string, string>>, name: string): boolean {
  return Object.keys(headers).some((k) => k.toLowerCase() === name);
}

export async function exchange(req: ExchangeRequest): Promise<HopResult> {
  const { url, signal, now, log } = req;
  const host = hostOf(url);
  const isName = net.isIP(host) === 0;
  const isTls = url.protocol === 'https:';
  const timings: HopTimings = { start: now() };
  const result: HopResult = { timings, bodyBytes: 0, bodyTruncated: false };
  const sockets: net.Socket[] = [];
  let httpReq: http.ClientRequest | undefined;
  /**
   * Every socket keeps an error listener for its whole life: an error after the run moved on (a
   * reset while it is being torn down) must land here, not crash the agent. The run itself learns
   * of errors through the awaited events.
   */
  const late =
    (what: string) =>
    (err: Error): void => {
      log.trace({ what, code: errorCode(err) }, 'http probe: socket error');
    };

  try {
    let address = host;
    if (isName) {
      const found = await raceAbort(lookup(host, req.ipFamily === undefined ? {} : { family: req.ipFamily }), signal);
      address = found.address;
      timings.dnsDone = now();
    }
    result.address = address;

    const tcp = net.connect({ host: address, port: portOf(url), noDelay: true });
    sockets.push(tcp);
    tcp.on('error', late('tcp'));
    await once(tcp, 'connect', { signal });
    timings.connected = now();

    let sock: net.Socket = tcp;
    if (isTls) {
      const serverName = req.tls.serverName ?? (isName ? host : undefined);
      const secure = tls.connect({
        socket: tcp,
        ...(serverName === undefined ? {} : { servername: serverName }),
        host: serverName ?? host,
        ...(req.tls.context === undefined ? {} : { secureContext: req.tls.context }),
        rejectUnauthorized: false,
        ALPNProtocols: ['http/1.1'],
      });
      sockets.push(secure);
      secure.on('error', late('tls'));
      await once(secure, 'secureConnect', { signal });
      timings.tlsDone = now();
      const peer = secure.getPeerCertificate();
      if (peer !== null && typeof peer.valid_to === 'string' && peer.valid_to !== '') {
        result.cert = { validTo: peer.valid_to, subject: typeof peer.subject?.CN === 'string' ? peer.subject.CN : '' };
      }
      if (!secure.authorized && !req.tls.insecureSkipVerify) {
        const code = String(secure.authorizationError ?? 'UNABLE_TO_VERIFY');
        result.failure = { stage: 'tls', code, message: `certificate not accepted: ${code}` };
        return result;
      }
      sock = secure;
    }

    const conn = sock;
    const r = http.request({
      method: req.method,
      path: `${url.pathname}${url.search}`,
      headers: { ...(hasHeader(req.headers, 'host') ? {} : { host: url.host }), ...req.headers, connection: 'close' },
      setHost: false,
      createConnection: () => conn,
    });
    httpReq = r;
    conn.once('data', () => {
      timings.firstByte ??= now();
    });
    await readResponse(r, req, result);
    return result;
  } catch (err) {
    const code = signal.aborted ? 'ABORT_ERR' : errorCode(err);
    result.failure = { stage: stageOf(timings, { isName, isTls }), code, message: errorMessage(err) };
    return result;
  } finally {
    httpReq?.destroy();
    for (const s of sockets.reverse()) s.destroy();
  }
}

/** Waits for the response and reads its body (bounded); failures are recorded, never thrown. */
function readResponse(r: http.ClientRequest, req: ExchangeRequest, result: HopResult): Promise<void> {
  const { signal, now, maxBodyBytes } = req;
  const timings = result.timings;
  const chunks: Buffer[] = [];
  let kept = 0;
  return new Promise<void>((resolve) => {
    let settled = false;
    const finish = (err?: unknown): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (err !== undefined) {
        const code = signal.aborted ? 'ABORT_ERR' : errorCode(err);
        result.failure = { stage: result.status === undefined ? 'request' : 'transfer', code, message: errorMessage(err) };
      } else if (req.keepBody) {
        result.body = Buffer.concat(chunks, kept);
      }
      resolve();
    };
    const onAbort = (): void => finish(abortError());
    if (signal.aborted) {
      finish(abortError());
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });

    r.on('error', (err) => finish(err));
    r.on('response', (res) => {
      timings.firstByte ??= now();
      result.status = res.statusCode;
      const loc = res.headers.location;
      if (typeof loc === 'string') result.location = loc;
      res.on('error', (err) => finish(err));
      if (req.method === 'HEAD' || maxBodyBytes === 0) {
        timings.done = now();
        finish();
        return;
      }
      res.on('data', (chunk: Buffer) => {
        if (settled) return;
        result.bodyBytes += chunk.length;
        if (req.keepBody && kept < maxBodyBytes) {
          const part = chunk.length <= maxBodyBytes - kept ? chunk : chunk.subarray(0, maxBodyBytes - kept);
          chunks.push(part);
          kept += part.length;
        }
        if (result.bodyBytes >= maxBodyBytes && !res.complete) {
          timings.done = now();
          result.bodyTruncated = true;
          finish();
        }
      });
      res.on('end', () => {
        timings.done = now();
        finish();
      });
      res.on('close', () => {
        if (!res.complete) finish(Object.assign(new Error('response closed before the body was complete'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
      });
    });
    r.end();
  });
}
