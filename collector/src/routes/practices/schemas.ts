/** Read API schemas: route validators, response serialisers and the OpenAPI document. */
import Type, { type Static } from 'typebox';
import { OdsCode } from '../../config/schema.ts';
import { PRACTICE_STATUSES } from '../../status/provider.ts';

export const StatusCode = Type.Enum(PRACTICE_STATUSES, { description: 'ok | warning | critical | unknown (no agent has reported for 5 minutes).' });

const Iso = Type.Union([Type.String({ description: 'ISO 8601 (UTC)' }), Type.Null()]);

export const PracticeSummary = Type.Object({
  ods: Type.String(),
  name: Type.String(),
  status: StatusCode,
  lastSeen: Iso,
  openAlerts: Type.Integer(),
  sites: Type.Array(Type.Object({ name: Type.String() })),
  areas: Type.Optional(
    Type.Record(Type.String(), StatusCode, {
      description: 'Worst rule state per area: national-apps, national-link, lan, branch-link, servers, agent (areas without rules are absent).',
    }),
  ),
});
export type PracticeSummary = Static<typeof PracticeSummary>;

export const ListQuery = Type.Object(
  {
    status: Type.Optional(StatusCode),
    q: Type.Optional(Type.String({ maxLength: 100, description: 'Case-insensitive substring of the ODS code or name.' })),
    sort: Type.Optional(Type.Enum(['ods', 'name', 'status'], { description: 'ods (default), name, or status (critical, warning, unknown, ok).' })),
    limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 100 }),
    offset: Type.Integer({ minimum: 0, default: 0 }),
  },
  { additionalProperties: false },
);
export type ListQuery = Static<typeof ListQuery>;

const Counts = Type.Object({ ok: Type.Integer(), warning: Type.Integer(), critical: Type.Integer(), unknown: Type.Integer() });

export const PracticeList = Type.Object({
  total: Type.Integer({ description: 'Practices matching q and status (before limit/offset).' }),
  offset: Type.Integer(),
  limit: Type.Integer(),
  counts: Type.Object(Counts.properties, { description: 'Practices matching q, by status (ignores the status filter).' }),
  items: Type.Array(PracticeSummary),
});

export const OdsParams = Type.Object({ ods: OdsCode }, { additionalProperties: false });

export const PracticeDetail = Type.Object({
  ...PracticeSummary.properties,
  reasons: Type.Array(Type.String(), { description: 'Why the status is not ok.' }),
  agents: Type.Array(Type.Object({ name: Type.String(), lastSeen: Iso, createdAt: Type.String() })),
  checks: Type.Array(
    Type.Object({
      agent: Type.String(),
      check: Type.String(),
      role: Type.Optional(Type.String()),
      target: Type.Optional(Type.String()),
      device: Type.Optional(Type.String()),
      app: Type.Optional(Type.String()),
      metrics: Type.Array(Type.String()),
      series: Type.Integer(),
      lastTs: Type.Union([Type.Integer(), Type.Null()]),
    }),
    { description: 'Checks the agents report (grouped by agent and `check` label), with their metrics.' },
  ),
  metrics: Type.Array(Type.Object({ metric: Type.String(), series: Type.Integer() })),
});
export type PracticeDetail = Static<typeof PracticeDetail>;

export const SeriesQuery = Type.Object(
  {
    metric: Type.String({ pattern: '^[a-zA-Z_:][a-zA-Z0-9_:]*$', maxLength: 128 }),
    from: Type.Optional(Type.String({ maxLength: 40, description: 'Epoch ms or ISO 8601; default to − 1 h.' })),
    to: Type.Optional(Type.String({ maxLength: 40, description: 'Epoch ms or ISO 8601; default now.' })),
    step: Type.Optional(Type.String({ maxLength: 20, description: 'Bucket width: ms, or 30s / 1m / 1h / 1d. Default: chosen for about 300 points.' })),
    agent: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: Type.String({ maxLength: 256 }), description: 'Any other parameter is a label filter, e.g. role=n3-gateway&target=10.0.0.1.' },
);
export type SeriesQuery = Static<typeof SeriesQuery>;

export const Point = Type.Object({
  ts: Type.Integer({ description: 'Bucket start, epoch ms.' }),
  count: Type.Integer(),
  mean: Type.Number(),
  min: Type.Number(),
  max: Type.Number(),
  p50: Type.Number(),
  p95: Type.Number(),
});
export type Point = Static<typeof Point>;

export const SeriesResponse = Type.Object({
  practice: Type.String(),
  metric: Type.String(),
  from: Type.Integer(),
  to: Type.Integer(),
  stepMs: Type.Integer(),
  series: Type.Array(
    Type.Object({
      id: Type.String(),
      agent: Type.String(),
      labels: Type.Record(Type.String(), Type.String()),
      points: Type.Array(Point),
    }),
  ),
});
export type SeriesResponse = Static<typeof SeriesResponse>;
