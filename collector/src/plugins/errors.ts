/**
 * One error shape everywhere: `{ statusCode, code, error, message, problems? }` with a stable
 * `N3MON_ERR_…` code (shared/src/errors.ts). N3monErrors map to their status; Fastify's own
 * errors (body too large, bad media type, validation) are translated; anything else is a bug (500).
 */
import { STATUS_CODES } from 'node:http';
import Type, { type Static } from 'typebox';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { TypedApp } from '../context.ts';
import { isN3monError, type ErrorCode } from '../../../shared/src/errors.ts';

export const ErrorResponse = Type.Object(
  {
    statusCode: Type.Integer(),
    code: Type.String({ description: 'Stable N3MON_ERR_… code (docs/errors.md).' }),
    error: Type.String({ description: 'HTTP reason phrase.' }),
    message: Type.String(),
    problems: Type.Optional(Type.Array(Type.String(), { description: 'Each problem as `path: message`.' })),
  },
  { $id: 'ErrorResponse', description: 'Every error the API returns.' },
);
export type ErrorResponse = Static<typeof ErrorResponse>;

/** Response schemas for the error statuses a route can return (for serialisation and OpenAPI). */
export function errorResponses(...statuses: number[]): Record<number, typeof ErrorResponse> {
  return Object.fromEntries(statuses.map((s) => [s, ErrorResponse]));
}

export const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  N3MON_ERR_AUTH_MISSING: 401,
  N3MON_ERR_AUTH_INVALID: 401,
  N3MON_ERR_AUTH_FORBIDDEN: 403,
  N3MON_ERR_INGEST_INVALID: 400,
  N3MON_ERR_INGEST_TOO_LARGE: 413,
  N3MON_ERR_REQUEST_INVALID: 400,
  N3MON_ERR_REQUEST_TOO_LARGE: 413,
  N3MON_ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  N3MON_ERR_NOT_FOUND: 404,
  N3MON_ERR_UNAVAILABLE: 503,
  N3MON_ERR_STORE: 503,
  N3MON_ERR_INTERNAL: 500,
  N3MON_ERR_AUTH_CSRF: 403,
  N3MON_ERR_RATE_LIMITED: 429,
};

/** Route config key: which area a route's body errors belong to (`ingest` → N3MON_ERR_INGEST_…). */
export interface N3monRouteConfig {
  bodyArea?: 'ingest' | 'request';
}

declare module 'fastify' {
  interface FastifyContextConfig {
    bodyArea?: 'ingest' | 'request';
  }
}

export function bodyCode(req: FastifyRequest, what: 'invalid' | 'too_large'): ErrorCode {
  const ingest = (req.routeOptions.config as N3monRouteConfig | undefined)?.bodyArea === 'ingest';
  if (what === 'invalid') return ingest ? 'N3MON_ERR_INGEST_INVALID' : 'N3MON_ERR_REQUEST_INVALID';
  return ingest ? 'N3MON_ERR_INGEST_TOO_LARGE' : 'N3MON_ERR_REQUEST_TOO_LARGE';
}

interface HttpError {
  statusCode: number;
  code: ErrorCode;
  message: string;
  problems?: readonly string[];
}

function fromFastify(err: FastifyError, req: FastifyRequest): HttpError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { statusCode: 413, code: bodyCode(req, 'too_large'), message: `body larger than ${req.routeOptions.bodyLimit ?? 0} bytes` };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        statusCode: 415,
        code: 'N3MON_ERR_UNSUPPORTED_MEDIA_TYPE',
        message: `Content-Type ${JSON.stringify(req.headers['content-type'] ?? '')} is not accepted; send application/json`,
      };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { statusCode: 400, code: bodyCode(req, 'invalid'), message: err.message, problems: [`(root): ${err.message}`] };
    case 'FST_ERR_VALIDATION':
      return {
        statusCode: 400,
        code: 'N3MON_ERR_REQUEST_INVALID',
        message: err.message,
        problems: (err.validation ?? []).map((v) => `${err.validationContext ?? 'request'}${v.instancePath.replaceAll('/', '.')}: ${v.message ?? 'invalid'}`),
      };
    default:
      return undefined;
  }
}

export function toHttpError(err: unknown, req: FastifyRequest): HttpError {
  if (isN3monError(err)) {
    return { statusCode: HTTP_STATUS[err.code] ?? 500, code: err.code, message: err.message, problems: err.problems.length > 0 ? err.problems : undefined };
  }
  const fe = err as FastifyError;
  const known = typeof fe?.code === 'string' ? fromFastify(fe, req) : undefined;
  if (known !== undefined) return known;
  const status = typeof fe?.statusCode === 'number' ? fe.statusCode : 500;
  if (status >= 400 && status < 500) return { statusCode: status, code: 'N3MON_ERR_REQUEST_INVALID', message: fe.message };
  return { statusCode: 500, code: 'N3MON_ERR_INTERNAL', message: 'internal error; the request was not applied (see the collector log)' };
}

function hasBody(req: FastifyRequest): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

export function sendError(reply: FastifyReply, e: HttpError): FastifyReply {
  if (e.statusCode === 401) {
    reply.header('WWW-Authenticate', e.code === 'N3MON_ERR_AUTH_INVALID' ? 'Bearer realm="n3mon", error="invalid_token"' : 'Bearer realm="n3mon"');
  }
  if (e.statusCode === 503) reply.header('Retry-After', '5');
  // A refused request may still be sending its body; closing the connection after the answer
  // means we neither read it nor keep the socket (and a graceful stop does not wait for it).
  if (e.statusCode >= 400 && hasBody(reply.request)) reply.header('Connection', 'close');
  const body: ErrorResponse = { statusCode: e.statusCode, code: e.code, error: STATUS_CODES[e.statusCode] ?? 'Error', message: e.message };
  if (e.problems !== undefined) body.problems = [...e.problems];
  return reply.status(e.statusCode).send(body);
}

export function registerErrorHandling(app: TypedApp): void {
  app.addSchema(ErrorResponse);
  app.setErrorHandler((err, req, reply) => {
    const e = toHttpError(err, req);
    if (e.statusCode >= 500) req.log.error({ err, code: e.code, url: req.url }, 'request failed');
    else req.log.info({ code: e.code, statusCode: e.statusCode, url: req.url, problems: e.problems?.length }, 'request rejected');
    return sendError(reply, e);
  });
  app.setNotFoundHandler((req, reply) =>
    sendError(reply, { statusCode: 404, code: 'N3MON_ERR_NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` }),
  );
}
