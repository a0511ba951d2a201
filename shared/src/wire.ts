/**
 * The agent → collector wire format (PRODUCT.md: POST /api/v1/ingest). One schema for the TS type,
 * the collector's validator and the OpenAPI document.
 */
import Type, { type Static } from 'typebox';

export { RESERVED_LABELS } from './labels.ts';

/** Where an agent posts its batches (relative to the collector's base URL). */
export const INGEST_PATH = '/api/v1/ingest';

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

/** A sample's label set. Reserved names (./labels.ts) are refused by ./sample-rules.ts, not here. */
export const WireLabels = Type.Record(
  Type.String({ pattern: LabelNamePattern, maxLength: INGEST_LIMITS.maxLabelKeyLength }),
  Type.String({ maxLength: INGEST_LIMITS.maxLabelValueLength }),
  {
    maxProperties: INGEST_LIMITS.maxLabels,
    // A Record's key schema becomes patternProperties, which alone lets other keys through.
    additionalProperties: false,
    propertyNames: { maxLength: INGEST_LIMITS.maxLabelKeyLength },
  },
);

export const WireSample = Type.Object(
  {
    metric: Type.String({ minLength: 1, maxLength: INGEST_LIMITS.maxMetricLength, pattern: MetricNamePattern }),
    labels: WireLabels,
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

/** The batch as far as the collector reads it before looking at each sample: a bad one is a 400. */
export const IngestEnvelope = Type.Object(
  {
    batchId: IngestBody.properties.batchId,
    samples: Type.Array(Type.Unknown(), { maxItems: INGEST_LIMITS.maxSamples }),
  },
  { additionalProperties: false },
);

/** Refused samples listed in one answer carry a problem text up to this many; the rest only their index. */
export const MAX_REFUSED_PROBLEMS = 50;

export const RefusedSample = Type.Object({
  index: Type.Integer({ minimum: 0, description: "position of the sample in the batch's samples" }),
  rule: Type.String({ description: 'which rule refused it: schema | label_reserved | ts_too_old | ts_future | series_limit (shared/src/sample-rules.ts)' }),
  problem: Type.Optional(Type.String({ description: '`path: message` (first problem of the sample); on the first 50 refused samples only' })),
});
export type RefusedSample = Static<typeof RefusedSample>;

export const IngestResponse = Type.Object({
  batchId: Type.String(),
  accepted: Type.Integer({ description: 'samples stored by this request (0 for a repeated batch)' }),
  duplicate: Type.Boolean({ description: 'true when this batchId was seen before; nothing new was stored' }),
  serverTime: Type.Integer({ description: "collector clock, epoch ms, for the agent's skew estimate" }),
  refused: Type.Optional(
    Type.Array(RefusedSample, {
      maxItems: INGEST_LIMITS.maxSamples,
      description: 'samples of the batch that break a rule and were not stored (every one listed, in batch order); the others were. Absent when none.',
    }),
  ),
});
export type IngestResponse = Static<typeof IngestResponse>;
