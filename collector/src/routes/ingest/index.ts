/**
 * POST /api/v1/ingest — agents push samples (PRODUCT.md, shared/src/wire.ts). The token says who
 * (practice, agent); the body is checked once by the compiled schema (Fastify's own body
 * validation is switched off for this route so a big body is not checked twice), explained only
 * when it fails, then handed to the Ingestor.
 */
import { N3monError } from '../../../../shared/src/errors.ts';
import { INGEST_LIMITS, INGEST_PATH, IngestBody, IngestResponse, MAX_REFUSED_PROBLEMS } from '../../../../shared/src/wire.ts';
import type { AppContext, RouteModule, TypedApp } from '../../context.ts';
import { errorResponses, type N3monRouteConfig } from '../../plugins/errors.ts';
import { skipValidation } from '../../plugins/validation.ts';
import { SECURITY } from '../../plugins/swagger.ts';
import { capProblems, checkIngestBody } from '../../ingest/check.ts';
import type { IngestResult } from '../../metrics/collector-metrics.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the ingest handler when the batch was a repeat (for the request counter). */
    ingestDuplicate: boolean;
    /** Set by the ingest handler when some samples of a stored batch were refused. */
    ingestPartial: boolean;
  }
}

const RESULT_BY_STATUS: Record<number, IngestResult> = { 400: 'invalid', 401: 'unauthorized', 403: 'unauthorized', 413: 'too_large', 415: 'unsupported', 503: 'unavailable' };

function register(app: TypedApp, ctx: AppContext): void {
  app.decorateRequest('ingestDuplicate', false);
  app.decorateRequest('ingestPartial', false);
  const config: N3monRouteConfig = { bodyArea: 'ingest' };
  app.post(
    INGEST_PATH,
    {
      onRequest: ctx.auth.agent,
      bodyLimit: INGEST_LIMITS.maxBodyBytes,
      config,
      validatorCompiler: skipValidation,
      schema: {
        tags: ['ingest'],
        summary: 'Push a batch of samples (agent token; JSON, optionally Content-Encoding: gzip)',
        description:
          'practice and agent come from the token and may not appear as labels. A batchId seen before for this agent is acknowledged again ' +
          `(duplicate: true) and stored once. A sample that breaks a rule (shared/src/sample-rules.ts) is refused alone: the others are stored and the answer is 200 ` +
          `with \`refused\` listing each refused sample's index and rule (a problem text on the first ${MAX_REFUSED_PROBLEMS}). A bad envelope (batchId, unknown keys, too many samples) is a 400. ` +
          `Limits: ${INGEST_LIMITS.maxSamples} samples, ${INGEST_LIMITS.maxLabels} labels per sample, ` +
          `${INGEST_LIMITS.maxBodyBytes} bytes after gunzip, ts within ${INGEST_LIMITS.maxAgeMs / 86_400_000} days before and ${INGEST_LIMITS.maxFutureMs / 60_000} minutes after the collector's clock.`,
        security: SECURITY.agent,
        body: IngestBody,
        response: { 200: IngestResponse, ...errorResponses(400, 401, 413, 415, 503) },
      },
      onResponse: async (req, reply) => {
        const status = reply.statusCode;
        const result: IngestResult = status === 200 ? (req.ingestDuplicate ? 'duplicate' : req.ingestPartial ? 'partial' : 'accepted') : (RESULT_BY_STATUS[status] ?? 'error');
        const encoding = req.headers['content-encoding'] === undefined ? 'identity' : req.headers['content-encoding'].includes('gzip') ? 'gzip' : 'identity';
        ctx.metrics.request(result, reply.elapsedTime / 1000, Number(req.headers['content-length'] ?? 0) || 0, encoding);
      },
    },
    async (req) => {
      const who = req.agentIdentity!;
      const checked = checkIngestBody(req.body as unknown, ctx.clock.now());
      if (!checked.ok) {
        ctx.metrics.rejectedSamples(checked.samples);
        throw new N3monError('N3MON_ERR_INGEST_INVALID', `${checked.problems.length} problem(s) in the ingest body`, { problems: capProblems(checked.problems) });
      }
      const res = await ctx.ingestor.ingest(who, checked.body);
      req.ingestDuplicate = res.duplicate;
      if (checked.refused.length === 0) return res;
      req.ingestPartial = true;
      ctx.metrics.rejectedSamples(checked.refused.length);
      req.log.warn({ practice: who.practice, agent: who.agent, batchId: res.batchId, refused: checked.refused.length, accepted: res.accepted, first: checked.refused[0] }, 'samples refused; the rest of the batch stored');
      return { ...res, refused: checked.refused };
    },
  );
}

export const ingestRoutes: RouteModule = { name: 'ingest', register };
