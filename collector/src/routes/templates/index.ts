/**
 * Templated agent config, for the service desk (docs/configuration.md, docs/api.md):
 *
 *   GET    /api/v1/config/templates                  templates with their assignment
 *   GET    /api/v1/config/templates/:name            one template's YAML source
 *   PUT    /api/v1/config/templates/:name            { source, practices: "all" | [ODS] }  → { version }
 *   DELETE /api/v1/config/templates/:name                                                  → { version }
 *   GET    /api/v1/practices/:ods/config/values      a practice's values (secrets as { secret: true, set: true }) and extra checks
 *   PUT    /api/v1/practices/:ods/config/values      { values, extraChecks? }                → { version }
 *   GET    /api/v1/practices/:ods/config/preview     the rendering (secrets redacted) + diff against what its agents run
 *   GET    /api/v1/config/versions                   versions, newest first: who, when, what
 *   POST   /api/v1/config/rollback                   { version } → its snapshot published as a new version
 *   GET    /api/v1/catalogue                         the national application catalogue
 *
 * Every one needs the service desk (a servicedesk key or user, or an admin): reads too, as values
 * and templates describe every practice's network. A change validates the new snapshot for every
 * practice it concerns before anything is published (400 with every problem otherwise).
 */
import type { FastifyRequest } from 'fastify';
import type { AppContext, RouteModule, TypedApp } from '../../context.ts';
import { N3monError } from '../../../../shared/src/errors.ts';
import { errorResponses } from '../../plugins/errors.ts';
import { assertServiceDesk, auditActor } from '../../plugins/auth.ts';
import { SECURITY } from '../../plugins/swagger.ts';
import { loadCatalogue } from '../../config-templates/catalogue.ts';
import { readSecretKey, secretBox } from '../../config-templates/secrets.ts';
import { ConfigService } from '../../config-templates/service.ts';
import { templatesFor } from '../../config-templates/render.ts';
import { parseSource } from '../../config-templates/template.ts';
import { practiceOr404 } from '../practices/index.ts';
import { agentConfigRoutes } from './agent.ts';
import { previewOf } from './preview.ts';
import {
  CatalogueList,
  PracticeParams,
  PreviewView,
  Published,
  RollbackBody,
  TemplateBody,
  TemplateList,
  TemplateParams,
  TemplateView,
  ValuesBody,
  ValuesView,
  VersionList,
  VersionsQuery,
} from './schemas.ts';

/** Build the service from the collector's config: the catalogue and the key are read once, here, at start. */
export async function createConfigService(ctx: Pick<AppContext, 'config' | 'meta' | 'log' | 'clock'>): Promise<ConfigService> {
  const { secretKeyFile, catalogueDir } = ctx.config.configTemplates;
  const key = secretKeyFile === undefined ? undefined : readSecretKey(secretKeyFile);
  const catalogue = loadCatalogue(catalogueDir);
  const log = ctx.log.child({ component: 'config-templates' });
  const service = await ConfigService.open({ meta: ctx.meta, catalogue, key, box: key === undefined ? undefined : secretBox(key), log, clock: ctx.clock });
  log.info({ catalogue: catalogue.size, secretKey: key !== undefined, version: await service.store.currentVersion() }, 'templated config ready');
  return service;
}

async function unknownPractices(ctx: AppContext, practices: TemplateBody['practices']): Promise<string[]> {
  if (practices === 'all') return [];
  const known = new Set(await ctx.meta.practices.codes());
  return practices.flatMap((p, i) => (known.has(p) ? [] : [`body.practices[${i}]: practice ${p} is not known to the collector`]));
}

