/**
 * The collector config's `incidents:` section: when practice breaches of one national thing
 * (application, target or provider) become one national incident. Defaults and the reasoning for
 * them are in docs/thresholds.md ("National incidents").
 */
import Type, { type Static } from 'typebox';

export const IncidentsConfig = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: 'Correlate practice alerts into national incidents.' }),
    minPractices: Type.Integer({ minimum: 2, maximum: 10_000, default: 5, description: 'At least this many practices breaching together open an incident.' }),
    minShare: Type.Number({ minimum: 0, maximum: 1, default: 0.2, description: 'And at least this share of the practices that monitor it (0.2 = 20 %).' }),
    windowMs: Type.Integer({
      minimum: 60_000,
      maximum: 3_600_000,
      default: 600_000,
      description: 'The breaches that open it started within this of each other (event time).',
    }),
    resolveAfterMs: Type.Integer({
      minimum: 0,
      maximum: 86_400_000,
      default: 900_000,
      description: 'Resolved once below the threshold for this long (event time); its end is when it went below.',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type IncidentsConfig = Static<typeof IncidentsConfig>;

export const DEFAULT_INCIDENTS: IncidentsConfig = { enabled: true, minPractices: 5, minShare: 0.2, windowMs: 600_000, resolveAfterMs: 900_000 };

/** Practices that must breach together: the larger of minPractices and minShare of those monitoring. */
export function practicesNeeded(cfg: Pick<IncidentsConfig, 'minPractices' | 'minShare'>, monitoring: number): number {
  return Math.max(cfg.minPractices, Math.ceil(cfg.minShare * monitoring - 1e-9));
}
