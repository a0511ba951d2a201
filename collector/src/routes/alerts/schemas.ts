/** Alert API schemas: validators, serialisers and the OpenAPI document (one schema, three uses). */
import Type, { type Static } from 'typebox';
import { OdsCode } from '../../config/schema.ts';
import type { Alert, AlertEvent } from '../../alerts/store.ts';
import type { AlertTrace } from '../../alerts/trace-link.ts';

const Iso = Type.String({ description: 'ISO 8601 (UTC)' });
const IsoOrNull = Type.Union([Iso, Type.Null()]);

export const AlertView = Type.Object({
  id: Type.Integer(),
  practice: Type.String(),
  agent: Type.String(),
  rule: Type.Object({ id: Type.String(), title: Type.String(), source: Type.String({ description: 'Where the threshold comes from.' }) }),
  area: Type.String({ description: 'national-apps | national-link | lan | branch-link | servers | agent' }),
  metric: Type.String(),
  labels: Type.Record(Type.String(), Type.String()),
  severity: Type.Enum(['warning', 'critical'], { description: 'Current severity (the peak while it lasted is `peak`).' }),
  peak: Type.Enum(['warning', 'critical']),
  state: Type.Enum(['open', 'acknowledged', 'resolved']),
  startedAt: Type.String({ description: 'Event time of the first breaching evaluation (ISO 8601).' }),
  raisedAt: Iso,
  endedAt: IsoOrNull,
  durationMs: Type.Union([Type.Integer(), Type.Null()], { description: 'endedAt − startedAt; null while not resolved.' }),
  value: Type.Union([Type.Number(), Type.Null()], { description: 'Aggregate at the last change, in `unit`.' }),
  unit: Type.String(),
  suppressed: Type.Boolean({ description: 'Explained by an active cause (see cause); not notified on its own.' }),
  cause: Type.Union([Type.Object({ ruleId: Type.String(), alertId: Type.Union([Type.Integer(), Type.Null()]) }), Type.Null()]),
  reopened: Type.Integer({ description: 'Times it was raised again within the reopen window.' }),
  acknowledged: Type.Union([Type.Object({ by: Type.String(), at: Iso, note: Type.Union([Type.String(), Type.Null()]) }), Type.Null()]),
});
export type AlertView = Static<typeof AlertView>;

export const AlertTraceView = Type.Object(
  {
    at: Iso,
    reason: Type.String({ description: 'burst (the agent saw the burst over its level) | baseline (the hourly trace)' }),
    hops: Type.Array(
      Type.Object({
        hop: Type.Integer({ description: 'TTL' }),
        addr: Type.String({ description: 'The address that answered; ??? when none did.' }),
        lossRatio: Type.Number(),
        rttMs: Type.Union([Type.Number(), Type.Null()]),
        culprit: Type.Boolean({ description: 'The hop that introduced the loss or delay.' }),
      }),
    ),
    culprit: Type.Union([Type.Object({ hop: Type.Integer(), addr: Type.String(), why: Type.Enum(['loss', 'delay']) }), Type.Null()]),
    pathChanged: Type.Union([Type.Boolean(), Type.Null()], { description: 'Hop list differs from the trace before; null for the first.' }),
  },
  { description: 'The path trace of the check nearest the alert\'s start in event time (within 10 min), icmp alerts only (docs/thresholds.md "Path traces").' },
);

export const AlertDetail = Type.Object({
  ...AlertView.properties,
  trace: Type.Union([AlertTraceView, Type.Null()]),
  history: Type.Array(
    Type.Object({
      at: Iso,
      kind: Type.String({ description: 'raised, reopened, escalated, deescalated, suppressed, unsuppressed, acknowledged, resolved' }),
      severity: Type.Union([Type.String(), Type.Null()]),
      detail: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
    }),
  ),
});
export type AlertDetail = Static<typeof AlertDetail>;

export const AlertListQuery = Type.Object(
  {
    state: Type.Optional(Type.Enum(['open', 'acknowledged', 'resolved', 'active'], { description: 'active = open or acknowledged.' })),
    practice: Type.Optional(OdsCode),
    from: Type.Optional(Type.String({ maxLength: 40, description: 'Alerts still going at or after this (epoch ms or ISO 8601).' })),
    to: Type.Optional(Type.String({ maxLength: 40, description: 'Alerts started before this (epoch ms or ISO 8601).' })),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    offset: Type.Integer({ minimum: 0, default: 0 }),
  },
  { additionalProperties: false },
);
export type AlertListQuery = Static<typeof AlertListQuery>;

export const AlertList = Type.Object({ total: Type.Integer(), offset: Type.Integer(), limit: Type.Integer(), items: Type.Array(AlertView) });

export const AlertParams = Type.Object({ id: Type.Integer({ minimum: 1 }) }, { additionalProperties: false });

export const AckBody = Type.Object(
  {
    by: Type.Optional(
      Type.String({
        maxLength: 100,
        description:
          'Ignored: the acknowledging name is the authenticated principal (user name, or key id and label). Accepted so older clients are not refused.',
      }),
    ),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export type AckBody = Static<typeof AckBody>;

const iso = (t: number): string => new Date(t).toISOString();

export function alertView(a: Alert): AlertView {
  return {
    id: a.id,
    practice: a.practice,
    agent: a.agent,
    rule: { id: a.ruleId, title: a.title, source: a.source },
    area: a.area,
    metric: a.metric,
    labels: a.labels,
    severity: a.severity,
    peak: a.peak,
    state: a.state,
    startedAt: iso(a.startedAt),
    raisedAt: iso(a.raisedAt),
    endedAt: a.endedAt === null ? null : iso(a.endedAt),
    durationMs: a.endedAt === null ? null : a.endedAt - a.startedAt,
    value: a.value,
    unit: a.unit,
    suppressed: a.cause !== null,
    cause: a.cause === null ? null : { ruleId: a.cause.ruleId, alertId: a.cause.alertId },
    reopened: a.reopened,
    acknowledged: a.ack === null ? null : { by: a.ack.by, at: iso(a.ack.at), note: a.ack.note },
  };
}

export function alertDetail(a: Alert, history: readonly AlertEvent[], trace: AlertTrace | null = null): AlertDetail {
  return {
    ...alertView(a),
    trace:
      trace === null
        ? null
        : {
            ...trace,
            at: iso(trace.at),
            hops: trace.hops.map((h) => ({ hop: h.hop, addr: h.addr, lossRatio: h.lossRatio, rttMs: h.rttMs ?? null, culprit: h.culprit })),
          },
    history: history.map((h) => ({ at: iso(h.at), kind: h.kind, severity: h.severity, detail: h.detail })),
  };
}
