/**
 * POST /api/v1/ingest — agents push samples (PRODUCT.md, shared/src/wire.ts). The token says who
 * (practice, agent); the body is checked once by the compiled schema (Fastify's own body
 * validation is switched off for this route so a big body is not checked twice), explained only
 * when it fails, then handed to the Ingestor.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { N3monError } from '../../../../shared/src/errors.ts';
import {
  INGEST_LIMITS,
  INGEST_PATH,
  IngestBody,
  IngestResponse,
  MAX_REFUSED_PROBLEMS,
  type RefusedSample,
  type WireSample,
} from '../../../../shared/src/wire.ts';
import type { AppContext, RouteModule, TypedApp } from '../../context.ts';
import { errorResponses, type N3monRouteConfig } from '../../plugins/errors.ts';
import { skipValidation } from '../../plugins/validation.ts';
import { SECURITY } from '../../plugins/swagger.ts';
import { capProblems, checkIngestBody } from '../../ingest/check.ts';
import type { IngestResult } from '../../metrics/collector-metrics.ts';
import { noteAgentClient } from '../enrolment/agent-client.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the ingest handler when the batch was a repeat (for the request counter). */
    ingestDuplicate: boolean;
    /** Set by the ingest handler when some samples of a stored batch were refused. */
    ingestPartial: boolean;
  }
}

const RESULT_BY_STATUS: Record<number, IngestResult> = {
  400: 'invalid',
  401: 'unauthorized',
  403: 'unauthorized',
  413: 'too_large',
  415: 'unsupported',
  429: 'rate_limited',
  503: 'unavailable',
};

async function register(root: TypedApp, ctx: AppContext): Promise<void> {
  root.decorateRequest('ingestDuplicate', false);
  root.decorateRequest('ingestPartial', false);
  // Encapsulated: the rate limiter applies to this route only.
  await root.register(async (child) => {
    const app = child as unknown as TypedApp;
    // Counters per token live in an LRU of 5,000: a token that pushes hard stays in it; one that
    // is evicted had pushed least recently of all, so forgetting its count lets no flood through.
    await app.register(rateLimit, { global: false });
    registerRoute(app, ctx);
  });
}

function registerRoute(app: TypedApp, ctx: AppContext): void {
  const config: N3monRouteConfig = { bodyArea: 'ingest' };
  const { max, windowMs } = ctx.config.ingest.rateLimit;
  // Keyed on the token (not the address: many agents may share a NAT), checked after it is verified
  // and before the body is read.
  const perToken = app.createRateLimit({ max, timeWindow: windowMs, keyGenerator: (req) => `token:${req.agentIdentity?.tokenId ?? ''}` });
  const rateLimited = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const r = await perToken(req);
    if (r.isAllowed || !r.isExceeded) return;
    reply.header('retry-after', String(Math.max(1, r.ttlInSeconds)));
    throw new N3monError(
      'N3MON_ERR_RATE_LIMITED',
      `more than ${max} ingest requests in ${windowMs / 1000} s from this agent token; retry after ${Math.max(1, r.ttlInSeconds)} s`,
    );
  };
  app.post(
    INGEST_PATH,
    {
      onRequest: [ctx.auth.agent, rateLimited, noteAgentClient(ctx)],
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
        response: { 200: IngestResponse, ...errorResponses(400, 401, 413, 415, 429, 503) },
      },
      onResponse: async (req, reply) => {
        const status = reply.statusCode;
        const result: IngestResult =
          status === 200 ? (req.ingestDuplicate ? 'duplicate' : req.ingestPartial ? 'partial' : 'accepted') : (RESULT_BY_STATUS[status] ?? 'error');
        const encoding = req.headers['content-encoding'] === undefined ? 'identity' : req.headers['content-encoding'].includes('gzip') ? 'gzip' : 'identity';
        ctx.metrics.request(result, reply.elapsedTime / 1000, Number(req.headers['content-length'] ?? 0) || 0, encoding);
      },
    },
    async (req) => {
      const who = req.agentIdentity!;
      const checked = checkIngestBody(req.body as unknown, ctx.clock.now());
      if (!checked.ok) {
        ctx.metrics.rejectedSamples(checked.samples);
        throw new N3monError('N3MON_ERR_INGEST_INVALID', `${checked.problems.length} problem(s) in the ingest body`, {
          problems: capProblems(checked.problems),
        });
      }
      const { seriesLimited, ...res } = await ctx.ingestor.ingest(who, checked.body);
      req.ingestDuplicate = res.duplicate;
      const refused = mergeRefused(checked.refused, seriesLimited ?? [], checked.body.samples);
      if (refused.length === 0) return res;
      req.ingestPartial = true;
      ctx.metrics.rejectedSamples(refused.length);
      if (checked.refused.length > 0) {
        req.log.warn(
          {
            practice: who.practice,
            agent: who.agent,
            batchId: res.batchId,
            refused: checked.refused.length,
            accepted: res.accepted,
            first: checked.refused[0],
          },
          'samples refused; the rest of the batch stored',
        );
      }
      return { ...res, refused };
    },
  );
}

/**
 * The rule refusals (indexes into the whole batch) and the series-limit refusals (indexes into the
 * samples that passed the rules) as one list in batch order, with a problem text on the first
 * MAX_REFUSED_PROBLEMS.
 */
function mergeRefused(byRule: readonly RefusedSample[], limited: readonly number[], kept: readonly WireSample[]): RefusedSample[] {
  if (limited.length === 0) return byRule as RefusedSample[];
  const out: RefusedSample[] = [];
  let withProblem = byRule.filter((r) => r.problem !== undefined).length;
  let r = 0;
  let original = 0;
  let k = 0;
  for (const index of limited) {
    // Walk the whole batch: a kept sample's original index skips the rule-refused ones before it.
    for (; k <= index; original++) {
      if (r < byRule.length && byRule[r]?.index === original) out.push(byRule[r++] as RefusedSample);
      else k++;
    }
    const entry: RefusedSample = { index: original - 1, rule: 'series_limit' };
    if (withProblem < MAX_REFUSED_PROBLEMS) {
      withProblem++;
      const s = kept[index] as WireSample;
      entry.problem = `samples[${original - 1}]: new series ${s.metric} refused: the agent's or the practice's series limit is reached (collector ingest.maxSeriesPerAgent / maxSeriesPerPractice)`;
    }
    out.push(entry);
  }
  while (r < byRule.length) out.push(byRule[r++] as RefusedSample);
  return out;
}

export const ingestRoutes: RouteModule = { name: 'ingest', register };
