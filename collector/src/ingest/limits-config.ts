/**
 * The ingest limits of collector.yaml (`ingest:`), with their defaults and why they are sized so.
 * One TypeBox fragment: the config schema (collector/src/config/schema.ts) spreads it in, and
 * `n3mon check-config`, the docs (docs/api.md "Limits") and deploy/examples/collector.yaml say
 * the same numbers.
 *
 * Sizing (measured): the reference practice's report mix is ~300 series; the heaviest reference
 * schedule (20 ICMP targets, 8 HTTP checks, 4 SNMP devices × 48 ports, host metrics — the agent
 * footprint bench) makes 2,018 series on one agent; the quick start (`n3mon up`) 32 (measured).
 * probe_success adds one series per outcome a check has seen. So 5,000 per agent is 2.5× the
 * heaviest schedule, and 10,000 per practice leaves room for a branch-site agent or two.
 */
import Type from 'typebox';

export const DEFAULT_INGEST_LIMITS = {
  maxSeriesPerAgent: 5_000,
  maxSeriesPerPractice: 10_000,
  /** Requests per token per window: an agent pushes every 5 s and drains a backlog back to back. */
  rateLimit: { max: 600, windowMs: 60_000 },
} as const;

export const ingestLimitFields = {
  maxSeriesPerAgent: Type.Integer({
    minimum: 1,
    maximum: 10_000_000,
    default: DEFAULT_INGEST_LIMITS.maxSeriesPerAgent,
    description:
      'Series (metric + label set) one agent token may create. Samples of a new series beyond it are refused (rule series_limit); known series keep flowing.',
  }),
  maxSeriesPerPractice: Type.Integer({
    minimum: 1,
    maximum: 10_000_000,
    default: DEFAULT_INGEST_LIMITS.maxSeriesPerPractice,
    description: 'Series of all the agents of one practice together; the same refusal beyond it.',
  }),
  rateLimit: Type.Object(
    {
      max: Type.Integer({
        minimum: 1,
        maximum: 1_000_000,
        default: DEFAULT_INGEST_LIMITS.rateLimit.max,
        description: 'Ingest requests per agent token per window; one more answers 429 with Retry-After.',
      }),
      windowMs: Type.Integer({ minimum: 1000, maximum: 3_600_000, default: DEFAULT_INGEST_LIMITS.rateLimit.windowMs }),
    },
    { additionalProperties: false, default: {} },
  ),
};
