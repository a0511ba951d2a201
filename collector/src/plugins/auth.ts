/**
 * Bearer authentication as onRequest hooks, so nothing of an unauthenticated request's body is
 * read. Agents present a token (`n3a_…`) on ingest; readers present an API key (`n3k_…`).
 * Credentials are checked against the state database on every request (no cache): a revoke —
 * through another collector sharing the database, or from the CLI while the collector runs — is
 * refused from the next request. A check is one primary-key lookup and one SHA-256.
 */
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { TypedApp } from '../typed-app.ts';
import { N3monError } from '../../../shared/src/errors.ts';
import type { Meta } from '../meta/index.ts';
import { verifyAgentToken, verifyApiKey, canRead, canWrite, type AgentIdentity, type Reader } from '../auth/credentials.ts';
import type { AuditInput } from '../meta/index.ts';
import { agentCertProblem } from '../listen-tls.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the agent hook: who sent this ingest. */
    agentIdentity: AgentIdentity | null;
    /** Set by the API-key hook: who is reading. */
    reader: Reader | null;
  }
}

export function bearerToken(req: FastifyRequest): string {
  const header = req.headers.authorization;
  if (header === undefined || header === '') throw new N3monError('N3MON_ERR_AUTH_MISSING', 'missing Authorization: Bearer <credential>');
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  if (m === null) throw new N3monError('N3MON_ERR_AUTH_MISSING', 'Authorization must be "Bearer <credential>"');
  return m[1] as string;
}

const REASONS = {
  malformed: 'not a credential of this kind',
  unknown: 'unknown credential',
  revoked: 'credential revoked',
  expired: 'credential expired',
} as const;

/**
 * Another way to authenticate a reader (the dashboard's session cookie): the reader, or null when
 * the request carries no such credential. May throw (a cookie write without its CSRF token).
 * Tried only when the request has no Authorization header.
 */
export type ReaderSource = (req: FastifyRequest) => Reader | null | Promise<Reader | null>;

export interface AuthHooks {
  agent: onRequestAsyncHookHandler;
  apiKey: onRequestAsyncHookHandler;
  /** Add a ReaderSource; call while registering routes. */
  addReaderSource(source: ReaderSource): void;
}

/** `requireClientCert`: mutual TLS (listen.tls.requireClientCert): an agent token counts only with its agent's client certificate. */
export function registerAuth(app: TypedApp, meta: Meta, opts: { requireClientCert?: boolean } = {}): AuthHooks {
  app.decorateRequest('agentIdentity', null);
  app.decorateRequest('reader', null);
  const sources: ReaderSource[] = [];
  return {
    agent: async (req) => {
      const v = await verifyAgentToken(meta, bearerToken(req));
      if (!v.ok) throw new N3monError('N3MON_ERR_AUTH_INVALID', `agent token rejected: ${REASONS[v.reason]}`);
      if (opts.requireClientCert === true) {
        const refused = agentCertProblem(req.raw.socket, v.value);
        if (refused !== undefined) throw new N3monError('N3MON_ERR_AUTH_FORBIDDEN', refused);
      }
      req.agentIdentity = v.value;
    },
    apiKey: async (req) => {
      if (req.headers.authorization === undefined) {
        for (const source of sources) {
          const reader = await source(req);
          if (reader !== null) {
            req.reader = reader;
            return;
          }
        }
      }
      const v = await verifyApiKey(meta, bearerToken(req));
      if (!v.ok) throw new N3monError('N3MON_ERR_AUTH_INVALID', `API key rejected: ${REASONS[v.reason]}`);
      req.reader = v.value;
    },
    addReaderSource: (source) => {
      sources.push(source);
    },
  };
}

/** The authenticated reader; throws 403 unless it may read practice `ods`. */
export function assertCanRead(req: FastifyRequest, ods: string): Reader {
  const reader = req.reader;
  if (reader === null) throw new N3monError('N3MON_ERR_INTERNAL', 'route without the API-key hook');
  if (!canRead(reader, ods)) throw new N3monError('N3MON_ERR_AUTH_FORBIDDEN', `this key may read practice ${reader.practice ?? '?'} only`);
  return reader;
}

/**
 * The authenticated reader; throws 403 unless it may change what the service desk owns
 * (`servicedesk` keys and users, admins) — and, for a practice's resource, read that practice.
 */
export function assertServiceDesk(req: FastifyRequest, what: string, ods?: string): Reader {
  const reader = req.reader;
  if (reader === null) throw new N3monError('N3MON_ERR_INTERNAL', 'route without the API-key hook');
  if (!canWrite(reader))
    throw new N3monError(
      'N3MON_ERR_AUTH_FORBIDDEN',
      `${what} needs the service desk (a servicedesk key or user, or an admin); this ${reader.actor.startsWith('user:') ? 'user' : 'key'} reads practice ${reader.practice ?? '?'} only`,
    );
  if (ods !== undefined && !canRead(reader, ods)) throw new N3monError('N3MON_ERR_AUTH_FORBIDDEN', `this key may read practice ${reader.practice ?? '?'} only`);
  return reader;
}

/** The authenticated reader; throws 403 unless it is an admin signed in to the dashboard. */
export function assertAdmin(req: FastifyRequest, what: string): Reader {
  const reader = req.reader;
  if (reader === null) throw new N3monError('N3MON_ERR_INTERNAL', 'route without the API-key hook');
  if (!reader.admin) throw new N3monError('N3MON_ERR_AUTH_FORBIDDEN', `${what} needs an admin signed in to the dashboard`);
  return reader;
}

/** Who and from where, for `await meta.audit.record({ ...auditActor(req), action, target, … })`. */
export function auditActor(req: FastifyRequest): Pick<AuditInput, 'actor' | 'from'> {
  const actor = req.reader?.actor ?? (req.agentIdentity === null ? 'anonymous' : `agent:${req.agentIdentity.practice}/${req.agentIdentity.agent}`);
  return { actor, from: req.ip };
}
