/**
 * Maintenance windows per practice (planned work raises nothing):
 *
 *   GET    /api/v1/maintenance?practice=&from=&to=
 *   POST   /api/v1/maintenance            { practice, startsAt, endsAt, reason, correction? }   → 201
 *   GET    /api/v1/maintenance/:id
 *   PUT    /api/v1/maintenance/:id        { startsAt?, endsAt?, reason?, correction? }
 *   DELETE /api/v1/maintenance/:id                                                  → 204
 *
 * Windows belong to the service desk: reading follows the read API (a practice key or user sees
 * its own practice's windows); creating, changing and deleting need a servicedesk key or user, or
 * an admin (403 for practice principals — a window leaves its outage out of the monthly report).
 * Instants lie between 2000 and two years from now; a window may not begin (or end) more than 15
 * minutes before now unless the body says `correction: true` (the service desk correcting the
 * record). Every write is in the audit log.
 */
import Type from 'typebox';
import type { FastifyRequest } from 'fastify';
import { N3monError } from '../../../../shared/src/errors.ts';
import type { AppContext, RouteModule, TypedApp } from '../../context.ts';
import type { MaintenanceStore, MaintenanceWindow } from '../../alerts/maintenance.ts';
import { errorResponses } from '../../plugins/errors.ts';
import { assertCanRead, assertServiceDesk, auditActor } from '../../plugins/auth.ts';
import { SECURITY } from '../../plugins/swagger.ts';
import { boundedInstant } from '../instants.ts';
import {
  MaintenanceCreate,
  MaintenanceList,
  MaintenanceParams,
  MaintenanceQuery,
  MaintenanceUpdate,
  MaintenanceView,
  START_GRACE_MS,
  maintenanceView,
} from './schemas.ts';

/** Longest window accepted (planned work, not a way to silence a practice for good). */
export const MAX_WINDOW_MS = 31 * 86_400_000;
/** Windows not yet ended per practice (planned or running). */
export const MAX_PENDING_WINDOWS = 50;

const invalid = (problems: string[]): N3monError => new N3monError('N3MON_ERR_REQUEST_INVALID', 'invalid maintenance window', { problems });

function checkSpan(startsAt: number, endsAt: number, problems: string[]): void {
  if (endsAt <= startsAt) problems.push('body.endsAt: must be after startsAt');
  else if (endsAt - startsAt > MAX_WINDOW_MS) problems.push('body.endsAt: a window may last at most 31 days');
}

/** Instants of the body more than the grace before now: each needs `correction: true`. */
function pastProblems(fields: Record<string, number | undefined>, now: number, correction: boolean | undefined): string[] {
  if (correction === true) return [];
  return Object.entries(fields)
    .filter(([, t]) => t !== undefined && t < now - START_GRACE_MS)
    .map(([k]) => `body.${k}: more than 15 minutes before now (or moved from there); changing the past corrects the record: send "correction": true (audited)`);
}

/** Edges the change moves where the old or the new place lies before the grace: moving them rewrites the record. */
function pastEdges(
  before: MaintenanceWindow,
  after: { startsAt: number | undefined; endsAt: number | undefined },
): Record<'startsAt' | 'endsAt', number | undefined> {
  const edge = (old: number, next: number | undefined): number | undefined => (next === undefined || next === old ? undefined : Math.min(old, next));
  return { startsAt: edge(before.startsAt, after.startsAt), endsAt: edge(before.endsAt, after.endsAt) };
}

