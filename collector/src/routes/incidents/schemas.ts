/** National-incident API schemas: validators, serialisers and the OpenAPI document (one schema, three uses). */
import Type, { type Static } from 'typebox';
import { incidentSummary } from '../../incidents/correlator.ts';
import type { Breach } from '../../incidents/correlate.ts';
import type { Incident } from '../../incidents/store.ts';

const Iso = Type.String({ description: 'ISO 8601 (UTC)' });
const IsoOrNull = Type.Union([Iso, Type.Null()]);

export const IncidentMember = Type.Object({
  practice: Type.String(),
  name: Type.String(),
  alertIds: Type.Array(Type.Integer(), { description: 'The practice alerts the incident explains (GET /api/v1/alerts/:id).' }),
  startedAt: Iso,
  endedAt: Type.Union([Iso, Type.Null()], { description: 'null while the practice still breaches.' }),
});

export const IncidentView = Type.Object({
  id: Type.Integer(),
  rule: Type.Object({ id: Type.String(), title: Type.String() }),
  scope: Type.Object({ kind: Type.Enum(['app', 'target', 'provider']), value: Type.String() }),
  area: Type.String(),
  summary: Type.String({ description: 'e.g. "EPS: National application HTTP response time (15-min p95) at 37 of 120 practices since 10:42 UTC".' }),
  state: Type.Enum(['open', 'resolved']),
  startedAt: Type.String({ description: 'Event time: the earliest start of the breaches that opened it (ISO 8601).' }),
  openedAt: Type.String({ description: 'Event time the threshold was reached.' }),
  endedAt: IsoOrNull,
  practices: Type.Integer({ description: 'Practices breaching now (open) or at the end (resolved).' }),
  peakPractices: Type.Integer(),
  monitoring: Type.Integer({ description: 'Practices that monitor it.' }),
  members: Type.Array(IncidentMember, { description: 'Member practices; a practice principal sees only its own.' }),
});
export type IncidentView = Static<typeof IncidentView>;

export const IncidentListQuery = Type.Object(
  {
    state: Type.Optional(Type.Enum(['open', 'resolved'])),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    offset: Type.Integer({ minimum: 0, default: 0 }),
  },
  { additionalProperties: false },
);
export type IncidentListQuery = Static<typeof IncidentListQuery>;

export const IncidentList = Type.Object({ total: Type.Integer(), offset: Type.Integer(), limit: Type.Integer(), items: Type.Array(IncidentView) });

export const IncidentParams = Type.Object({ id: Type.Integer({ minimum: 1 }) }, { additionalProperties: false });

const iso = (t: number): string => new Date(t).toISOString();

/** The view; `members` already filtered to what the reader may see. */
export function incidentView(i: Incident, members: readonly Breach[], practiceName: (ods: string) => string | undefined): IncidentView {
  const byPractice = new Map<string, Breach[]>();
  for (const m of members) {
    const list = byPractice.get(m.practice);
    if (list === undefined) byPractice.set(m.practice, [m]);
    else list.push(m);
  }
  return {
    id: i.id,
    rule: { id: i.ruleId, title: i.title },
    scope: i.scope,
    area: i.area,
    summary: incidentSummary(i),
    state: i.state,
    startedAt: iso(i.startedAt),
    openedAt: iso(i.openedAt),
    endedAt: i.endedAt === null ? null : iso(i.endedAt),
    practices: i.practices,
    peakPractices: i.peakPractices,
    monitoring: i.monitoring,
    members: [...byPractice].map(([ods, list]) => ({
      practice: ods,
      name: practiceName(ods) ?? ods,
      alertIds: list.map((m) => m.alertId),
      startedAt: iso(Math.min(...list.map((m) => m.startedAt))),
      endedAt: list.some((m) => m.endedAt === null) ? null : iso(Math.max(...list.map((m) => m.endedAt as number))),
    })),
  };
}
