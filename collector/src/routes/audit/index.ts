/**
 * GET /api/v1/audit?actor=&action=&since=&until=&limit=&offset=   the audit log, newest first
 *
 * Admins only (signed in to the dashboard; no API key is an admin): who changed what, when and
 * from where — users, roles, API keys, agent tokens (also from the CLI), maintenance windows,
 * acknowledgements. The entries are written by meta.audit.record (collector/src/meta/audit.ts).
 */
import Type from 'typebox';
import { N3monError } from '../../../../shared/src/errors.ts';
import type { AppContext, RouteModule, TypedApp } from '../../context.ts';
import { AUDIT_ACTIONS, type AuditEntry } from '../../meta/index.ts';
import { errorResponses } from '../../plugins/errors.ts';
import { assertAdmin } from '../../plugins/auth.ts';
import { SECURITY } from '../../plugins/swagger.ts';
import { boundedInstant } from '../instants.ts';

const AuditQuery = Type.Object(
  {
    actor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'e.g. user:alice, key:0123456789ab, cli:root' })),
    action: Type.Optional(Type.Enum([...AUDIT_ACTIONS])),
    since: Type.Optional(Type.String({ maxLength: 40, description: 'Entries at or after this (epoch ms or ISO 8601).' })),
    until: Type.Optional(Type.String({ maxLength: 40, description: 'Entries before this (epoch ms or ISO 8601).' })),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    offset: Type.Integer({ minimum: 0, maximum: 10_000_000, default: 0 }),
  },
  { additionalProperties: false },
);

const AuditView = Type.Object({
  id: Type.Integer(),
  at: Type.String({ description: 'ISO 8601 (UTC), collector clock' }),
  actor: Type.String({ description: 'user:<name> | key:<id> | cli:<OS user>' }),
  action: Type.String(),
  target: Type.Union([Type.String(), Type.Null()]),
  from: Type.String({ description: 'The client address, or `cli`.' }),
  practice: Type.Union([Type.String(), Type.Null()]),
  detail: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
});

const AuditList = Type.Object({ total: Type.Integer(), offset: Type.Integer(), limit: Type.Integer(), items: Type.Array(AuditView) });

const view = (e: AuditEntry) => ({ ...e, at: new Date(e.at).toISOString() });

export const auditRoutes: RouteModule = {
  name: 'audit',
  register(app: TypedApp, ctx: AppContext): void {
    app.get(
      '/api/v1/audit',
      {
        onRequest: ctx.auth.apiKey,
        schema: {
          tags: ['audit'],
          summary: 'The audit log of admin and service-desk writes, newest first (admins)',
          security: SECURITY.reader,
          querystring: AuditQuery,
          response: { 200: AuditList, ...errorResponses(400, 401, 403) },
        },
      },
      async (req) => {
        assertAdmin(req, 'reading the audit log');
        const q = req.query;
        const problems: string[] = [];
        const now = ctx.clock.now();
        const since = boundedInstant(q.since, 'query.since', now, problems);
        const until = boundedInstant(q.until, 'query.until', now, problems);
        if (problems.length > 0) throw new N3monError('N3MON_ERR_REQUEST_INVALID', 'invalid query', { problems });
        const { total, items } = await ctx.meta.audit.list({
          limit: q.limit,
          offset: q.offset,
          ...(q.actor === undefined ? {} : { actor: q.actor }),
          ...(q.action === undefined ? {} : { action: q.action }),
          ...(since === undefined ? {} : { since }),
          ...(until === undefined ? {} : { until }),
        });
        return { total, offset: q.offset, limit: q.limit, items: items.map(view) };
      },
    );
  },
};
