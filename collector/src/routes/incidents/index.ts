/**
 * GET /api/v1/incidents?state=&limit=&offset=   national incidents, newest first
 * GET /api/v1/incidents/:id                     one incident with its member practices
 *
 * Reading follows the read API: a servicedesk key or user (and admin) sees every incident with
 * every member practice; a practice key or user sees only the incidents its practice is part of,
 * and in their member list only its own practice (the counts — "37 of 120" — stay national).
 * Another incident is 403 to it.
 */
import { N3monError } from '../../../../shared/src/errors.ts';
import type { Reader } from '../../auth/credentials.ts';
import type { AppContext, RouteModule, TypedApp } from '../../context.ts';
import type { Incident, IncidentStore } from '../../incidents/store.ts';
import { errorResponses } from '../../plugins/errors.ts';
import { SECURITY } from '../../plugins/swagger.ts';
import { IncidentList, IncidentListQuery, IncidentParams, IncidentView, incidentView } from './schemas.ts';

export interface IncidentRouteDeps {
  incidents: IncidentStore;
  practiceName: (ods: string) => string | undefined | Promise<string | undefined>;
}

export function incidentRoutes(deps: IncidentRouteDeps): RouteModule {
  /** undefined: every practice; else only this one. */
  const scopeOf = (reader: Reader): string | undefined => (reader.role === 'servicedesk' || reader.admin ? undefined : (reader.practice ?? '\u0000none'));
  const view = async (i: Incident, only: string | undefined): Promise<IncidentView> => {
    const members = (await deps.incidents.members(i.id)).filter((m) => only === undefined || m.practice === only);
    const names = new Map<string, string | undefined>();
    for (const ods of new Set(members.map((m) => m.practice))) names.set(ods, await deps.practiceName(ods));
    return incidentView(i, members, (ods) => names.get(ods));
  };
  return {
    name: 'incidents',
    register(app: TypedApp, ctx: AppContext): void {
      app.get(
        '/api/v1/incidents',
        {
          onRequest: ctx.auth.apiKey,
          schema: {
            tags: ['incidents'],
            summary: 'National incidents, newest first (a practice sees only those it is part of)',
            security: SECURITY.reader,
            querystring: IncidentListQuery,
            response: { 200: IncidentList, ...errorResponses(400, 401, 403) },
          },
        },
        async (req) => {
          const only = scopeOf(req.reader!);
          const q = req.query;
          const { total, items } = await deps.incidents.list({
            limit: q.limit,
            offset: q.offset,
            ...(q.state === undefined ? {} : { state: q.state }),
            ...(only === undefined ? {} : { practice: only }),
          });
          const views: IncidentView[] = [];
          for (const i of items) views.push(await view(i, only));
          return { total, offset: q.offset, limit: q.limit, items: views };
        },
      );

      app.get(
        '/api/v1/incidents/:id',
        {
          onRequest: ctx.auth.apiKey,
          schema: {
            tags: ['incidents'],
            summary: 'One national incident with its member practices',
            security: SECURITY.reader,
            params: IncidentParams,
            response: { 200: IncidentView, ...errorResponses(400, 401, 403, 404) },
          },
        },
        async (req) => {
          const i = await deps.incidents.get(req.params.id);
          if (i === undefined) throw new N3monError('N3MON_ERR_NOT_FOUND', `incident ${req.params.id} does not exist`);
          const only = scopeOf(req.reader!);
          if (only !== undefined && !(await deps.incidents.members(i.id)).some((m) => m.practice === only)) {
            throw new N3monError('N3MON_ERR_AUTH_FORBIDDEN', `incident ${i.id} does not include practice ${only}`);
          }
          return view(i, only);
        },
      );
    },
  };
}
