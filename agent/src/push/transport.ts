/**
 * The pusher's one I/O seam: POST a gzipped body to the collector and read the answer. Built on
 * node:http/https with a keep-alive agent (one socket; the agent pushes one batch at a time) and a
 * hard deadline covering connect, upload and the whole response. A network failure or a timeout
 * rejects; any HTTP answer resolves (the pusher decides what a status means).
 */
import http from 'node:http';
import https from 'node:https';
import { userAgentOfThisAgent } from '../version.ts';

export interface IngestRequest {
  url: URL;
  token: string;
  /** gzip-compressed JSON body. */
  body: Buffer;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface IngestReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Response body as text, at most MAX_REPLY_BYTES. */
  body: string;
}

export interface IngestTransport {
  send(req: IngestRequest): Promise<IngestReply>;
  close(): void;
}

const MAX_REPLY_BYTES = 1024 * 1024;

export class TransportError extends Error {
  /** ECONNREFUSED, ETIMEDOUT (our deadline), ABORTED, ECONNRESET, … */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransportError';
    this.code = code;
  }
}

/** OpenSSL's and Node's codes for a server certificate the agent does not trust. */
const CERT_VERIFY_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** A socket error as a TransportError; a certificate the agent does not trust says so and what to check. */
function transportErrorOf(err: NodeJS.ErrnoException): TransportError {
  const code = err.code ?? 'EIO';
  if (!CERT_VERIFY_CODES.has(code)) return new TransportError(code, err.message, { cause: err });
  const hint =
    code === 'ERR_TLS_CERT_ALTNAME_INVALID'
      ? 'the certificate is not for the host name in collector.url'
      : "is collector.caFile the CA that issued the collector's certificate?";
  return new TransportError(code, `certificate verification failed: ${err.message} (${code}); ${hint}`, { cause: err });
}

/** `userAgent`: default `n3mon-agent/<package.json version> (<platform>; <arch>)` (../version.ts); the collector records it per agent. */
/** `ca`, `cert`, `key`: collector.caFile and the client certificate (config/collector-tls.ts). */
export function httpTransport(opts: { ca?: string | Buffer; cert?: Buffer; key?: Buffer; userAgent?: string } = {}): IngestTransport {
  const userAgent = opts.userAgent ?? userAgentOfThisAgent();
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const httpsAgent = new https.Agent({
    keepAlive: true,
    maxSockets: 1,
    ...(opts.ca === undefined ? {} : { ca: opts.ca }),
    ...(opts.cert === undefined || opts.key === undefined ? {} : { cert: opts.cert, key: opts.key }),
  });

  function send(req: IngestRequest): Promise<IngestReply> {
    return new Promise<IngestReply>((resolve, reject) => {
      const isHttps = req.url.protocol === 'https:';
      let settled = false;
      const finish = (err: TransportError | undefined, reply?: IngestReply): void => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        req.signal?.removeEventListener('abort', onAbort);
        if (err !== undefined) {
          request.destroy();
          reject(err);
        } else resolve(reply as IngestReply);
      };
      const request = (isHttps ? https : http).request(req.url, {
        method: 'POST',
        agent: isHttps ? httpsAgent : httpAgent,
        headers: {
          ...(req.token === '' ? {} : { authorization: `Bearer ${req.token}` }),
          'content-type': 'application/json',
          'content-encoding': 'gzip',
          'content-length': req.body.length,
          'user-agent': userAgent,
          accept: 'application/json',
        },
      });
      const deadline = setTimeout(() => finish(new TransportError('ETIMEDOUT', `no complete answer within ${req.timeoutMs} ms`)), req.timeoutMs);
      const onAbort = (): void => finish(new TransportError('ABORTED', 'request aborted (agent stopping)'));
      if (req.signal?.aborted === true) {
        onAbort();
        return;
      }
      req.signal?.addEventListener('abort', onAbort, { once: true });
      request.on('error', (err: NodeJS.ErrnoException) => finish(transportErrorOf(err)));
      request.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_REPLY_BYTES) chunks.push(chunk);
        });
        res.on('error', (err: NodeJS.ErrnoException) => finish(new TransportError(err.code ?? 'EIO', err.message, { cause: err })));
        res.on('end', () => finish(undefined, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      });
      request.end(req.body);
    });
  }

  return {
    send,
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
