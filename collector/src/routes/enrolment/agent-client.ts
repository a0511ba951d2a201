/**
 * An onRequest hook for agent-token routes (after the token is verified): records the agent's
 * version and platform (its User-Agent, shared/src/agent-credential.ts) and the address it pushed
 * from, and tells it when its token expires and when to renew it (CREDENTIAL_HEADERS). The row is
 * written only when something changed.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CREDENTIAL_HEADERS, parseAgentUserAgent } from '../../../../shared/src/agent-credential.ts';
import type { AppContext } from '../../context.ts';
import { renewAt } from './service.ts';

export function noteAgentClient(ctx: AppContext) {
  // What was last written per agent: an unchanged push costs no statement (an UPDATE that matches
  // nothing still takes SQLite's write lock). One entry per agent that pushed since the start.
  const noted = new Map<string, string>();
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const who = req.agentIdentity;
    if (who === null) return;
    const ua = parseAgentUserAgent(req.headers['user-agent']);
    const client = { version: ua?.version ?? null, platform: ua?.platform ?? null, address: req.ip };
    const key = `${who.practice}/${who.agent}`;
    const seen = `${client.version}|${client.platform}|${client.address}`;
    if (noted.get(key) !== seen) {
      await ctx.meta.agents.noteClient(who.practice, who.agent, client);
      noted.set(key, seen);
    }
    if (who.expiresAt !== null && who.expiresAt !== undefined) {
      reply.header(CREDENTIAL_HEADERS.expiresAt, String(who.expiresAt));
      reply.header(CREDENTIAL_HEADERS.renewAt, String(renewAt(who.createdAt ?? who.expiresAt, who.expiresAt)));
    }
  };
}
