/**
 * Enrolment and agent credentials (docs/api.md "Enrolment"):
 *
 *   POST   /api/v1/enrol                      no credential: a one-time code → an agent token (rate-limited per address, audited)
 *   POST   /api/v1/agent/credential/rotate    agent token: a new token; the old one works for rotationOverlapMs more
 *   POST   /api/v1/enrolments                 service desk: a new code for a practice (shown once)
 *   GET    /api/v1/enrolments?practice=ODS    service desk: codes with uses, expiry, state (never the code)
 *   DELETE /api/v1/enrolments/:id             service desk: revoke a code
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { N3monError } from '../../../../shared/src/errors.ts';
import { AgentCredential, ENROL_PATH, EnrolRequest, ROTATE_PATH } from '../../../../shared/src/agent-credential.ts';
import type { AppContext, RouteModule, TypedApp } from '../../context.ts';
import { codeState, type EnrolmentCodeRow } from '../../meta/index.ts';
import { errorResponses } from '../../plugins/errors.ts';
import { assertServiceDesk, auditActor } from '../../plugins/auth.ts';
import { SECURITY } from '../../plugins/swagger.ts';
import { OdsCode } from '../../config/schema.ts';
import { createEnrolmentCode, enrolWithCode, rotateCredential } from './service.ts';

const CreateBody = Type.Object(
  {
    practice: OdsCode,
    uses: Type.Integer({ minimum: 1, maximum: 1000, default: 1, description: 'How many servers may enrol with it (default 1).' }),
    expiresInMs: Type.Optional(
      Type.Integer({ minimum: 1000, maximum: 30 * 86_400_000, description: "Lifetime; default the collector's enrolment.codeTtlMs (24 h)." }),
    ),
  },
  { additionalProperties: false },
);

const CodeView = Type.Object({
  id: Type.String(),
  practice: Type.String(),
  maxUses: Type.Integer(),
  uses: Type.Integer(),
  createdAt: Type.String(),
  expiresAt: Type.String(),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
  createdBy: Type.String(),
  state: Type.Enum(['active', 'used', 'expired', 'revoked']),
});
const Created = Type.Object({ code: Type.String({ description: 'The enrolment code (n3e_…), shown once.' }), enrolment: CodeView });
const ListQuery = Type.Object({ practice: Type.Optional(OdsCode) }, { additionalProperties: false });
const IdParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{12}$' }) });

/** Rotations one token may ask for in an hour. */
export const ROTATIONS_PER_HOUR = 10;

const iso = (t: number): string => new Date(t).toISOString();
export function codeView(r: EnrolmentCodeRow, now: number) {
  return {
    id: r.id,
    practice: r.practice,
    maxUses: r.maxUses,
    uses: r.uses,
    createdAt: iso(r.createdAt),
    expiresAt: iso(r.expiresAt),
    revokedAt: r.revokedAt === null ? null : iso(r.revokedAt),
    createdBy: r.createdBy,
    state: codeState(r, now),
  };
}

