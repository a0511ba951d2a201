/**
 * The agent's side of pulled config (shared/src/pulled-config.ts):
 *
 *   GET  /api/v1/agent/config          agent token; If-None-Match → 304; else 200 PulledConfig + ETag
 *   POST /api/v1/agent/config/result   agent token; a ConfigApplyResult → 204 (shown in the practice's agents list)
 *
 * The only place secret values leave the collector decrypted: in the answer to the agent's own
 * token, for its own practice. Never logged (the log line says which variables were secret, not
 * their values).
 */
import Type from 'typebox';
import type { AppContext, TypedApp } from '../../context.ts';
import { N3monError } from '../../../../shared/src/errors.ts';
import { AGENT_CONFIG_PATH, AGENT_CONFIG_RESULT_PATH, ConfigApplyResult, PulledConfig } from '../../../../shared/src/pulled-config.ts';
import { errorResponses } from '../../plugins/errors.ts';
import { SECURITY } from '../../plugins/swagger.ts';
import type { ConfigService } from '../../config-templates/service.ts';

/** The tags an If-None-Match header lists (`"a", W/"b"` → a, b; `*` matches any). */
function ifNoneMatch(header: string | undefined): string[] {
  if (header === undefined) return [];
  return header.split(',').map((t) =>
    t
      .trim()
      .replace(/^W\//, '')
      .replace(/^"(.*)"$/, '$1'),
  );
}

export function agentConfigRoutes(app: TypedApp, ctx: AppContext, service: ConfigService): void {
  const log = ctx.log.child({ component: 'config-templates' });
  app.get(
    AGENT_CONFIG_PATH,
    {
      onRequest: ctx.auth.agent,
      schema: {
        tags: ['config'],
        summary: "The agent's effective checks: its practice's templates rendered with its values (agent token; conditional with If-None-Match)",
        security: SECURITY.agent,
        response: { 200: PulledConfig, 304: Type.Null({ description: 'unchanged since the ETag sent' }), ...errorResponses(401, 403, 404) },
      },
    },
    async (req, reply) => {
      const who = req.agentIdentity!;
      const { version, rendered } = await service.forAgent(who.practice);
      if (rendered.sources.length === 0) throw new N3monError('N3MON_ERR_NOT_FOUND', `no template or values are assigned to practice ${who.practice}`);
      if (rendered.problems.length > 0) {
        log.warn(
          { practice: who.practice, agent: who.agent, version, problems: rendered.problems.length, first: rendered.problems[0] },
          'config does not render for the practice',
        );
        throw new N3monError(
          'N3MON_ERR_NOT_FOUND',
          `the config of practice ${who.practice} does not render (${rendered.problems[0]}); the service desk must fill it in`,
        );
      }
      reply.header('etag', `"${rendered.etag}"`);
      reply.header('cache-control', 'no-store');
      const tags = ifNoneMatch(req.headers['if-none-match']);
      if (tags.includes(rendered.etag) || tags.includes('*')) return reply.code(304).send(null);
      log.info({ practice: who.practice, agent: who.agent, version, checks: rendered.checks.length, secrets: rendered.secretsUsed }, 'config sent to agent');
      return { version, etag: rendered.etag, practice: who.practice, checks: rendered.checks, sources: rendered.sources };
    },
  );

  app.post(
    AGENT_CONFIG_RESULT_PATH,
    {
      onRequest: ctx.auth.agent,
      schema: {
        tags: ['config'],
        summary: 'How applying a pulled config went (agent token)',
        security: SECURITY.agent,
        body: ConfigApplyResult,
        response: { 204: Type.Null({ description: 'Recorded.' }), ...errorResponses(400, 401, 403) },
      },
    },
    async (req, reply) => {
      const who = req.agentIdentity!;
      const body = req.body as ConfigApplyResult;
      const r = body.problem === undefined ? body : { ...body, problem: await service.redactSecrets(who.practice, body.problem) };
      await service.store.recordApply(who.practice, who.agent, r, ctx.clock.now());
      const fields = { practice: who.practice, agent: who.agent, version: r.version, running: r.running, ok: r.ok };
      if (r.ok) log.info(fields, 'agent applied config');
      else log.warn({ ...fields, problem: r.problem }, 'agent could not apply config; it runs its last good one');
      return reply.code(204).send(null);
    },
  );
}
