/** Maintenance window API schemas. Times in bodies: epoch ms or ISO 8601. */
import Type, { type Static } from 'typebox';
import { OdsCode } from '../../config/schema.ts';
import type { MaintenanceWindow } from '../../alerts/maintenance.ts';

/** How long before now a window may begin without being a correction of the record. */
export const START_GRACE_MS = 15 * 60_000;
const GRACE_TEXT = '15 minutes';

const Instant = Type.Union([
  Type.Integer({ minimum: 0, description: 'epoch ms, from 2000-01-01 to two years from now' }),
  Type.String({ minLength: 10, maxLength: 40, description: 'ISO 8601, from 2000-01-01 to two years from now' }),
]);

const Correction = Type.Optional(
  Type.Boolean({
    description: `A window beginning (or ending) more than ${GRACE_TEXT} before now changes the record of what happened: it is accepted only with correction: true, and audited as maintenance.correct.`,
  }),
);

export const MaintenanceView = Type.Object({
  id: Type.Integer(),
  practice: Type.String(),
  startsAt: Type.String({ description: 'ISO 8601 (UTC)' }),
  endsAt: Type.String({ description: 'ISO 8601 (UTC)' }),
  reason: Type.String(),
  createdBy: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  active: Type.Boolean({ description: 'The window covers now.' }),
});
export type MaintenanceView = Static<typeof MaintenanceView>;

export const MaintenanceCreate = Type.Object(
  {
    practice: OdsCode,
    startsAt: Instant,
    endsAt: Instant,
    reason: Type.String({ minLength: 1, maxLength: 500 }),
    correction: Correction,
  },
  { additionalProperties: false },
);
export type MaintenanceCreate = Static<typeof MaintenanceCreate>;

export const MaintenanceUpdate = Type.Object(
  {
    startsAt: Type.Optional(Instant),
    endsAt: Type.Optional(Instant),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    correction: Correction,
  },
  { additionalProperties: false, minProperties: 1 },
);
export type MaintenanceUpdate = Static<typeof MaintenanceUpdate>;

export const MaintenanceQuery = Type.Object(
  {
    practice: Type.Optional(OdsCode),
    from: Type.Optional(Type.String({ maxLength: 40, description: 'Windows ending after this (epoch ms or ISO 8601).' })),
    to: Type.Optional(Type.String({ maxLength: 40, description: 'Windows starting before this.' })),
  },
  { additionalProperties: false },
);
export type MaintenanceQuery = Static<typeof MaintenanceQuery>;

export const MaintenanceList = Type.Object({ items: Type.Array(MaintenanceView) });
export const MaintenanceParams = Type.Object({ id: Type.Integer({ minimum: 1 }) }, { additionalProperties: false });

export function maintenanceView(w: MaintenanceWindow, now: number): MaintenanceView {
  const iso = (t: number): string => new Date(t).toISOString();
  return {
    id: w.id,
    practice: w.practice,
    startsAt: iso(w.startsAt),
    endsAt: iso(w.endsAt),
    reason: w.reason,
    createdBy: w.createdBy,
    createdAt: iso(w.createdAt),
    updatedAt: iso(w.updatedAt),
    active: w.startsAt <= now && now < w.endsAt,
  };
}