export const templateRoutes: RouteModule = {
  name: 'config-templates',
  async register(app: TypedApp, ctx: AppContext): Promise<void> {
    const service = await createConfigService(ctx);
    // The role is checked before the body is validated: a practice principal learns nothing of the schema.
    const deskOnly = async (req: FastifyRequest) => {
      assertServiceDesk(req, 'templated config (templates, practice values, versions, the catalogue)');
    };
    const common = { onRequest: ctx.auth.apiKey, preValidation: deskOnly };
    const tags = ['config'];
    const who = (req: FastifyRequest) => auditActor(req);

    app.get(
      '/api/v1/config/templates',
      {
        ...common,
        schema: { tags, summary: 'Templates with their assignment', security: SECURITY.reader, response: { 200: TemplateList, ...errorResponses(401, 403) } },
      },
      async () => {
        const { version, snapshot } = await service.store.current();
        const templates = Object.entries(snapshot.templates)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([name, t]) => {
            const p = parseSource(`template ${name}`, t.source, 'template');
            return { name, practices: t.practices, include: [...p.include], checks: p.checks.length };
          });
        return { version, templates };
      },
    );

    app.get(
      '/api/v1/config/templates/:name',
      {
        ...common,
        schema: {
          tags,
          summary: "One template's YAML source",
          security: SECURITY.reader,
          params: TemplateParams,
          response: { 200: TemplateView, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (req) => {
        const { name } = req.params as { name: string };
        const { version, snapshot } = await service.store.current();
        const t = snapshot.templates[name];
        if (t === undefined) throw new N3monError('N3MON_ERR_NOT_FOUND', `no template ${name}`);
        const p = parseSource(`template ${name}`, t.source, 'template');
        return { name, source: t.source, practices: t.practices, include: [...p.include], checks: p.checks.length, version };
      },
    );

    app.put(
      '/api/v1/config/templates/:name',
      {
        ...common,
        schema: {
          tags,
          summary: 'Create or replace a template; validated for every assigned practice, then published as a new version',
          security: SECURITY.reader,
          params: TemplateParams,
          body: TemplateBody,
          response: { 200: Published, ...errorResponses(400, 401, 403) },
        },
      },
      async (req) => {
        const { name } = req.params as { name: string };
        const body = req.body as TemplateBody;
        const problems = await unknownPractices(ctx, body.practices);
        if (problems.length > 0) throw new N3monError('N3MON_ERR_REQUEST_INVALID', 'unknown practices', { problems });
        return { version: await service.putTemplate(name, body, who(req)) };
      },
    );

    app.delete(
      '/api/v1/config/templates/:name',
      {
        ...common,
        schema: {
          tags,
          summary: 'Delete a template (a new version)',
          security: SECURITY.reader,
          params: TemplateParams,
          response: { 200: Published, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (req) => {
        return { version: await service.deleteTemplate((req.params as { name: string }).name, who(req)) };
      },
    );

    app.get(
      '/api/v1/practices/:ods/config/values',
      {
        ...common,
        schema: {
          tags,
          summary: "A practice's values (secrets never returned) and extra checks",
          security: SECURITY.reader,
          params: PracticeParams,
          response: { 200: ValuesView, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (req) => {
        const { ods } = req.params as { ods: string };
        await practiceOr404(ctx, ods);
        const { version, snapshot } = await service.store.current();
        const own = snapshot.practices[ods];
        const values = Object.fromEntries(
          Object.entries(own?.values ?? {}).map(([k, v]) => [k, 'plain' in v ? v.plain : { secret: true as const, set: true as const }]),
        );
        return { practice: ods, version, values, extraChecks: own?.extraChecks ?? '', templates: templatesFor(snapshot, ods) };
      },
    );

    app.put(
      '/api/v1/practices/:ods/config/values',
      {
        ...common,
        schema: {
          tags,
          summary: "Replace a practice's values and extra checks; validated, then published as a new version",
          security: SECURITY.reader,
          params: PracticeParams,
          body: ValuesBody,
          response: { 200: Published, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (req) => {
        const { ods } = req.params as { ods: string };
        await practiceOr404(ctx, ods);
        return { version: await service.putValues(ods, req.body as ValuesBody, who(req)) };
      },
    );

    app.get(
      '/api/v1/practices/:ods/config/preview',
      {
        ...common,
        schema: {
          tags,
          summary: 'The rendered checks of a practice (secrets redacted) and the diff against what its agents run now',
          security: SECURITY.reader,
          params: PracticeParams,
          response: { 200: PreviewView, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (req) => {
        const { ods } = req.params as { ods: string };
        await practiceOr404(ctx, ods);
        return previewOf(service, ctx.meta, ods);
      },
    );

    app.get(
      '/api/v1/config/versions',
      {
        ...common,
        schema: {
          tags,
          summary: 'Config versions, newest first',
          security: SECURITY.reader,
          querystring: VersionsQuery,
          response: { 200: VersionList, ...errorResponses(400, 401, 403) },
        },
      },
      async (req) => {
        const q = req.query as { limit: number; offset: number };
        const { total, items } = await service.store.versions(q.limit, q.offset);
        return { current: await service.store.currentVersion(), total, items: items.map((v) => ({ ...v, at: new Date(v.at).toISOString() })) };
      },
    );

    app.post(
      '/api/v1/config/rollback',
      {
        ...common,
        schema: {
          tags,
          summary: "Publish an earlier version's snapshot again, as a new version (validated like any change)",
          security: SECURITY.reader,
          body: RollbackBody,
          response: { 200: Published, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (req) => {
        return { version: await service.rollback((req.body as { version: number }).version, who(req)) };
      },
    );

    app.get(
      '/api/v1/catalogue',
      {
        ...common,
        schema: {
          tags,
          summary: 'The national application catalogue',
          security: SECURITY.reader,
          response: { 200: CatalogueList, ...errorResponses(401, 403) },
        },
      },
      async () => {
        return { entries: [...service.catalogue.values()].map((e) => e.entry) };
      },
    );

    agentConfigRoutes(app, ctx, service);
  },
};
