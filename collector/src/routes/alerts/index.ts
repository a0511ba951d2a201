/**
 * GET  /api/v1/alerts?state=&practice=&from=&to=&limit=&offset=   alerts, newest first
 * GET  /api/v1/alerts/:id                                         one alert with its history
 * POST /api/v1/alerts/:id/ack  { by?, note? }                     acknowledge
 *
 * Role checks as in the read API: a servicedesk key sees and acknowledges every practice's
 * alerts; a practice key only its own (its list is limited to it; another practice is 403).
 */
import { N3monError } from '../../../../shared/src/errors.ts';
import type { AppContext, RouteModule, TypedApp } from '../../context.ts';
import type { Alert } from '../../alerts/store.ts';
import type { AlertManager } from '../../alerts/manager.ts';
import type { AlertStore } from '../../alerts/store.ts';
import { errorResponses } from '../../plugins/errors.ts';
import { assertCanRead } from '../../plugins/auth.ts';
import { SECURITY } from '../../plugins/swagger.ts';
import { parseInstant } from '../practices/time.ts';
import { AckBody, AlertDetail, AlertList, AlertListQuery, AlertParams, AlertView, alertDetail, alertView } from './schemas.ts';

export interface AlertRouteDeps {
  alerts: AlertStore;
  manager: AlertManager;
}

function instant(text: string | undefined, name: string, problems: string[]): number | undefined {
  if (text === undefined) return undefined;
  const t = parseInstant(text);
  if (t === undefined) problems.push(`query.${name}: not epoch ms or ISO 8601 ('${text}')`);
  return t;
}

function alertOr404(deps: AlertRouteDeps, id: number): Alert {
  const a = deps.alerts.get(id);
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
          const from = instant(q.from, 'from', problems);
          const to = instant(q.to, 'to', problems);
          if (problems.length > 0) throw new N3monError('N3MON_ERR_REQUEST_INVALID', 'invalid query', { problems });
          if (q.practice !== undefined) assertCanRead(req, q.practice);
          const practice = q.practice ?? (reader.role === 'servicedesk' ? undefined : (reader.practice ?? '\u0000none'));
          const { total, items } = deps.alerts.list({
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
          const a = alertOr404(deps, req.params.id);
          assertCanRead(req, a.practice);
          return alertDetail(a, deps.alerts.history(a.id));
        },
      );

      app.post(
        '/api/v1/alerts/:id/ack',
        {
          onRequest: ctx.auth.apiKey,
          config: { bodyArea: 'request' },
          schema: {
            tags: ['alerts'],
            summary: 'Acknowledge an alert (who, and an optional note)',
            security: SECURITY.reader,
            params: AlertParams,
            body: AckBody,
            response: { 200: AlertView, ...errorResponses(400, 401, 403, 404) },
          },
        },
        async (req) => {
          const reader = req.reader!;
          const a = alertOr404(deps, req.params.id);
          assertCanRead(req, a.practice);
          const body = req.body ?? {};
          const by = body.by ?? `key ${reader.keyId}`;
          const acked = deps.manager.acknowledge(a.id, by, body.note ?? null);
          if (acked === undefined) throw new N3monError('N3MON_ERR_NOT_FOUND', `alert ${a.id} does not exist`);
          req.log.info({ alertId: a.id, by, keyId: reader.keyId }, 'alert acknowledged');
          return alertView(acked);
        },
      );
    },
  };
}
