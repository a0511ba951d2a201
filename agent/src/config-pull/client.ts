/**
 * The agent's side of the pulled-config contract (shared/src/pulled-config.ts), over node:http/https
 * with the agent token and the collector TLS options every connection to the collector uses:
 *
 * - fetch(etag): `GET AGENT_CONFIG_PATH` with `If-None-Match: "<etag>"` → the PulledConfig (its
 *   shape checked; its checks are validated by the caller), `not_modified` (304), or why not;
 * - report(result): `POST AGENT_CONFIG_RESULT_PATH` with a ConfigApplyResult (204).
 *
 * Every request has a hard deadline. Nothing rejects: a network failure, a timeout and any status
 * the contract does not name are values the puller logs and retries on its interval.
 */
import http from 'node:http';
import https from 'node:https';
import { AGENT_CONFIG_PATH, AGENT_CONFIG_RESULT_PATH, PulledConfig, type ConfigApplyResult } from '../../../shared/src/pulled-config.ts';
import { problemsOf } from '../../../shared/src/validate.ts';
import type { CollectorTls } from '../config/collector-tls.ts';
import { userAgentOfThisAgent } from '../version.ts';

/** Largest config answer read (2,000 checks of a few hundred bytes each fit many times over). */
export const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

export type PullReply =
  | { kind: 'config'; config: PulledConfig }
  | { kind: 'not_modified' }
  /** An HTTP answer other than 200/304 (401, 404 nothing assigned, 5xx…), or a 200 that is not a PulledConfig. */
  | { kind: 'refused'; status: number; reason: string }
  /** No answer: refused connection, DNS, TLS, the deadline. */
  | { kind: 'unreachable'; code: string; reason: string };

export type ReportReply = { ok: true } | { ok: false; reason: string };

export interface ConfigClient {
  fetch(etag: string | undefined, signal?: AbortSignal): Promise<PullReply>;
  report(result: ConfigApplyResult, signal?: AbortSignal): Promise<ReportReply>;
}

export interface ConfigClientOptions {
  url: string;
  /** The token to send now (it may be renewed while the agent runs). */
  token: () => string;
  tls: CollectorTls;
  timeoutMs: number;
}

interface Answer {
  status: number;
  body: string;
}

/** The collector's `path: message` or error text from a JSON error body, else the status line. */
function reasonOf(a: Answer): string {
  try {
    const e = JSON.parse(a.body) as { message?: unknown; code?: unknown };
    if (typeof e.message === 'string') return `${a.status} ${typeof e.code === 'string' ? `${e.code}: ` : ''}${e.message}`.slice(0, 500);
  } catch {
    // Not JSON (a proxy's HTML page): the status says enough.
  }
  return `${a.status} ${http.STATUS_CODES[a.status] ?? ''}`.trim();
}

export function createConfigClient(opts: ConfigClientOptions): ConfigClient {
  const base = opts.url.replace(/\/+$/, '');
  const userAgent = userAgentOfThisAgent();

  function request(method: 'GET' | 'POST', path: string, headers: Record<string, string>, body: string | undefined, signal?: AbortSignal): Promise<Answer> {
    return new Promise<Answer>((resolve, reject) => {
      const url = new URL(base + path);
      const isHttps = url.protocol === 'https:';
      const fail = (code: string, message: string): void => {
        clearTimeout(deadline);
        signal?.removeEventListener('abort', onAbort);
        req.destroy();
        reject(Object.assign(new Error(message), { code }));
      };
      const req = (isHttps ? https : http).request(url, {
        method,
        ...(isHttps ? { ca: opts.tls.ca, cert: opts.tls.cert, key: opts.tls.key } : {}),
        headers: {
          authorization: `Bearer ${opts.token()}`,
          accept: 'application/json',
          'user-agent': userAgent,
          ...headers,
          ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }),
        },
      });
      const deadline = setTimeout(() => fail('ETIMEDOUT', `no complete answer within ${opts.timeoutMs} ms`), opts.timeoutMs);
      const onAbort = (): void => fail('ABORTED', 'request aborted (agent stopping)');
      if (signal?.aborted === true) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (err: NodeJS.ErrnoException) => fail(err.code ?? 'EIO', err.message));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_CONFIG_BYTES) fail('E2BIG', `answer larger than ${MAX_CONFIG_BYTES} bytes`);
          else chunks.push(c);
        });
        res.on('error', (err: NodeJS.ErrnoException) => fail(err.code ?? 'EIO', err.message));
        res.on('end', () => {
          clearTimeout(deadline);
          signal?.removeEventListener('abort', onAbort);
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        });
      });
      req.end(body);
    });
  }

  const unreachable = (err: unknown): PullReply => ({
    kind: 'unreachable',
    code: (err as { code?: string }).code ?? 'EIO',
    reason: (err as Error).message,
  });

  return {
    async fetch(etag, signal) {
      let a: Answer;
      try {
        a = await request('GET', AGENT_CONFIG_PATH, etag === undefined ? {} : { 'if-none-match': `"${etag}"` }, undefined, signal);
      } catch (err) {
        return unreachable(err);
      }
      if (a.status === 304) return { kind: 'not_modified' };
      if (a.status !== 200) return { kind: 'refused', status: a.status, reason: reasonOf(a) };
      let value: unknown;
      try {
        value = JSON.parse(a.body);
      } catch (err) {
        return { kind: 'refused', status: 200, reason: `the answer is not JSON (${(err as Error).message})` };
      }
      // The envelope only: the checks are validated by the agent's own rules, with check paths.
      const problems = problemsOf(PulledConfig, value).filter((p) => !p.startsWith('checks['));
      if (problems.length > 0) return { kind: 'refused', status: 200, reason: `the answer is not a pulled config: ${problems.slice(0, 3).join('; ')}` };
      return { kind: 'config', config: value as PulledConfig };
    },

    async report(result, signal) {
      try {
        const a = await request('POST', AGENT_CONFIG_RESULT_PATH, {}, JSON.stringify(result), signal);
        return a.status >= 200 && a.status < 300 ? { ok: true } : { ok: false, reason: reasonOf(a) };
      } catch (err) {
        return { ok: false, reason: `${(err as { code?: string }).code ?? 'EIO'}: ${(err as Error).message}` };
      }
    },
  };
}
