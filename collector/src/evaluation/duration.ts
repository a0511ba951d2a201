/** Durations in config and profiles are strings with a unit: `500ms`, `30s`, `15m`, `6h`, `31d`. */
import Type from 'typebox';

export const DURATION_PATTERN = '^[1-9][0-9]{0,8}(ms|s|m|h|d)$';

export const Duration = Type.String({ pattern: DURATION_PATTERN, description: 'A duration: a whole number and a unit (ms, s, m, h, d), e.g. 15m.' });

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** ms of a duration string; throws RangeError for a string the schema would refuse (a bug here). */
export function durationMs(text: string): number {
  const m = /^([1-9][0-9]{0,8})(ms|s|m|h|d)$/.exec(text);
  if (m === null) throw new RangeError(`not a duration: '${text}'`);
  return Number(m[1]) * (UNIT_MS[m[2] as string] as number);
}

/** Short human form of a duration in ms (`15m`, `1h30m`, `250ms`). */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('');
}
