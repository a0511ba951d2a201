/**
 * Config of one `kind: throughput` check. Defaults follow PRODUCT.md's example (hourly, 10 MB,
 * off core hours only); cross-field rules are in validateThroughputCheck, as `path: message`.
 */
import Type, { type Static } from 'typebox';
import { THROUGHPUT_MAX_BYTES } from '../../../../shared/src/throughput.ts';
import { baseCheckFields } from '../base-schema.ts';

export const THROUGHPUT_DEFAULTS = {
  intervalMs: 3_600_000,
  sizeBytes: 10_000_000,
  maxDurationMs: 15_000,
  warmupMs: 500,
  direction: 'both',
  offCoreHoursOnly: true,
  /** The check's default role: the collector is reached over the practice's outside link. */
  role: 'internet',
} as const;

/** Shortest interval: each test moves up to 2 × sizeBytes over the practice's link. */
export const MIN_INTERVAL_MS = 300_000;
/**
 * Time per direction on top of maxDurationMs: connecting, the answer, and the bytes still queued in
 * the sender's socket buffer when sending stops. Linux grows that buffer to a megabyte or more on
 * a bufferbloated link (measured through the lab's 2 Mbit/s tbf: 1 MB, 4 s), so a direction can
 * run seconds past maxDurationMs; this allows maxDurationMs + 15 s more.
 */
export const slackPerDirectionMs = (maxDurationMs: number): number => maxDurationMs + 15_000;

export const ThroughputCheck = Type.Object(
  {
    kind: Type.Literal('throughput'),
    ...baseCheckFields({ defaultIntervalMs: THROUGHPUT_DEFAULTS.intervalMs, defaultRole: THROUGHPUT_DEFAULTS.role }),
    sizeBytes: Type.Integer({
      minimum: 100_000,
      maximum: THROUGHPUT_MAX_BYTES,
      default: THROUGHPUT_DEFAULTS.sizeBytes,
      description: "Bytes per direction (at most the collector's throughput.maxBytes). A direction ends at sizeBytes or maxDurationMs, whichever comes first.",
    }),
    maxDurationMs: Type.Integer({
      minimum: 2000,
      maximum: 60_000,
      default: THROUGHPUT_DEFAULTS.maxDurationMs,
      description: 'Longest time one direction may send, from its first byte; the rate is of what moved.',
    }),
    warmupMs: Type.Integer({
      minimum: 0,
      maximum: 10_000,
      default: THROUGHPUT_DEFAULTS.warmupMs,
      description: 'The first part of each direction left out of the rate (TCP slow start).',
    }),
    direction: Type.Enum(['both', 'down', 'up'], {
      default: THROUGHPUT_DEFAULTS.direction,
      description: 'Which directions to measure; both runs download, then upload.',
    }),
    offCoreHoursOnly: Type.Boolean({
      default: THROUGHPUT_DEFAULTS.offCoreHoursOnly,
      description: 'Skip runs that would overlap core hours (08:00–18:30 Mon–Fri Europe/London, bank holidays excluded).',
    }),
  },
  { additionalProperties: false },
);
export type ThroughputCheck = Static<typeof ThroughputCheck>;

export function directionsOf(check: Pick<ThroughputCheck, 'direction'>): Array<'down' | 'up'> {
  return check.direction === 'both' ? ['down', 'up'] : [check.direction];
}

/** Long enough for every direction to send for maxDurationMs and be answered. */
export function defaultTimeoutMs(check: ThroughputCheck): number {
  return directionsOf(check).length * (check.maxDurationMs + slackPerDirectionMs(check.maxDurationMs));
}

/** Rules the schema cannot say, as `path: message` relative to the check. */
export function validateThroughputCheck(check: ThroughputCheck): string[] {
  const problems: string[] = [];
  if (check.intervalMs < MIN_INTERVAL_MS)
    problems.push(`intervalMs: a throughput test uses the practice's bandwidth; run it at most every ${MIN_INTERVAL_MS} ms (got ${check.intervalMs})`);
  if (check.warmupMs * 2 > check.maxDurationMs)
    problems.push(`warmupMs: at most half of maxDurationMs (${check.maxDurationMs}), so most of the test is measured`);
  const need = directionsOf(check).length * check.maxDurationMs + 5000;
  if (check.timeoutMs !== undefined && check.timeoutMs < need) {
    problems.push(
      `timeoutMs: ${check.timeoutMs} ms cannot fit ${directionsOf(check).length} × maxDurationMs (${check.maxDurationMs}) + 5000 ms; raise it or lower maxDurationMs`,
    );
  }
  return problems;
}
