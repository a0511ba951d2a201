/**
 * GET  /api/v1/alerts?state=&practice=&from=&to=&limit=&offset=   alerts, newest first
 * GET  /api/v1/alerts/:id                                         one alert with its history and path trace
 * POST /api/v1/alerts/:id/ack  { note? }                          acknowledge (service desk)
 *
 * Reading follows the read API: a servicedesk key or user sees every practice's alerts, a practice
 * key or user only its own (its list is limited to it; another practice is 403). Acknowledging is
 * the service desk's: a practice principal gets 403. The acknowledging name is the authenticated
 * principal's (the user name, or the key's id and label); a `by` in the body is ignored (accepted
 * so older clients are not refused). Every acknowledgement is in the audit log.
 */
import { N3monError } from '../../../../shared/src/errors.ts';
import type { AppContext, RouteModule, TypedApp } from '../../context.ts';
import type { Alert } from '../../alerts/store.ts';
import type { AlertManager } from '../../alerts/manager.ts';
import type { AlertStore } from '../../alerts/store.ts';
import { errorResponses } from '../../plugins/errors.ts';
import { assertCanRead, assertServiceDesk, auditActor } from '../../plugins/auth.ts';
import { SECURITY } from '../../plugins/swagger.ts';
import { boundedInstant } from '../instants.ts';
import { nearestTrace } from '../../alerts/trace-link.ts';
import { AckBody, AlertDetail, AlertList, AlertListQuery, AlertParams, AlertView, alertDetail, alertView } from './schemas.ts';

export interface AlertRouteDeps {
  alerts: AlertStore;
  manager: AlertManager;
}

async function alertOr404(deps: AlertRouteDeps, id: number): Promise<Alert> {
  const a = await deps.alerts.get(id);
  if (a === undefined) throw new N3monError('N3MON_ERR_NOT_FOUND', `alert ${id} does not exist`);
  return a;
}

export function alertRoutes(deps: AlertRouteDeps): RouteModule {
  return {
    name: 'alerts',
    register(app: TypedApp, ctx: AppContext): void {
      app.get(
        '/api/v1/alerts',
        {
          onRequest: ctx.auth.apiKey,
          schema: {
            tags: ['alerts'],
            summary: 'Alerts, newest first (filter by state and practice)',
            security: SECURITY.reader,
            querystring: AlertListQuery,
            response: { 200: AlertList, ...errorResponses(400, 401, 403) },
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
          const { total, items } = await deps.alerts.list({
            limit: q.limit,
            offset: q.offset,
            ...(q.state === undefined ? {} : { state: q.state }),
            ...(practice === undefined ? {} : { practice }),
            ...(from === undefined ? {} : { from }),
            ...(to === undefined ? {} : { to }),
          });
          return { total, offset: q.offset, limit: q.limit, items: items.map(alertView) };
        },
      );

      app.get(
        '/api/v1/alerts/:id',
        {
          onRequest: ctx.auth.apiKey,
          schema: {
            tags: ['alerts'],
            summary: 'One alert with its history',
            security: SECURITY.reader,
            params: AlertParams,
            response: { 200: AlertDetail, ...errorResponses(400, 401, 403, 404) },
          },
        },
        async (req) => {
          const a = await alertOr404(deps, req.params.id);
          assertCanRead(req, a.practice);
          return alertDetail(a, await deps.alerts.history(a.id), await nearestTrace(ctx.store, a));
        },
      );

      app.post(
        '/api/v1/alerts/:id/ack',
        {
          onRequest: ctx.auth.apiKey,
          config: { bodyArea: 'request' },
          schema: {
            tags: ['alerts'],
            summary: 'Acknowledge an alert, with an optional note (service desk; the name is the signed-in user or the key)',
            security: SECURITY.reader,
            params: AlertParams,
            body: AckBody,
            response: { 200: AlertView, ...errorResponses(400, 401, 403, 404) },
          },
        },
        async (req) => {
          const reader = assertServiceDesk(req, 'acknowledging an alert');
          const a = await alertOr404(deps, req.params.id);
          assertCanRead(req, a.practice);
          const note = req.body?.note ?? null;
          const acked = await deps.manager.acknowledge(a.id, reader.name, note);
          if (acked === undefined) throw new N3monError('N3MON_ERR_NOT_FOUND', `alert ${a.id} does not exist`);
          await ctx.meta.audit.record({
            ...auditActor(req),
            action: 'alert.ack',
            target: `alert:${a.id}`,
            practice: a.practice,
            detail: { rule: a.ruleId, note },
            at: ctx.clock.now(),
          });
          req.log.info({ alertId: a.id, by: reader.actor }, 'alert acknowledged');
          return alertView(acked);
        },
      );
    },
  };
}
