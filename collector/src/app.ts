/**
 * buildApp(deps): the collector's Fastify instance, built apart from listen() so tests drive it
 * with inject() or a real socket. Deps come from the composition root (./collector.ts); nothing
 * here opens files or sockets.
 */
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { systemClock, type Clock } from '../../shared/src/clock.ts';
import { N3monError } from '../../shared/src/errors.ts';
import type { Logger } from '../../shared/src/log.ts';
import pkg from '../../package.json' with { type: 'json' };
import type { CollectorConfig } from './config/schema.ts';
import type { SeriesStore } from './storage/types.ts';
import type { Meta } from './meta/index.ts';
import type { AppContext, Lifecycle, RouteModule, TypedApp } from './context.ts';
import type { IngestObserver, StatusProvider } from './status/provider.ts';
import { AgentActivity } from './status/activity.ts';
import { LatestProbeStatus } from './status/latest-probe.ts';
import { Ingestor } from './ingest/ingestor.ts';
import { SeriesLimiter } from './ingest/series-limit.ts';
import { createCollectorMetrics } from './metrics/collector-metrics.ts';
import { registerErrorHandling } from './plugins/errors.ts';
import { registerJsonBody } from './plugins/body.ts';
import { registerAuth } from './plugins/auth.ts';
import { registerSwagger } from './plugins/swagger.ts';
import { registerSecurityHeaders } from './plugins/security-headers.ts';
import { typeboxValidatorCompiler } from './plugins/validation.ts';
import { CORE_ROUTES } from './routes/index.ts';
import type { ServerTlsOptions } from './listen-tls.ts';

export interface AppDeps {
  config: CollectorConfig;
  log: Logger;
  store: SeriesStore;
  meta: Meta;
  clock?: Clock;
  /** Replaces the default status (latest probe_success per check). */
  status?: StatusProvider;
  /** Told about every acknowledged batch, after the built-in ones. */
  observers?: readonly IngestObserver[];
  /** Route modules served besides the core ones (e.g. alerts). */
  routes?: readonly RouteModule[];
  lifecycle?: Lifecycle;
  /** Serve HTTPS with these (listen.tls, read by the composition root); plain HTTP without. */
  https?: ServerTlsOptions;
}

export interface RouteInfo {
  method: string;
  url: string;
  /** `schema.hide`: left out of /openapi.json on purpose. */
  hidden: boolean;
}

const registered = new WeakMap<object, RouteInfo[]>();

/** Every route the app serves (HEAD twins left out), as Fastify registered them. For tests and docs. */
export function routesOf(app: TypedApp): readonly RouteInfo[] {
  return registered.get(app) ?? [];
}

function isObserver(x: unknown): x is IngestObserver {
  return typeof (x as Partial<IngestObserver>).onBatch === 'function';
}

/** Paths still served while shutting down (so a load balancer can see the 503 from /healthz). */
const OPEN_WHILE_STOPPING = new Set(['/healthz', '/metrics']);

export async function buildApp(deps: AppDeps): Promise<TypedApp> {
  const clock = deps.clock ?? systemClock;
  const lifecycle = deps.lifecycle ?? { shuttingDown: false };
  const { meta, store, config } = deps;

  const app = Fastify({
    loggerInstance: deps.log.child({ component: 'http' }) as FastifyBaseLogger,
    // Two info lines per request would flood the log at thousands of agents; see the onResponse hook.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: false,
    requestTimeout: 120_000,
    bodyLimit: 1024 * 1024,
    // Only the configured proxies' X-Forwarded-For is believed (req.ip: sign-in limits, logs, audit).
    trustProxy: (config.listen.trustProxy ?? []).length > 0 ? [...config.listen.trustProxy] : false,
    // An https.Server has the http.Server API the app uses (plus setSecureContext for SIGHUP).
    ...((deps.https === undefined ? {} : { https: deps.https }) as object),
  }).withTypeProvider<TypeBoxTypeProvider>();
  const routes: RouteInfo[] = [];
  registered.set(app, routes);
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) {
      if (method !== 'HEAD') routes.push({ method, url: r.url, hidden: (r.schema as { hide?: boolean } | undefined)?.hide === true });
    }
  });
  app.setValidatorCompiler(typeboxValidatorCompiler);
  registerErrorHandling(app);
  registerJsonBody(app);
  // nosniff, no framing, Referrer-Policy, the default CSP, HSTS over HTTPS: every response, errors included.
  registerSecurityHeaders(app, { httpsAlways: config.ui.secureCookies === 'always' });
  await registerSwagger(app, { version: pkg.version });
  const auth = registerAuth(app, meta, { requireClientCert: deps.https?.requestCert === true });

  const activity = new AgentActivity(await meta.agents.all());
  let status = deps.status;
  if (status === undefined) {
    const latest = new LatestProbeStatus({ lastSeen: (p) => activity.lastSeen(p) });
    const started = clock.monotonic();
    const series = await latest.warm(store, clock.now());
    deps.log.info({ series, ms: Math.round(clock.monotonic() - started) }, 'status: latest probe results loaded');
    status = latest;
  }
  const ingestLog = deps.log.child({ component: 'ingest' });
  const limiter = new SeriesLimiter({ store, clock, log: ingestLog, limits: config.ingest });
  const metrics = createCollectorMetrics({
    clock,
    store,
    status,
    practices: () => meta.practices.known().map((p) => p.ods),
    seriesTracked: () => limiter.tracked,
  });
  const observers = [activity, ...(isObserver(status) ? [status] : []), ...(deps.observers ?? [])];
  const ingestor = new Ingestor({ store, meta, clock, observers, log: ingestLog, counters: metrics.counters, limiter });
  const ctx: AppContext = { config, log: deps.log, store, meta, clock, status, activity, ingestor, metrics, lifecycle, auth };

  app.addHook('onRequest', async (req) => {
    if (lifecycle.shuttingDown && !OPEN_WHILE_STOPPING.has(req.url.split('?')[0] ?? '')) {
      throw new N3monError('N3MON_ERR_UNAVAILABLE', 'the collector is shutting down; retry shortly');
    }
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    // While stopping, do not keep connections alive: the stop would wait for them to idle out.
    if (lifecycle.shuttingDown) reply.header('Connection', 'close');
    return payload;
  });
  app.addHook('onResponse', async (req, reply) => {
    req.log.debug({ method: req.method, route: req.routeOptions.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });
  app.addHook('onClose', async () => metrics.close());

  for (const r of [...CORE_ROUTES, ...(deps.routes ?? [])]) await r.register(app, ctx);
  return app;
}
