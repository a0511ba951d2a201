/**
 * A small HTTP load balancer for tests (node:http, nothing else): the part of nginx's
 * `upstream` + `proxy_pass` that the high-availability tests need, on 127.0.0.1 only. Requests go
 * round-robin over the upstreams; an upstream that fails to connect (or drops the connection
 * before its answer's headers) is marked down for `failTimeoutMs` (nginx `max_fails=1
 * fail_timeout=…`) and the request is tried on the next one — as `proxy_next_upstream error`
 * does: always for GET/HEAD, and for other methods only on the paths `retryNonIdempotent` names
 * (the ingest route: a batch is idempotent by its batchId, deploy/ha/nginx.conf's
 * `non_idempotent`). An answer (any status, 503 included) is passed back as it is, never retried.
 * Headers pass through (Authorization, Cookie, Set-Cookie…) except the hop-by-hop ones;
 * X-Forwarded-For gets the client's address appended and X-Forwarded-Proto is set. Each answer
 * carries `x-upstream: <index>` so a test can tell who answered; `stats()` counts per upstream.
 */
import { request as httpRequest, createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Headers that belong to one connection, not to the request (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authorization',
  'proxy-authenticate',
]);
/** A request body larger than this is refused with 413 (the proxy buffers bodies to retry them). */
const MAX_BODY_BYTES = 64 * 1024 * 1024;
export const UPSTREAM_HEADER = 'x-upstream';

export interface LbProxyOptions {
  /** Base URLs, e.g. `http://127.0.0.1:8081` (loopback only). */
  upstreams: readonly string[];
  /** How long an upstream that failed stays out of the rotation (default 10 s, nginx's fail_timeout). */
  failTimeoutMs?: number;
  /** Non-idempotent requests (POST…) on these paths are retried on the next upstream after a connection error. Default: the ingest route. */
  retryNonIdempotent?: (path: string) => boolean;
  /** One attempt's limit for connecting and for the answer's headers (default 30 s); past it the attempt counts as an error. */
  upstreamTimeoutMs?: number;
}

export interface UpstreamStats {
  url: string;
  /** Answers passed back from this upstream (any status). */
  answered: number;
  /** Attempts that failed to connect or lost the connection before the answer. */
  errors: number;
  /** Answers by status code. */
  byStatus: Record<number, number>;
  /** Marked down until this time (ms), or 0. */
  downUntil: number;
}

export interface LbProxy {
  readonly url: string;
  readonly port: number;
  /** A copy of the per-upstream counters. */
  stats(): UpstreamStats[];
  /** Requests tried again on another upstream after a connection error. */
  retries(): number;
  /** Requests answered 502 by the proxy itself (every upstream failed, or the request could not be retried). */
  failures(): number;
  close(): Promise<void>;
}

const isIdempotent = (method: string): boolean => ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'].includes(method);

function forwardedHeaders(req: IncomingMessage, bodyLength: number): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) out[k] = v;
  const client = req.socket.remoteAddress ?? '';
  const prior = req.headers['x-forwarded-for'];
  out['x-forwarded-for'] = prior === undefined ? client : `${Array.isArray(prior) ? prior.join(', ') : prior}, ${client}`;
  out['x-forwarded-proto'] = 'http';
  out['content-length'] = String(bodyLength);
  out.connection = 'close';
  return out;
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

type Attempt = { kind: 'answer'; res: IncomingMessage } | { kind: 'error'; sent: boolean; message: string };

/** One try on one upstream: resolves with its answer's head, or with the connection error (and whether the request had been written). */
function attempt(base: URL, req: IncomingMessage, body: Buffer, timeoutMs: number): Promise<Attempt> {
  return new Promise((resolve) => {
    let connected = false;
    const up = httpRequest(
      {
        host: base.hostname,
        port: base.port,
        method: req.method,
        path: req.url,
        headers: forwardedHeaders(req, body.length),
        agent: false,
        timeout: timeoutMs,
      },
      (res) => resolve({ kind: 'answer', res }),
    );
    up.on('socket', (s: Socket) => s.once('connect', () => (connected = true)));
    up.on('timeout', () => up.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    up.on('error', (err) => resolve({ kind: 'error', sent: connected, message: err.message }));
    up.end(body);
  });
}

export async function startLbProxy(opts: LbProxyOptions): Promise<LbProxy> {
  const upstreams = opts.upstreams.map((u) => new URL(u));
  for (const u of upstreams) if (!u.hostname.startsWith('127.')) throw new Error(`lb-proxy: upstream ${u.href} is not on 127.0.0.0/8`);
  const failTimeoutMs = opts.failTimeoutMs ?? 10_000;
  const timeoutMs = opts.upstreamTimeoutMs ?? 30_000;
  const retryNonIdempotent = opts.retryNonIdempotent ?? ((path: string) => path.split('?')[0] === '/api/v1/ingest');
  const stats: UpstreamStats[] = upstreams.map((u) => ({ url: u.origin, answered: 0, errors: 0, byStatus: {}, downUntil: 0 }));
  let next = 0;
  let retries = 0;
  let failures = 0;

  /** The order to try the upstreams in for one request: round-robin over those up, then those down (nginx tries them all when every one is down). */
  const order = (): number[] => {
    const start = next;
    next = (next + 1) % upstreams.length;
    const all = upstreams.map((_, i) => (start + i) % upstreams.length);
    const now = Date.now();
    return [...all.filter((i) => (stats[i] as UpstreamStats).downUntil <= now), ...all.filter((i) => (stats[i] as UpstreamStats).downUntil > now)];
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    if (body === undefined) {
      res.writeHead(413, { 'content-type': 'text/plain' }).end('lb-proxy: request body too large\n');
      return;
    }
    const method = req.method ?? 'GET';
    const retryable = isIdempotent(method) || retryNonIdempotent(req.url ?? '/');
    const tried: string[] = [];
    for (const i of order()) {
      const s = stats[i] as UpstreamStats;
      if (tried.length > 0) retries += 1;
      const got = await attempt(upstreams[i] as URL, req, body, timeoutMs);
      if (got.kind === 'answer') {
        s.answered += 1;
        s.byStatus[got.res.statusCode ?? 0] = (s.byStatus[got.res.statusCode ?? 0] ?? 0) + 1;
        const headers: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(got.res.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) headers[k] = v;
        headers[UPSTREAM_HEADER] = String(i);
        res.writeHead(got.res.statusCode ?? 502, headers);
        got.res.pipe(res);
        got.res.on('error', () => res.destroy());
        return;
      }
      s.errors += 1;
      s.downUntil = Date.now() + failTimeoutMs;
      tried.push(`${s.url}: ${got.message}`);
      // A request already written may have been acted on: only a retryable one goes to the next upstream.
      if (got.sent && !retryable) break;
    }
    failures += 1;
    res.writeHead(502, { 'content-type': 'text/plain' }).end(`lb-proxy: no upstream answered (${tried.join('; ')})\n`);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      failures += 1;
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`lb-proxy: ${err instanceof Error ? err.message : String(err)}\n`);
    });
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stats: () => stats.map((s) => ({ ...s, byStatus: { ...s.byStatus } })),
    retries: () => retries,
    failures: () => failures,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
