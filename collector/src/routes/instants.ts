/**
 * Instants in request bodies and queries (epoch ms or ISO 8601) are accepted only within a sane
 * range: from 2000-01-01 to two years after the collector's clock. Anything outside is a 400 with
 * `path: message` — never stored, so a later read can always render it (an instant beyond the
 * range of a JS Date once made every list of maintenance windows answer 500).
 */
import { EARLIEST_INSTANT_MS, LATEST_AHEAD_MS, parseInstant } from './practices/time.ts';

export { EARLIEST_INSTANT_MS, LATEST_AHEAD_MS };

/** The instant at `path`, or undefined (with a problem pushed) when it is not one or out of range. */
export function boundedInstant(v: number | string | undefined, path: string, now: number, problems: string[]): number | undefined {
  if (v === undefined) return undefined;
  const t = typeof v === 'number' ? v : parseInstant(v);
  if (t === undefined || !Number.isSafeInteger(t)) {
    problems.push(`${path}: not epoch ms or ISO 8601 ('${String(v).slice(0, 40)}')`);
    return undefined;
  }
  const latest = now + LATEST_AHEAD_MS;
  if (t < EARLIEST_INSTANT_MS || t > latest) {
    problems.push(`${path}: must be between 2000-01-01T00:00:00Z and two years from now (${new Date(latest).toISOString()})`);
    return undefined;
  }
  return t;
}
