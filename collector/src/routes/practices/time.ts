/** Time range and step of a series query (pure; unit-tested). */
export const DEFAULT_RANGE_MS = 3600_000;
export const MAX_RANGE_MS = 400 * 86_400_000;
export const TARGET_POINTS = 300;
export const MAX_POINTS = 2000;
export const MIN_STEP_MS = 1000;

/** Instants a request may name: from 2000-01-01 to two years after the collector's clock (../instants.ts). */
export const EARLIEST_INSTANT_MS = Date.UTC(2000, 0, 1);
export const LATEST_AHEAD_MS = 2 * 365 * 86_400_000;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 };

/** Steps the automatic choice picks from (all divide a day, so buckets line up across days). */
export const NICE_STEPS_MS = [1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400].map((s) => s * 1000);

const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** Epoch ms ("1700000000000") or ISO 8601 ("2026-11-01", "2026-11-01T08:00:00Z"); undefined if neither. */
export function parseInstant(text: string): number | undefined {
  if (/^\d{1,16}$/.test(text)) return Number(text);
  if (!ISO.test(text)) return undefined;
  const ms = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
  return Number.isFinite(ms) ? ms : undefined;
}

/** "60000", "30s", "1m", "1h", "1d" → ms; undefined if not a duration. */
export function parseStep(text: string): number | undefined {
  const m = /^(\d{1,12})(ms|s|m|h|d)?$/.exec(text);
  if (m === null) return undefined;
  const ms = Number(m[1]) * (UNIT_MS[m[2] ?? 'ms'] as number);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** The smallest nice step that gives at most TARGET_POINTS buckets over the range. */
export function autoStep(rangeMs: number): number {
  for (const s of NICE_STEPS_MS) if (rangeMs / s <= TARGET_POINTS) return s;
  return Math.ceil(rangeMs / TARGET_POINTS / 86_400_000) * 86_400_000;
}

export type RangeResult = { ok: true; from: number; to: number; stepMs: number } | { ok: false; problems: string[] };

/** from/to/step of a query (strings or absent) against `now`; every problem as `query.x: message`. */
export function resolveRange(q: { from?: string; to?: string; step?: string }, now: number): RangeResult {
  const problems: string[] = [];
  const to = q.to === undefined ? now : parseInstant(q.to);
  if (to === undefined) problems.push(`query.to: ${JSON.stringify(q.to)} is not epoch ms or an ISO 8601 time`);
  const from = q.from === undefined ? (to ?? now) - DEFAULT_RANGE_MS : parseInstant(q.from);
  if (from === undefined) problems.push(`query.from: ${JSON.stringify(q.from)} is not epoch ms or an ISO 8601 time`);
  const step = q.step === undefined ? undefined : parseStep(q.step);
  if (q.step !== undefined && step === undefined) problems.push(`query.step: ${JSON.stringify(q.step)} is not a duration (ms, or e.g. 30s, 1m, 1h, 1d)`);
  if (problems.length > 0 || from === undefined || to === undefined) return { ok: false, problems };
  const out = [
    ['from', from],
    ['to', to],
  ].filter(([, t]) => (t as number) < EARLIEST_INSTANT_MS || (t as number) > now + LATEST_AHEAD_MS);
  if (out.length > 0)
    return {
      ok: false,
      problems: out.map(([k]) => `query.${k}: must be between 2000-01-01T00:00:00Z and two years from now (${new Date(now + LATEST_AHEAD_MS).toISOString()})`),
    };
  if (to <= from) return { ok: false, problems: ['query.from: must be before to'] };
  const range = to - from;
  if (range > MAX_RANGE_MS)
    return { ok: false, problems: [`query.from: range of ${Math.round(range / 86_400_000)} days is longer than ${MAX_RANGE_MS / 86_400_000} days`] };
  const stepMs = step ?? autoStep(range);
  if (stepMs < MIN_STEP_MS) return { ok: false, problems: [`query.step: must be at least ${MIN_STEP_MS} ms`] };
  const points = Math.ceil(range / stepMs);
  if (points > MAX_POINTS)
    return {
      ok: false,
      problems: [`query.step: ${stepMs} ms over ${range} ms gives ${points} points per series (at most ${MAX_POINTS}); use a larger step or a shorter range`],
    };
  return { ok: true, from, to, stepMs };
}
