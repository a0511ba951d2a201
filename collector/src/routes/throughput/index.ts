/**
 * The throughput test endpoints (docs/api.md "Throughput test"): the agent's `kind: throughput`
 * probe downloads N random bytes and uploads N bytes, and measures the rate. Agent-token auth runs
 * first (onRequest, before any byte moves either way); then, in this order, the byte cap (413),
 * the agent's hourly budget and the global concurrency cap (429 with Retry-After). The routes live
 * in their own encapsulated context whose only body parser hands the upload over as a stream.
 */
import type { Readable } from 'node:stream';
import Type from 'typebox';
import type { FastifyReply, FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';
import { N3monError } from '../../../../shared/src/errors.ts';
import { DownloadQuery, RECEIVER_LAG_HEADER, THROUGHPUT_CONTENT_TYPE, THROUGHPUT_PATHS, UploadQuery, UploadResult } from '../../../../shared/src/throughput.ts';
import type { AgentIdentity } from '../../auth/credentials.ts';
import type { AppContext, RouteModule, TypedApp } from '../../context.ts';
import { errorResponses } from '../../plugins/errors.ts';
import { SECURITY } from '../../plugins/swagger.ts';
import { typeboxValidatorCompiler } from '../../plugins/validation.ts';
import { createThroughputGate, type Admission, type ThroughputGate } from './gate.ts';
import { randomPayload, receiveUpload } from './payload.ts';
import { DRAIN_GRACE_MS, type ThroughputConfig } from './config.ts';

export { ThroughputConfig, THROUGHPUT_CONFIG_DEFAULTS } from './config.ts';

const Binary = Type.String({ format: 'binary' });

/** The upload body is a stream, read by the handler: only the query string is validated here. */
const queryOnly: FastifySchemaCompiler<TSchema> = (route) => (route.httpPart === 'body' ? () => true : typeboxValidatorCompiler(route));

const agentKey = (who: AgentIdentity): string => `${who.practice}/${who.agent}`;

interface Deps {
  cfg: ThroughputConfig;
  gate: ThroughputGate;
  ctx: AppContext;
}

/** The checks every transfer passes, in order; the admitted transfer's release, or a throw. */
function admit(d: Deps, who: AgentIdentity, bytes: number, reply: FastifyReply): Extract<Admission, { ok: true }> {
  if (!d.cfg.enabled) throw new N3monError('N3MON_ERR_NOT_FOUND', 'throughput tests are disabled on this collector (throughput.enabled: false)');
  if (bytes > d.cfg.maxBytes)
    throw new N3monError('N3MON_ERR_REQUEST_TOO_LARGE', `a throughput transfer is at most ${d.cfg.maxBytes} bytes (throughput.maxBytes); asked for ${bytes}`);
  const a = d.gate.admit(agentKey(who));
  if (!a.ok) {
    d.ctx.log.info({ practice: who.practice, agent: who.agent, reason: a.reason, retryAfterS: a.retryAfterS }, 'throughput transfer refused');
    reply.header('Retry-After', String(a.retryAfterS));
    throw new N3monError('N3MON_ERR_RATE_LIMITED', a.message);
  }
  return a;
}

function registerRoutes(app: TypedApp, d: Deps): void {
  const { cfg, ctx } = d;
  const log = ctx.log.child({ component: 'throughput' });
  const limits = `At most throughput.maxBytes (${cfg.maxBytes}) bytes, throughput.perAgentPerHour (${cfg.perAgentPerHour}) transfers per agent per hour, throughput.maxConcurrent (${cfg.maxConcurrent}) at once.`;

  app.get(
    THROUGHPUT_PATHS.download,
    {
      onRequest: ctx.auth.agent,
      // A HEAD twin would run the handler: charge the budget and make bytes nobody reads.
      exposeHeadRoute: false,
      schema: {
        tags: ['throughput'],
        summary: 'Throughput test, download: streams up to `bytes` random bytes (agent token)',
        description:
          'application/octet-stream, chunked, no Content-Encoding; the data is random, so nothing on the path can compress it. The body ends after `bytes`, ' +
          `or \`maxMs\` (at most throughput.maxDurationMs, ${cfg.maxDurationMs} ms) after the first byte was written, whichever comes first. ${limits}`,
        security: SECURITY.agent,
        querystring: DownloadQuery,
        response: {
          200: { description: 'The payload.', content: { [THROUGHPUT_CONTENT_TYPE]: { schema: Binary } } },
          ...errorResponses(400, 401, 404, 413, 429, 503),
        },
      },
    },
    async (req, reply) => {
      const who = req.agentIdentity as AgentIdentity;
      const { bytes, maxMs } = req.query;
      const admission = admit(d, who, bytes, reply);
      let sent = 0;
      const stopAfterMs = Math.min(maxMs ?? cfg.maxDurationMs, cfg.maxDurationMs);
      const stream = randomPayload({ bytes, stopAfterMs, clock: ctx.clock, onChunk: (n) => (sent += n) });
      const t0 = ctx.clock.monotonic();
      const cut = setTimeout(() => {
        log.warn(
          { practice: who.practice, agent: who.agent, sent, maxDurationMs: cfg.maxDurationMs },
          'throughput download cut: still not delivered 30 s after throughput.maxDurationMs',
        );
        reply.raw.destroy();
      }, cfg.maxDurationMs + DRAIN_GRACE_MS);
      reply.raw.once('close', () => {
        clearTimeout(cut);
        admission.release();
        log.info(
          {
            practice: who.practice,
            agent: who.agent,
            direction: 'down',
            bytes: sent,
            completed: reply.raw.writableFinished,
            ms: Math.round(ctx.clock.monotonic() - t0),
          },
          'throughput transfer',
        );
      });
      // The 200 schema says "binary string" for OpenAPI; the payload is the stream itself.
      return reply
        .header('Content-Type', THROUGHPUT_CONTENT_TYPE)
        .header('Cache-Control', 'no-store')
        .send(stream as unknown as string);
    },
  );

  app.post(
    THROUGHPUT_PATHS.upload,
    {
      onRequest: ctx.auth.agent,
      validatorCompiler: queryOnly,
      schema: {
        tags: ['throughput'],
        summary: 'Throughput test, upload: counts and discards the body (agent token)',
        description:
          'Body application/octet-stream of at most `bytes` bytes (chunked or with Content-Length), read as it arrives and never kept. ' +
          `Answers what arrived and when, timed on the collector from the first to the last byte, and in the ${RECEIVER_LAG_HEADER} header the collector's longest event-loop delay meanwhile (how late its timestamps can be). ${limits} More body than \`bytes\`: 413 and the connection is closed.`,
        security: SECURITY.agent,
        querystring: UploadQuery,
        body: { content: { [THROUGHPUT_CONTENT_TYPE]: { schema: Binary } } },
        response: { 200: UploadResult, ...errorResponses(400, 401, 404, 413, 415, 429, 503) },
      },
    },
    async (req, reply) => {
      const who = req.agentIdentity as AgentIdentity;
      const bytes = req.query.bytes;
      const length = req.headers['content-length'];
      if (length !== undefined && Number(length) > bytes)
        throw new N3monError('N3MON_ERR_REQUEST_TOO_LARGE', `Content-Length ${length} is more than the declared bytes=${bytes}`);
      const admission = admit(d, who, bytes, reply);
      const fields = { practice: who.practice, agent: who.agent, direction: 'up' };
      try {
        const body = req.body as Readable | undefined;
        if (body === undefined)
          throw new N3monError('N3MON_ERR_REQUEST_INVALID', 'an upload needs a body (application/octet-stream)', { problems: ['body: missing'] });
        const r = await receiveUpload(body, { limit: bytes, maxDurationMs: cfg.maxDurationMs + DRAIN_GRACE_MS, clock: ctx.clock });
        if (r.kind === 'done') {
          log.info({ ...fields, bytes: r.result.bytes, ms: Math.round(r.result.durationMs), receiverLagMs: r.receiverLagMs }, 'throughput transfer');
          reply.header(RECEIVER_LAG_HEADER, String(r.receiverLagMs));
          return r.result;
        }
        if (r.kind === 'too_large') {
          // Stop whoever keeps sending: once the 413 is out, the connection goes.
          reply.raw.once('finish', () => req.raw.destroy());
          throw new N3monError('N3MON_ERR_REQUEST_TOO_LARGE', `more than the declared bytes=${bytes} arrived`);
        }
        if (r.kind === 'cut')
          log.warn(
            { ...fields, bytes: r.bytes, maxDurationMs: cfg.maxDurationMs },
            'throughput upload cut: still arriving 30 s after throughput.maxDurationMs',
          );
        else log.info({ ...fields, bytes: r.bytes }, 'throughput upload abandoned by the agent');
        // Nobody to answer (or nobody we want to keep talking to): close without a response.
        reply.hijack();
        req.raw.destroy();
        return reply;
      } finally {
        admission.release();
      }
    },
  );
}

async function register(app: TypedApp, ctx: AppContext): Promise<void> {
  const cfg = ctx.config.throughput;
  const gate = createThroughputGate({ perAgentPerHour: cfg.perAgentPerHour, maxConcurrent: cfg.maxConcurrent, clock: ctx.clock });
  await app.register(async (scope) => {
    const sub = scope as unknown as TypedApp;
    // Only here: the upload's body is handed over as the raw stream (the app's JSON parser would buffer it).
    sub.removeAllContentTypeParsers();
    sub.addContentTypeParser(THROUGHPUT_CONTENT_TYPE, (_req, payload, done) => done(null, payload));
    registerRoutes(sub, { cfg, gate, ctx });
  });
}

export const throughputRoutes: RouteModule = { name: 'throughput', register };
