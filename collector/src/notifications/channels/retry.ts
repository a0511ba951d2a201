/** Bounded retries with exponential back-off, shared by the channels. */
import Type, { type Static } from 'typebox';
import type { DeliveryOutcome, DeliveryResult } from './types.ts';

export const RetryPolicy = Type.Object(
  {
    attempts: Type.Integer({ minimum: 1, maximum: 10, default: 5, description: 'Tries in all, the first included.' }),
    initialDelayMs: Type.Integer({ minimum: 10, maximum: 600_000, default: 2000, description: 'Wait before the second try; doubles each time.' }),
    maxDelayMs: Type.Integer({ minimum: 10, maximum: 3_600_000, default: 120_000 }),
  },
  { additionalProperties: false, default: {} },
);
export type RetryPolicy = Static<typeof RetryPolicy>;

export interface AttemptResult {
  outcome: DeliveryOutcome;
  /** Worth another try (network trouble, 5xx, 429); a 4xx or a bad address is not. */
  retryable: boolean;
  message?: string;
}

/** Wait before try n (n ≥ 2). */
export function backoffMs(policy: RetryPolicy, n: number): number {
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (n - 2));
}

export async function withRetries(
  policy: RetryPolicy,
  attempt: (n: number) => Promise<AttemptResult>,
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>,
  signal?: AbortSignal,
): Promise<DeliveryResult> {
  let last: AttemptResult = { outcome: 'error', retryable: false, message: 'not attempted' };
  for (let n = 1; n <= policy.attempts; n++) {
    if (n > 1) {
      await sleep(backoffMs(policy, n), signal);
      if (signal?.aborted === true) break;
    }
    last = await attempt(n);
    if (last.outcome === 'delivered') return { outcome: 'delivered', attempts: n };
    if (!last.retryable) return { outcome: last.outcome, attempts: n, ...(last.message === undefined ? {} : { message: last.message }) };
  }
  return { outcome: last.outcome, attempts: policy.attempts, ...(last.message === undefined ? {} : { message: last.message }) };
}

/** The outcome of a network error (Node's error codes). */
export function networkOutcome(err: unknown): AttemptResult {
  const e = err as { name?: string; code?: string; cause?: { code?: string }; message?: string };
  const code = e.cause?.code ?? e.code;
  if (
    e.name === 'TimeoutError' ||
    e.name === 'AbortError' ||
    code === 'ETIMEDOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'UND_ERR_HEADERS_TIMEOUT'
  ) {
    return { outcome: 'timeout', retryable: true, message: code ?? e.name ?? 'timeout' };
  }
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return { outcome: 'refused', retryable: true, message: code };
  }
  return { outcome: 'error', retryable: true, message: code ?? e.message ?? 'error' };
}
