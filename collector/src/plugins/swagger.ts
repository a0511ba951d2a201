/**
 * The OpenAPI document (OpenAPI 3.1), generated from the route schemas by @fastify/swagger.
 * Register before any route. `GET /openapi.json` itself is served by routes/metrics/ (with
 * /metrics, behind the same access rule: plugins/ops-access.ts).
 */
import swagger from '@fastify/swagger';
import type { TypedApp } from '../context.ts';

export const SECURITY = {
  agent: [{ agentToken: [] }],
  reader: [{ apiKey: [] }],
};

export async function registerSwagger(app: TypedApp, opts: { version: string }): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'n3mon collector API',
        version: opts.version,
        description:
          'Ingest from agents and the read API for dashboards. Errors: `{ statusCode, code, error, message, problems? }` (docs/api.md, docs/errors.md).',
      },
      components: {
        securitySchemes: {
          agentToken: { type: 'http', scheme: 'bearer', description: 'Agent token from `n3mon token create` (n3a_…).' },
          apiKey: { type: 'http', scheme: 'bearer', description: 'API key from `n3mon apikey create` (n3k_…).' },
        },
      },
      tags: [
        { name: 'ingest', description: 'Agents push samples.' },
        { name: 'read', description: 'Practices, status and series.' },
        { name: 'ops', description: 'Health, metrics, this document.' },
      ],
    },
  });
}
