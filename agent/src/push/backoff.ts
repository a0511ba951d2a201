/**
 * Retry timing for the pusher (pure, unit-tested): exponential back-off with full jitter
 * (delay = random × min(cap, base × 2^attempt)) and the collector's `Retry-After` header
 * (delta-seconds or an HTTP date, RFC 9110 §10.2.3).
 */

/** Longest wait a Retry-After header may ask for; a bogus far-future date is clamped to this. */
export const RETRY_AFTER_CAP_MS = 3_600_000;

export interface BackoffOptions {
  /** First retry waits up to this long (attempt 0). */
  baseMs: number;
  /** No wait is longer than this (push.maxBackoffMs). */
  maxMs: number;
}

/**
 * Full-jitter back-off: uniformly random in [0, min(maxMs, baseMs × 2^attempt)). Full jitter
 * spreads the retries of many agents after a collector outage instead of synchronising them.
 * `random` is a seam for tests (defaults to Math.random).
 */
export function backoffDelayMs(attempt: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const exp = Math.min(Math.max(0, Math.floor(attempt)), 40);
  const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** exp);
  return Math.floor(random() * ceiling);
}

/**
 * Parses a Retry-After value into milliseconds from `nowMs`, or undefined when it is absent or
 * not a valid delta-seconds / HTTP date. A date in the past means "now" (0).
 */
export function parseRetryAfter(value: string | readonly string[] | undefined, nowMs: number): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim();
  if (text === '') return undefined;
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, RETRY_AFTER_CAP_MS);
  // HTTP dates always name the weekday or month in letters; this keeps bare numbers with signs or
  // fractions ("-1", "1.5") and ISO strings ("2026-01-01") out of Date.parse's lenient hands.
  if (!/^[A-Za-z]{3}/.test(text) || !/GMT$|\d{4}$/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - nowMs), RETRY_AFTER_CAP_MS);
}
