/**
 * A refused transfer → outcome (pure). Connection failures reuse the http probe's rules
 * (../http/outcome.ts: ECONNREFUSED → refused, ENOTFOUND → dns_error, certificate → tls_error…).
 */
import type { Outcome } from '../../../../shared/src/outcomes.ts';

/** The outcome of a non-200 answer from a throughput endpoint. */
export function outcomeForStatus(status: number): Outcome {
  if (status === 401 || status === 403) return 'auth_error';
  // 429: this agent's hourly budget or the collector's concurrency cap; 503: shutting down.
  // 404: a collector without the endpoints, or with throughput.enabled false. The test could not run.
  if (status === 429 || status === 503 || status === 404) return 'unavailable';
  // 413 (sizeBytes over the collector's cap) and anything else: not the answer a test needs.
  return 'mismatch';
}

/** One line for the log from an error answer: status, the collector's code and message, Retry-After. */
export function describeRefusal(status: number, body: string, retryAfter: string | undefined): string {
  let detail = '';
  try {
    const parsed = JSON.parse(body) as { code?: unknown; message?: unknown };
    if (typeof parsed.code === 'string') detail += ` ${parsed.code}`;
    if (typeof parsed.message === 'string') detail += `: ${parsed.message.slice(0, 300)}`;
  } catch (err) {
    // Not our error shape (a proxy's page, say): show its start instead.
    if (!(err instanceof SyntaxError)) throw err;
    detail = ` ${body.slice(0, 120).replace(/\s+/g, ' ').trim()}`;
  }
  const retry = retryAfter === undefined ? '' : ` (Retry-After: ${retryAfter} s)`;
  return `HTTP ${status}${detail}${retry}`;
}