async function register(root: TypedApp, ctx: AppContext): Promise<void> {
  const cfg = ctx.config.enrolment;
  // Encapsulated: these rate limiters apply to the enrolment and rotation routes only.
  await root.register(async (child) => {
    const app = child as unknown as TypedApp;
    await app.register(rateLimit, { global: false });
    const { max, windowMs } = cfg.rateLimit;
    const perAddress = app.createRateLimit({ max, timeWindow: windowMs, keyGenerator: (req) => `enrol:${req.ip}` });
    const limited = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
      const r = await perAddress(req);
      if (r.isAllowed || !r.isExceeded) return;
      const retry = Math.max(1, r.ttlInSeconds);
      reply.header('retry-after', String(retry));
      req.log.warn({ from: req.ip, retryAfterS: retry }, 'enrolment attempts over the rate limit');
      throw new N3monError('N3MON_ERR_RATE_LIMITED', `more than ${max} enrolment attempts in ${windowMs / 1000} s from this address; retry after ${retry} s`);
    };
    app.post(
      ENROL_PATH,
      {
        onRequest: limited,
        schema: {
          tags: ['enrolment'],
          summary: 'Exchange a one-time enrolment code for an agent token (no credential; rate-limited per address)',
          body: EnrolRequest,
          response: { 200: AgentCredential, ...errorResponses(400, 401, 429) },
        },
      },
      async (req) => {
        const body = req.body as EnrolRequest;
        const now = ctx.clock.now();
        const r = await enrolWithCode(ctx.meta, { code: body.code, name: body.name, credentialTtlMs: cfg.credentialTtlMs, now });
        if (!r.ok) {
          await ctx.meta.audit.record({
            actor: 'anonymous',
            from: req.ip,
            action: 'enrolment.refuse',
            target: r.code === undefined ? null : `enrolment:${r.code.id}`,
            practice: r.code?.practice ?? null,
            detail: { reason: r.reason, agent: body.name },
          });
          req.log.warn({ from: req.ip, reason: r.reason, enrolment: r.code?.id, agent: body.name }, 'enrolment refused');
          throw new N3monError(r.reason === 'taken' ? 'N3MON_ERR_REQUEST_INVALID' : 'N3MON_ERR_AUTH_INVALID', `enrolment refused: ${r.message}`);
        }
        const c = r.credential;
        await ctx.meta.audit.record({
          actor: `agent:${c.practice}/${c.agent}`,
          from: req.ip,
          action: 'enrolment.use',
          target: `enrolment:${r.code.id}`,
          practice: c.practice,
          detail: { agent: c.agent, token: c.id, uses: r.code.uses, maxUses: r.code.maxUses },
        });
        req.log.info({ from: req.ip, practice: c.practice, agent: c.agent, enrolment: r.code.id, tokenId: c.id }, 'agent enrolled');
        return c;
      },
    );

    // A token may be rotated a few times an hour (an answer lost on the way is asked again), not
    // used to fill the state database with tokens.
    const perToken = app.createRateLimit({
      max: ROTATIONS_PER_HOUR,
      timeWindow: 3_600_000,
      keyGenerator: (req) => `rotate:${req.agentIdentity?.tokenId ?? ''}`,
    });
    const rotationLimited = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
      const r = await perToken(req);
      if (r.isAllowed || !r.isExceeded) return;
      reply.header('retry-after', String(Math.max(1, r.ttlInSeconds)));
      throw new N3monError(
        'N3MON_ERR_RATE_LIMITED',
        `more than ${ROTATIONS_PER_HOUR} rotations of this token in an hour; retry after ${Math.max(1, r.ttlInSeconds)} s`,
      );
    };
    app.post(
      ROTATE_PATH,
      {
        onRequest: [ctx.auth.agent, rotationLimited],
        schema: {
          tags: ['enrolment'],
          summary: 'A new token for this agent; the presented one keeps working for enrolment.rotationOverlapMs',
          security: SECURITY.agent,
          response: { 200: AgentCredential, ...errorResponses(401, 429) },
        },
      },
      async (req) => {
        const who = req.agentIdentity!;
        const c = await rotateCredential(ctx.meta, who, { credentialTtlMs: cfg.credentialTtlMs, overlapMs: cfg.rotationOverlapMs, now: ctx.clock.now() });
        await ctx.meta.audit.record({
          ...auditActor(req),
          action: 'token.rotate',
          target: `token:${c.id}`,
          practice: c.practice,
          detail: { agent: c.agent, replaces: who.tokenId, expiresAt: c.expiresAt },
        });
        req.log.info({ practice: c.practice, agent: c.agent, tokenId: c.id, replaces: who.tokenId }, 'agent credential rotated');
        return c;
      },
    );
  });

  root.post(
    '/api/v1/enrolments',
    {
      onRequest: ctx.auth.apiKey,
      schema: {
        tags: ['enrolment'],
        summary: 'Create a one-time enrolment code for a practice (service desk); the code is shown once',
        security: SECURITY.reader,
        body: CreateBody,
        response: { 200: Created, ...errorResponses(400, 401, 403) },
      },
    },
    async (req) => {
      const body = req.body as { practice: string; uses: number; expiresInMs?: number };
      const reader = assertServiceDesk(req, 'creating an enrolment code', body.practice);
      const now = ctx.clock.now();
      const { code, row } = await createEnrolmentCode(ctx.meta, {
        practice: body.practice,
        uses: body.uses,
        expiresInMs: body.expiresInMs ?? cfg.codeTtlMs,
        createdBy: reader.actor,
        now,
      });
      await ctx.meta.audit.record({
        ...auditActor(req),
        action: 'enrolment.create',
        target: `enrolment:${row.id}`,
        practice: row.practice,
        detail: { uses: row.maxUses, expiresAt: row.expiresAt },
      });
      return { code, enrolment: codeView(row, now) };
    },
  );

  root.get(
    '/api/v1/enrolments',
    {
      onRequest: ctx.auth.apiKey,
      schema: {
        tags: ['enrolment'],
        summary: 'Enrolment codes, newest first (service desk; never the codes themselves)',
        security: SECURITY.reader,
        querystring: ListQuery,
        response: { 200: Type.Object({ items: Type.Array(CodeView) }), ...errorResponses(400, 401, 403) },
      },
    },
    async (req) => {
      const q = req.query as { practice?: string };
      assertServiceDesk(req, 'listing enrolment codes', q.practice);
      const now = ctx.clock.now();
      return { items: (await ctx.meta.enrolments.list(q.practice)).map((r) => codeView(r, now)) };
    },
  );

  root.delete(
    '/api/v1/enrolments/:id',
    {
      onRequest: ctx.auth.apiKey,
      schema: {
        tags: ['enrolment'],
        summary: 'Revoke an enrolment code (service desk)',
        security: SECURITY.reader,
        params: IdParams,
        response: { 200: CodeView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      const row = await ctx.meta.enrolments.get(id);
      assertServiceDesk(req, 'revoking an enrolment code', row?.practice);
      if (row === undefined) throw new N3monError('N3MON_ERR_NOT_FOUND', `no enrolment code with id ${id}`);
      const now = ctx.clock.now();
      if (await ctx.meta.enrolments.revoke(id, now))
        await ctx.meta.audit.record({
          ...auditActor(req),
          action: 'enrolment.revoke',
          target: `enrolment:${id}`,
          practice: row.practice,
          detail: { uses: row.uses },
        });
      return codeView((await ctx.meta.enrolments.get(id)) as EnrolmentCodeRow, now);
    },
  );
}

export const enrolmentRoutes: RouteModule = { name: 'enrolment', register };
