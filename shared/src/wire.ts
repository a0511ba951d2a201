/**
 * The agent → collector wire format (PRODUCT.md: POST /api/v1/ingest). One schema for the TS type,
 * the collector's validator and the OpenAPI document.
 */
import Type, { type Static } from 'typebox';

export const INGEST_LIMITS = {
  /** Samples in one batch. The agent sends at most AGENT_BATCH_SAMPLES. */
  maxSamples: 20_000,
  maxLabels: 16,
  maxLabelKeyLength: 64,
  maxLabelValueLength: 256,
  maxMetricLength: 128,
  maxBatchIdLength: 128,
  /** Largest body, after gunzip. */
  maxBodyBytes: 8 * 1024 * 1024,
  /** A sample more than this far in the future of the collector's clock is refused. */
  maxFutureMs: 10 * 60 * 1000,
  /** … or older than this (an agent may hold a long backlog). */
  maxAgeMs: 400 * 24 * 3600 * 1000,
} as const;

export const MetricNamePattern = '^[a-zA-Z_:][a-zA-Z0-9_:]*$';
export const LabelNamePattern = '^[a-zA-Z_][a-zA-Z0-9_]*$';

export const WireSample = Type.Object(
  {
    metric: Type.String({ minLength: 1, maxLength: INGEST_LIMITS.maxMetricLength, pattern: MetricNamePattern }),
    labels: Type.Record(Type.String({ pattern: LabelNamePattern, maxLength: INGEST_LIMITS.maxLabelKeyLength }), Type.String({ maxLength: INGEST_LIMITS.maxLabelValueLength }), {
      maxProperties: INGEST_LIMITS.maxLabels,
      // A Record's key schema becomes patternProperties, which alone lets other keys through.
      additionalProperties: false,
      propertyNames: { maxLength: INGEST_LIMITS.maxLabelKeyLength },
    }),
    ts: Type.Integer({ minimum: 0, description: 'epoch milliseconds' }),
    value: Type.Number(),
  },
  { additionalProperties: false },
);
export type WireSample = Static<typeof WireSample>;

export const IngestBody = Type.Object(
  {
    batchId: Type.String({ minLength: 1, maxLength: INGEST_LIMITS.maxBatchIdLength, pattern: '^[A-Za-z0-9._:-]+$' }),
    samples: Type.Array(WireSample, { maxItems: INGEST_LIMITS.maxSamples }),
  },
  { additionalProperties: false },
);
export type IngestBody = Static<typeof IngestBody>;

export const IngestResponse = Type.Object({
  batchId: Type.String(),
  accepted: Type.Integer({ description: 'samples stored by this request (0 for a repeated batch)' }),
  duplicate: Type.Boolean({ description: 'true when this batchId was seen before; nothing new was stored' }),
  serverTime: Type.Integer({ description: 'collector clock, epoch ms, for the agent\'s skew estimate' }),
});
export type IngestResponse = Static<typeof IngestResponse>;

/** Labels the collector adds from the token; an agent may not send them. */
export const RESERVED_LABELS = ['practice', 'agent'] as const;
