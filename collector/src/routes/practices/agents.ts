/**
 * GET  /api/v1/practices/:ods/agents               a practice's agents: version, platform, last seen, address, credential age
 * POST /api/v1/practices/:ods/agents/:name/revoke  service desk: revoke every token of the agent (its next request gets 401)
 */
import Type from 'typebox';
import { N3monError } from '../../../../shared/src/errors.ts';
import type { AppContext, RouteModule, TypedApp } from '../../context.ts';
import { errorResponses } from '../../plugins/errors.ts';
import { assertCanRead, assertServiceDesk, auditActor } from '../../plugins/auth.ts';
import { SECURITY } from '../../plugins/swagger.ts';
import { AgentName, OdsCode } from '../../config/schema.ts';
import { agentsOf, type AgentView } from '../enrolment/service.ts';
import { OdsParams } from './schemas.ts';
import { isoOrNull, practiceOr404 } from './index.ts';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const AgentItem = Type.Object({
  name: Type.String(),
  version: Nullable(Type.String({ description: "From the agent's User-Agent (n3mon-agent/<version>) at its last push." })),
  platform: Nullable(Type.String({ description: 'e.g. linux-x64, win32-x64.' })),
  address: Nullable(Type.String({ description: 'Client address of its last push.' })),
  createdAt: Type.String(),
  lastSeen: Nullable(Type.String({ description: 'Collector clock at its last acknowledged batch.' })),
  credential: Type.Union([
    Type.Object({
      id: Type.String(),
      createdAt: Type.String(),
      expiresAt: Nullable(Type.String()),
      ageMs: Type.Integer({ description: 'Age of its newest live token.' }),
    }),
    Type.Null(),
  ]),
  liveCredentials: Type.Integer({ description: '0: revoked (or expired) — its next push gets 401.' }),
  config: Type.Union(
    [
      Type.Object({
        running: Type.Integer({ description: 'The pulled config version it runs (0: its local file only).' }),
        lastApply: Type.Object({
          version: Type.Integer({ description: 'The version it last tried to apply.' }),
          ok: Type.Boolean(),
          problem: Nullable(Type.String({ description: 'Why it failed (`path: message`); it runs `running`.' })),
          at: Type.String({ description: 'Agent clock.' }),
        }),
      }),
      Type.Null(),
    ],
    { description: 'Pulled config (docs/configuration.md); null until it reports an apply.' },
  ),
});
const AgentList = Type.Object({ practice: Type.String(), agents: Type.Array(AgentItem) });
const AgentParams = Type.Object({ ods: OdsCode, name: AgentName }, { additionalProperties: false });

export const agentItem = (a: AgentView) => ({
  ...a,
  createdAt: new Date(a.createdAt).toISOString(),
  lastSeen: isoOrNull(a.lastSeen),
  config:
    a.config === null
      ? null
      : {
          running: a.config.running,
          lastApply: {
            version: a.config.lastApply.version,
            ok: a.config.lastApply.ok,
            problem: a.config.lastApply.problem,
            at: new Date(a.config.lastApply.at).toISOString(),
          },
        },
  credential:
    a.credential === null ? null : { ...a.credential, createdAt: new Date(a.credential.createdAt).toISOString(), expiresAt: isoOrNull(a.credential.expiresAt) },
});

export const agentRoutes: RouteModule = {
  name: 'practice-agents',
  register(app: TypedApp, ctx: AppContext): void {
    app.get(
      '/api/v1/practices/:ods/agents',
      {
        onRequest: ctx.auth.apiKey,
        schema: {
          tags: ['practices'],
          summary: "A practice's agents with version, last seen, address and credential age",
          security: SECURITY.reader,
          params: OdsParams,
          response: { 200: AgentList, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (req) => {
        const { ods } = req.params as { ods: string };
        assertCanRead(req, ods);
        await practiceOr404(ctx, ods);
        return { practice: ods, agents: (await agentsOf(ctx.meta, ods, ctx.clock.now())).map(agentItem) };
      },
    );
    app.post(
      '/api/v1/practices/:ods/agents/:name/revoke',
      {
        onRequest: ctx.auth.apiKey,
        schema: {
          tags: ['practices'],
          summary: 'Revoke every token of an agent (service desk); its next request gets 401',
          security: SECURITY.reader,
          params: AgentParams,
          response: { 200: Type.Object({ revoked: Type.Integer() }), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (req) => {
        const { ods, name } = req.params as { ods: string; name: string };
        assertServiceDesk(req, 'revoking an agent', ods);
        if (!(await ctx.meta.agents.list(ods)).some((a) => a.name === name))
          throw new N3monError('N3MON_ERR_NOT_FOUND', `practice ${ods} has no agent ${name}`);
        const revoked = await ctx.meta.credentials.revokeAgentTokens(ods, name, ctx.clock.now());
        await ctx.meta.audit.record({ ...auditActor(req), action: 'agent.revoke', target: `agent:${ods}/${name}`, practice: ods, detail: { revoked } });
        return { revoked };
      },
    );
  },
};
