/**
 * Maintenance windows per practice (planned work raises nothing):
 *
 *   GET    /api/v1/maintenance?practice=&from=&to=
 *   POST   /api/v1/maintenance            { practice, startsAt, endsAt, reason }   → 201
 *   GET    /api/v1/maintenance/:id
 *   PUT    /api/v1/maintenance/:id        { startsAt?, endsAt?, reason? }
 *   DELETE /api/v1/maintenance/:id                                                  → 204
 *
 * A servicedesk key manages every practice's windows; a practice key only its own.
 */
import Type from 'typebox';
import { N3monError } from '../../../../shared/src/errors.ts';
import type { AppContext, RouteModule, TypedApp } from '../../context.ts';
import type { MaintenanceStore, MaintenanceWindow } from '../../alerts/maintenance.ts';
import { errorResponses } from '../../plugins/errors.ts';
import { assertCanRead } from '../../plugins/auth.ts';
import { SECURITY } from '../../plugins/swagger.ts';
import { parseInstant } from '../practices/time.ts';
import { MaintenanceCreate, MaintenanceList, MaintenanceParams, MaintenanceQuery, MaintenanceUpdate, MaintenanceView, maintenanceView } from './schemas.ts';

/** Longest window accepted (planned work, not a way to silence a practice for good). */
export const MAX_WINDOW_MS = 31 * 86_400_000;

function when(v: number | string | undefined, path: string, problems: string[]): number | undefined {
  if (v === undefined) return undefined;
  const t = typeof v === 'number' ? v : parseInstant(v);
  if (t === undefined) problems.push(`${path}: not epoch ms or ISO 8601 ('${v}')`);
  return t;
}

function checkSpan(startsAt: number, endsAt: number, problems: string[]): void {
  if (endsAt <= startsAt) problems.push('body.endsAt: must be after startsAt');
  else if (endsAt - startsAt > MAX_WINDOW_MS) problems.push('body.endsAt: a window may last at most 31 days');
}

export function maintenanceRoutes(deps: { maintenance: MaintenanceStore }): RouteModule {
  const store = deps.maintenance;
  const windowOr404 = (id: number): MaintenanceWindow => {
    const w = store.get(id);
    if (w === undefined) throw new N3monError('N3MON_ERR_NOT_FOUND', `maintenance window ${id} does not exist`);
    return w;
  };
  return {
    name: 'maintenance',
    register(app: TypedApp, ctx: AppContext): void {
      const common = { onRequest: ctx.auth.apiKey };
      const tags = ['maintenance'];

      app.get(
        '/api/v1/maintenance',
        { ...common, schema: { tags, summary: 'Maintenance windows', security: SECURITY.reader, querystring: MaintenanceQuery, response: { 200: MaintenanceList, ...errorResponses(400, 401, 403) } } },
        async (req) => {
          const reader = req.reader!;
          const q = req.query;
          const problems: string[] = [];
          const from = when(q.from, 'query.from', problems);
          const to = when(q.to, 'query.to', problems);
          if (problems.length > 0) throw new N3monError('N3MON_ERR_REQUEST_INVALID', 'invalid query', { problems });
          if (q.practice !== undefined) assertCanRead(req, q.practice);
          const practice = q.practice ?? (reader.role === 'servicedesk' ? undefined : (reader.practice ?? '\u0000none'));
          const now = ctx.clock.now();
          const items = store.list({ ...(practice === undefined ? {} : { practice }), ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) });
          return { items: items.map((w) => maintenanceView(w, now)) };
        },
      );

      app.post(
        '/api/v1/maintenance',
        {
          ...common,
          config: { bodyArea: 'request' },
          schema: { tags, summary: 'Plan a maintenance window', security: SECURITY.reader, body: MaintenanceCreate, response: { 201: MaintenanceView, ...errorResponses(400, 401, 403, 404) } },
        },
        async (req, reply) => {
          const reader = req.reader!;
          const b = req.body;
          assertCanRead(req, b.practice);
          if (ctx.meta.practices.get(b.practice) === undefined) throw new N3monError('N3MON_ERR_NOT_FOUND', `practice ${b.practice} is not known`);
          const problems: string[] = [];
          const startsAt = when(b.startsAt, 'body.startsAt', problems);
          const endsAt = when(b.endsAt, 'body.endsAt', problems);
          if (startsAt !== undefined && endsAt !== undefined) checkSpan(startsAt, endsAt, problems);
          if (problems.length > 0 || startsAt === undefined || endsAt === undefined) throw new N3monError('N3MON_ERR_REQUEST_INVALID', 'invalid maintenance window', { problems });
          const now = ctx.clock.now();
          const w = store.create({ practice: b.practice, startsAt, endsAt, reason: b.reason, createdBy: `key ${reader.keyId}` }, now);
          req.log.info({ maintenanceId: w.id, practice: w.practice, startsAt, endsAt }, 'maintenance window created');
          return reply.code(201).send(maintenanceView(w, now));
        },
      );

      app.get(
        '/api/v1/maintenance/:id',
        { ...common, schema: { tags, summary: 'One maintenance window', security: SECURITY.reader, params: MaintenanceParams, response: { 200: MaintenanceView, ...errorResponses(400, 401, 403, 404) } } },
        async (req) => {
          const w = windowOr404(req.params.id);
          assertCanRead(req, w.practice);
          return maintenanceView(w, ctx.clock.now());
        },
      );

      app.put(
        '/api/v1/maintenance/:id',
        {
          ...common,
          config: { bodyArea: 'request' },
          schema: { tags, summary: 'Change a maintenance window', security: SECURITY.reader, params: MaintenanceParams, body: MaintenanceUpdate, response: { 200: MaintenanceView, ...errorResponses(400, 401, 403, 404) } },
        },
        async (req) => {
          const w = windowOr404(req.params.id);
          assertCanRead(req, w.practice);
          const problems: string[] = [];
          const startsAt = when(req.body.startsAt, 'body.startsAt', problems) ?? w.startsAt;
          const endsAt = when(req.body.endsAt, 'body.endsAt', problems) ?? w.endsAt;
          checkSpan(startsAt, endsAt, problems);
          if (problems.length > 0) throw new N3monError('N3MON_ERR_REQUEST_INVALID', 'invalid maintenance window', { problems });
          const now = ctx.clock.now();
          const updated = store.update(w.id, { startsAt, endsAt, ...(req.body.reason === undefined ? {} : { reason: req.body.reason }) }, now) as MaintenanceWindow;
          return maintenanceView(updated, now);
        },
      );

      app.delete(
        '/api/v1/maintenance/:id',
        { ...common, schema: { tags, summary: 'Delete a maintenance window', security: SECURITY.reader, params: MaintenanceParams, response: { 204: Type.Null({ description: 'Deleted.' }), ...errorResponses(400, 401, 403, 404) } } },
        async (req, reply) => {
          const w = windowOr404(req.params.id);
          assertCanRead(req, w.practice);
          store.delete(w.id);
          return reply.code(204).send(null);
        },
      );
    },
  };
}