export function maintenanceRoutes(deps: { maintenance: MaintenanceStore }): RouteModule {
  const store = deps.maintenance;
  const windowOr404 = async (id: number): Promise<MaintenanceWindow> => {
    const w = await store.get(id);
    if (w === undefined) throw new N3monError('N3MON_ERR_NOT_FOUND', `maintenance window ${id} does not exist`);
    return w;
  };
  return {
    name: 'maintenance',
    register(app: TypedApp, ctx: AppContext): void {
      const common = { onRequest: ctx.auth.apiKey };
      const tags = ['maintenance'];
      const audit = (
        req: FastifyRequest,
        action: 'maintenance.create' | 'maintenance.change' | 'maintenance.delete' | 'maintenance.correct',
        w: MaintenanceWindow,
        detail: Record<string, unknown>,
        now: number,
      ): Promise<number> => ctx.meta.audit.record({ ...auditActor(req), action, target: `maintenance:${w.id}`, practice: w.practice, detail, at: now });

      app.get(
        '/api/v1/maintenance',
        {
          ...common,
          schema: {
            tags,
            summary: 'Maintenance windows',
            security: SECURITY.reader,
            querystring: MaintenanceQuery,
            response: { 200: MaintenanceList, ...errorResponses(400, 401, 403) },
          },
        },
        async (req) => {
          const reader = req.reader!;
          const q = req.query;
          const problems: string[] = [];
          const now = ctx.clock.now();
          const from = boundedInstant(q.from, 'query.from', now, problems);
          const to = boundedInstant(q.to, 'query.to', now, problems);
          if (problems.length > 0) throw new N3monError('N3MON_ERR_REQUEST_INVALID', 'invalid query', { problems });
          if (q.practice !== undefined) assertCanRead(req, q.practice);
          const practice = q.practice ?? (reader.role === 'servicedesk' ? undefined : (reader.practice ?? '\u0000none'));
          const items = await store.list({
            ...(practice === undefined ? {} : { practice }),
            ...(from === undefined ? {} : { from }),
            ...(to === undefined ? {} : { to }),
          });
          return { items: items.map((w) => maintenanceView(w, now)) };
        },
      );

      app.post(
        '/api/v1/maintenance',
        {
          ...common,
          config: { bodyArea: 'request' },
          schema: {
            tags,
            summary: 'Plan a maintenance window (service desk)',
            security: SECURITY.reader,
            body: MaintenanceCreate,
            response: { 201: MaintenanceView, ...errorResponses(400, 401, 403, 404) },
          },
        },
        async (req, reply) => {
          const b = req.body;
          const reader = assertServiceDesk(req, 'planning a maintenance window', b.practice);
          if ((await ctx.meta.practices.get(b.practice)) === undefined) throw new N3monError('N3MON_ERR_NOT_FOUND', `practice ${b.practice} is not known`);
          const now = ctx.clock.now();
          const problems: string[] = [];
          const startsAt = boundedInstant(b.startsAt, 'body.startsAt', now, problems);
          const endsAt = boundedInstant(b.endsAt, 'body.endsAt', now, problems);
          if (startsAt === undefined || endsAt === undefined) throw invalid(problems);
          checkSpan(startsAt, endsAt, problems);
          problems.push(...pastProblems({ startsAt }, now, b.correction));
          if ((await store.pendingCount(b.practice, now)) >= MAX_PENDING_WINDOWS && endsAt > now) {
            problems.push(
              `body.practice: ${b.practice} already has ${MAX_PENDING_WINDOWS} windows that have not ended (the most allowed); delete or shorten one first`,
            );
          }
          if (problems.length > 0) throw invalid(problems);
          const w = await store.create({ practice: b.practice, startsAt, endsAt, reason: b.reason, createdBy: reader.name }, now);
          const corrects = startsAt < now - START_GRACE_MS;
          await audit(
            req,
            corrects ? 'maintenance.correct' : 'maintenance.create',
            w,
            { startsAt, endsAt, reason: w.reason, ...(corrects ? { created: true } : {}) },
            now,
          );
          req.log.info({ maintenanceId: w.id, practice: w.practice, startsAt, endsAt, by: reader.actor, correction: corrects }, 'maintenance window created');
          return reply.code(201).send(maintenanceView(w, now));
        },
      );

      app.get(
        '/api/v1/maintenance/:id',
        {
          ...common,
          schema: {
            tags,
            summary: 'One maintenance window',
            security: SECURITY.reader,
            params: MaintenanceParams,
            response: { 200: MaintenanceView, ...errorResponses(400, 401, 403, 404) },
          },
        },
        async (req) => {
          const w = await windowOr404(req.params.id);
          assertCanRead(req, w.practice);
          return maintenanceView(w, ctx.clock.now());
        },
      );

      app.put(
        '/api/v1/maintenance/:id',
        {
          ...common,
          config: { bodyArea: 'request' },
          schema: {
            tags,
            summary: 'Change a maintenance window (service desk)',
            security: SECURITY.reader,
            params: MaintenanceParams,
            body: MaintenanceUpdate,
            response: { 200: MaintenanceView, ...errorResponses(400, 401, 403, 404) },
          },
        },
        async (req) => {
          assertServiceDesk(req, 'changing a maintenance window');
          const w = await windowOr404(req.params.id);
          assertCanRead(req, w.practice);
          const b = req.body;
          const now = ctx.clock.now();
          const problems: string[] = [];
          const newStart = boundedInstant(b.startsAt, 'body.startsAt', now, problems);
          const newEnd = boundedInstant(b.endsAt, 'body.endsAt', now, problems);
          if (problems.length > 0) throw invalid(problems);
          const startsAt = newStart ?? w.startsAt;
          const endsAt = newEnd ?? w.endsAt;
          checkSpan(startsAt, endsAt, problems);
          const moved = pastEdges(w, { startsAt: newStart, endsAt: newEnd });
          problems.push(...pastProblems(moved, now, b.correction));
          if (problems.length > 0) throw invalid(problems);
          const updated = (await store.update(w.id, { startsAt, endsAt, ...(b.reason === undefined ? {} : { reason: b.reason }) }, now)) as
            | MaintenanceWindow
            | undefined;
          if (updated === undefined) throw new N3monError('N3MON_ERR_NOT_FOUND', `maintenance window ${w.id} does not exist`);
          const corrects = Object.values(moved).some((t) => t !== undefined && t < now - START_GRACE_MS);
          await audit(
            req,
            corrects ? 'maintenance.correct' : 'maintenance.change',
            updated,
            { before: { startsAt: w.startsAt, endsAt: w.endsAt, reason: w.reason }, after: { startsAt, endsAt, reason: updated.reason } },
            now,
          );
          return maintenanceView(updated, now);
        },
      );

      app.delete(
        '/api/v1/maintenance/:id',
        {
          ...common,
          schema: {
            tags,
            summary: 'Delete a maintenance window (service desk)',
            security: SECURITY.reader,
            params: MaintenanceParams,
            response: { 204: Type.Null({ description: 'Deleted.' }), ...errorResponses(400, 401, 403, 404) },
          },
        },
        async (req, reply) => {
          assertServiceDesk(req, 'deleting a maintenance window');
          const w = await windowOr404(req.params.id);
          assertCanRead(req, w.practice);
          if ((await store.delete(w.id)) === undefined) throw new N3monError('N3MON_ERR_NOT_FOUND', `maintenance window ${w.id} does not exist`);
          await audit(req, 'maintenance.delete', w, { startsAt: w.startsAt, endsAt: w.endsAt, reason: w.reason }, ctx.clock.now());
          return reply.code(204).send(null);
        },
      );
    },
  };
}
