/**
 * Stable error codes (STYLE habit 9): callers and scripts branch on `code`, never on the message.
 * docs/errors.md lists every code; test/unit/shared/docs-in-step.test.ts keeps the two in step.
 * Append, never rename.
 */
export const ERROR_CODES = {
  N3MON_ERR_CONFIG_INVALID: 'A config file failed validation; the message lists every problem as `path: message`.',
  N3MON_ERR_CONFIG_READ: 'A config file could not be read or parsed (missing file, bad YAML/JSON).',
  N3MON_ERR_CLI_USAGE: 'A command line was wrong: unknown command or flag, missing or bad value.',
  N3MON_ERR_AUTH_MISSING: 'No `Authorization: Bearer …` header on a request that needs one (HTTP 401).',
  N3MON_ERR_AUTH_INVALID: 'The token or API key is unknown or revoked (HTTP 401).',
  N3MON_ERR_AUTH_FORBIDDEN: 'The credential is valid but may not do this, e.g. a practice key reading another practice (HTTP 403).',
  N3MON_ERR_INGEST_INVALID:
    'An ingest body failed validation: not JSON, not an object, a bad `batchId`, unknown keys or too many samples; `problems` lists every problem as `path: message` (HTTP 400). A bad sample alone is no error: the rest of its batch is stored and the answer lists it in `refused`.',
  N3MON_ERR_INGEST_TOO_LARGE: 'An ingest body is larger than the collector accepts (HTTP 413).',
  N3MON_ERR_REQUEST_INVALID: 'A read API request has a bad parameter (HTTP 400).',
  N3MON_ERR_NOT_FOUND: 'The practice, alert or resource does not exist (HTTP 404).',
  N3MON_ERR_UNAVAILABLE: 'The collector is shutting down or its store is not writable (HTTP 503).',
  N3MON_ERR_STORE: 'The store failed to read or write; nothing was acknowledged.',
  N3MON_ERR_INTERNAL: 'A bug; the request was not applied (HTTP 500).',
  N3MON_ERR_SPOOL_OPEN: 'The agent could not open its spool (spool.dir not writable, not a spool database, or in use by another agent process).',
  N3MON_ERR_UNSUPPORTED_MEDIA_TYPE:
    'The request body has a Content-Type or Content-Encoding the collector does not read (HTTP 415); send JSON, optionally gzip.',
  N3MON_ERR_REQUEST_TOO_LARGE: 'A request body (other than ingest), or a throughput test transfer, is larger than the collector accepts (HTTP 413).',
  N3MON_ERR_AUTH_CSRF: 'A write signed in by the dashboard session cookie came without its CSRF token, or from another origin (HTTP 403).',
  N3MON_ERR_RATE_LIMITED:
    "Too many requests: an agent token over its ingest rate (`ingest.rateLimit`), dashboard sign-in attempts, or a throughput test over its agent's hourly budget or the collector's concurrency cap; wait for `Retry-After` seconds (HTTP 429).",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class N3monError extends Error {
  readonly code: ErrorCode;
  /** Each problem on its own line as `path: message`, when the error is about input. */
  readonly problems: readonly string[];

  constructor(code: ErrorCode, message: string, options: { problems?: readonly string[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'N3monError';
    this.code = code;
    this.problems = options.problems ?? [];
  }
}

export function isN3monError(err: unknown, code?: ErrorCode): err is N3monError {
  return err instanceof N3monError && (code === undefined || err.code === code);
}
