/** GET /api/v1/overview: the dashboard's compact, paged view of every practice (one TypeBox schema: type, validator, OpenAPI). */
import Type, { type Static } from 'typebox';
import { AREAS } from '../../evaluation/profile-schema.ts';
import { PRACTICE_STATUSES } from '../../status/provider.ts';

const STATUS_LIST = `^(${PRACTICE_STATUSES.join('|')})(,(${PRACTICE_STATUSES.join('|')}))*$`;
export const OVERVIEW_SORTS = ['status', 'ods', 'name', 'lastSeen', 'since', 'openAlerts'] as const;
export type OverviewSort = (typeof OVERVIEW_SORTS)[number];

export const OverviewQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 100, description: 'Case-insensitive substring of the ODS code or name.' })),
    status: Type.Optional(Type.String({ pattern: STATUS_LIST, maxLength: 60, description: 'One status or several, comma-separated: critical,warning.' })),
    area: Type.Optional(Type.Enum([...AREAS], { description: 'Only practices with a warning or critical in this area.' })),
    sort: Type.Enum([...OVERVIEW_SORTS], {
      default: 'status',
      description: 'status (worst first, then longest in that state), ods, name, lastSeen, since, openAlerts.',
    }),
    dir: Type.Enum(['asc', 'desc'], { default: 'asc', description: 'asc, or desc to reverse the sort.' }),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    offset: Type.Integer({ minimum: 0, default: 0 }),
  },
  { additionalProperties: false },
);
export type OverviewQuery = Static<typeof OverviewQuery>;

const Status = Type.Enum([...PRACTICE_STATUSES]);
const AreaCell = Type.Union([Status, Type.Null()], { description: 'RAG of the area; null when nothing judges it (no rule covers it yet).' });

export const OverviewRow = Type.Object({
  ods: Type.String(),
  name: Type.String(),
  status: Status,
  since: Type.Union([Type.Integer(), Type.Null()], { description: 'Epoch ms: since when the practice has been in this status (null: not known, or ok).' }),
  lastSeen: Type.Union([Type.Integer(), Type.Null()], { description: 'Epoch ms: last batch from any agent of the practice.' }),
  openAlerts: Type.Integer(),
  areas: Type.Object(Object.fromEntries(AREAS.map((a) => [a, AreaCell])) as Record<(typeof AREAS)[number], typeof AreaCell>),
  reason: Type.Union([Type.String(), Type.Null()], { description: 'The first reason for a status other than ok.' }),
});
export type OverviewRow = Static<typeof OverviewRow>;

const Counts = Type.Object(
  Object.fromEntries(PRACTICE_STATUSES.map((s) => [s, Type.Integer()])) as Record<(typeof PRACTICE_STATUSES)[number], ReturnType<typeof Type.Integer>>,
);

export const OverviewResponse = Type.Object({
  now: Type.Integer({ description: 'Collector clock, epoch ms.' }),
  total: Type.Integer({ description: 'Practices matching q, status and area (before paging).' }),
  offset: Type.Integer(),
  limit: Type.Integer(),
  counts: Type.Object(Counts.properties, { description: 'Practices matching q, by status (ignores the status and area filters): for the filter buttons.' }),
  areas: Type.Array(Type.String(), { description: 'The areas, in display order.' }),
  items: Type.Array(OverviewRow),
});
export type OverviewResponse = Static<typeof OverviewResponse>;
