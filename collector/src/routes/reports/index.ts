/**
 * GET /api/v1/reports/:ods/:month?format=html|pdf|csv — a practice's monthly report (practice
 * keys: their own practice only); GET /api/v1/reports/organisation/:month?format=… — the
 * organisation summary (servicedesk keys). An archived month is served from the archive.
 * The route module is made from the report service, so the composition root passes it to buildApp.
 */
import Type from 'typebox';
import { N3monError } from '../../../../shared/src/errors.ts';
import type { AppContext, RouteModule, TypedApp } from '../../context.ts';
import { OdsCode } from '../../config/schema.ts';
import { errorResponses } from '../../plugins/errors.ts';
import { assertCanRead } from '../../plugins/auth.ts';
import { SECURITY } from '../../plugins/swagger.ts';
import { REPORT_FORMATS, type Rendered } from '../../reports/formats.ts';
import type { ReportService } from '../../reports/service.ts';

// Years 2000–2099: a month outside the sane range of instants (routes/instants.ts) is a 400 with params.month, never a date overflow.
const Month = Type.String({ pattern: '^20\\d{2}-(0[1-9]|1[0-2])$', description: 'Europe/London calendar month, YYYY-MM (2000-01 … 2099-12).' });
const FormatQuery = Type.Object(
  { format: Type.Enum([...REPORT_FORMATS], { default: 'html', description: 'html (self-contained), pdf or csv.' }) },
  { additionalProperties: false },
);

/** The document itself (text/html, application/pdf or text/csv), never JSON. */
const ReportBody = Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'The report: text/html, application/pdf or text/csv.' });

const DESCRIPTION =
  'The CFH Applications Monitoring Report (docs/reports.md): computed under the accounting rules (docs/accounting-rules.md) from the store, ' +
  'or served from the archive once the month has been archived (on the 1st of the next month). HTML is one self-contained file; PDF is paginated; CSV has one row per practice × section × measure.';

function headersFor(r: Rendered, name: string): Record<string, string> {
  return {
    'content-type': r.contentType,
    'content-disposition': `${r.ext === 'html' ? 'inline' : 'attachment'}; filename="${name}.${r.ext}"`,
    'cache-control': 'private, no-store',
  };
}

export function reportRoutes(service: ReportService): RouteModule {
  return {
    name: 'reports',
    register(app: TypedApp, ctx: AppContext): void {
      app.get(
        '/api/v1/reports/organisation/:month',
        {
          onRequest: ctx.auth.apiKey,
          schema: {
            tags: ['read'],
            summary:
              'Organisation summary of an archived month: practices ranked by RAG, worst performers per area, month-on-month change (servicedesk keys; 404 until the month is archived)',
            description: DESCRIPTION,
            security: SECURITY.reader,
            params: Type.Object({ month: Month }, { additionalProperties: false }),
            querystring: FormatQuery,
            response: { 200: ReportBody, ...errorResponses(400, 401, 403, 404) },
          },
        },
        async (req, reply) => {
          if (req.reader?.role !== 'servicedesk') throw new N3monError('N3MON_ERR_AUTH_FORBIDDEN', 'the organisation summary needs a servicedesk key');
          const { month } = req.params;
          const r = await service.renderOrganisationSummary(month, req.query.format, { compute: false });
          return reply.headers(headersFor(r, `n3mon-organisation-${month}`)).send(r.body);
        },
      );
      app.get(
        '/api/v1/reports/:ods/:month',
        {
          onRequest: ctx.auth.apiKey,
          schema: {
            tags: ['read'],
            summary: 'Monthly report of one practice as HTML, PDF or CSV',
            description: DESCRIPTION,
            security: SECURITY.reader,
            params: Type.Object({ ods: OdsCode, month: Month }, { additionalProperties: false }),
            querystring: FormatQuery,
            response: { 200: ReportBody, ...errorResponses(400, 401, 403, 404) },
          },
        },
        async (req, reply) => {
          const { ods, month } = req.params;
          assertCanRead(req, ods);
          const r = await service.renderPracticeReport(ods, month, req.query.format);
          return reply.headers(headersFor(r, `n3mon-${ods}-${month}`)).send(r.body);
        },
      );
    },
  };
}
