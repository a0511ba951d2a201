/**
 * Credential renewal: every accepted push tells the agent when its token expires and when to ask
 * for a new one (CREDENTIAL_HEADERS, shared/src/agent-credential.ts). From renewAt on, after an
 * acknowledged batch, the agent posts to ROTATE_PATH with its current token, writes the new one to
 * its credential file (atomically) and uses it from the next request. The collector keeps the old
 * one working for its rotation overlap (default 24 h), so a lost answer or a crash between the
 * answer and the write costs nothing: the next push asks again.
 */
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from '../../../shared/src/log.ts';
import type { Clock } from '../../../shared/src/clock.ts';
import { AgentCredential, CREDENTIAL_HEADERS, ROTATE_PATH } from '../../../shared/src/agent-credential.ts';
import { checker } from '../../../shared/src/validate.ts';
import type { CredentialSource } from './credential.ts';
import type { IngestTransport } from './transport.ts';

const gzip = promisify(gzipCb);
const isCredential = checker(AgentCredential);
/** After a failed renewal, wait this long before the next try (each try is one request). */
const RETRY_MS = 60_000;

export interface Rotation {
  /**
   * After an acknowledged push: renew when due. `skewMs` (agent clock minus collector clock, from
   * the pusher) puts renewAt — a collector instant — on the agent's clock. Never throws.
   */
  afterAck(headers: IncomingHttpHeaders, signal: AbortSignal, skewMs?: number): Promise<void>;
}

function headerMs(h: IncomingHttpHeaders, name: string): number | undefined {
  const v = h[name];
  const n = typeof v === 'string' ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

export function createRotation(opts: {
  baseUrl: string;
  transport: IngestTransport;
  credential: CredentialSource;
  timeoutMs: number;
  log: Logger;
  clock: Clock;
}): Rotation {
  const { credential, log, clock } = opts;
  const endpoint = new URL(ROTATE_PATH.slice(1), opts.baseUrl.endsWith('/') ? opts.baseUrl : `${opts.baseUrl}/`);
  let nextTryAt = 0;
  let warnedInline = false;

  return {
    async afterAck(headers, signal, skewMs = 0) {
      const renewAt = headerMs(headers, CREDENTIAL_HEADERS.renewAt);
      const expiresAt = headerMs(headers, CREDENTIAL_HEADERS.expiresAt);
      const now = clock.now() - skewMs;
      if (renewAt === undefined || now < renewAt || now < nextTryAt) return;
      if (credential.file === undefined) {
        if (!warnedInline)
          log.warn(
            { expiresAt: expiresAt === undefined ? undefined : new Date(expiresAt).toISOString() },
            'agent token is due for renewal but collector.token is inline (no collector.tokenFile to write); enrol the agent (n3mon enrol) or put a new token in the config before it expires',
          );
        warnedInline = true;
        return;
      }
      nextTryAt = now + RETRY_MS;
      try {
        const reply = await opts.transport.send({ url: endpoint, token: credential.current(), body: await gzip('{}'), timeoutMs: opts.timeoutMs, signal });
        const body = parseJson(reply.body);
        if (reply.status !== 200 || !isCredential(body)) {
          log.warn({ status: reply.status, body: reply.body.slice(0, 200), retryInMs: RETRY_MS }, 'agent credential renewal refused; will retry');
          return;
        }
        credential.replace(body.token);
        log.info({ tokenId: body.id, expiresAt: new Date(body.expiresAt).toISOString(), file: credential.file }, 'agent credential renewed');
      } catch (err) {
        log.warn({ code: (err as { code?: string }).code, err: (err as Error).message, retryInMs: RETRY_MS }, 'agent credential renewal failed; will retry');
      }
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined; // not JSON: refused like any other bad answer
  }
}
