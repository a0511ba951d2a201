/**
 * The `enrolment` section of collector.yaml: how long enrolment codes and agent credentials live,
 * how long a rotated credential keeps working beside its successor, and the rate limit of the
 * unauthenticated enrolment route (per client address).
 */
import Type, { type Static } from 'typebox';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export const ENROLMENT_CONFIG_DEFAULTS = {
  codeTtlMs: DAY_MS,
  credentialTtlMs: 90 * DAY_MS,
  rotationOverlapMs: DAY_MS,
  rateLimit: { max: 10, windowMs: 60_000 },
} as const;

export const EnrolmentConfig = Type.Object(
  {
    codeTtlMs: Type.Integer({
      minimum: 60_000,
      maximum: 30 * DAY_MS,
      default: ENROLMENT_CONFIG_DEFAULTS.codeTtlMs,
      description: 'Default lifetime of an enrolment code (`--expires` overrides it).',
    }),
    credentialTtlMs: Type.Integer({
      minimum: 1000,
      maximum: 400 * DAY_MS,
      default: ENROLMENT_CONFIG_DEFAULTS.credentialTtlMs,
      description: 'Lifetime of an agent token made by enrolment or rotation (default 90 days). The agent asks for a new one after two thirds of it.',
    }),
    rotationOverlapMs: Type.Integer({
      minimum: 0,
      maximum: 30 * DAY_MS,
      default: ENROLMENT_CONFIG_DEFAULTS.rotationOverlapMs,
      description: 'After a rotation the old token keeps working this long (default 24 h), so an answer lost on the way costs nothing.',
    }),
    rateLimit: Type.Object(
      {
        max: Type.Integer({ minimum: 1, maximum: 10_000, default: ENROLMENT_CONFIG_DEFAULTS.rateLimit.max }),
        windowMs: Type.Integer({ minimum: 1000, maximum: DAY_MS, default: ENROLMENT_CONFIG_DEFAULTS.rateLimit.windowMs }),
      },
      { additionalProperties: false, default: {}, description: 'POST /api/v1/enrol attempts per client address per window; one more answers 429.' },
    ),
  },
  { additionalProperties: false, default: {} },
);
export type EnrolmentConfig = Static<typeof EnrolmentConfig>;
