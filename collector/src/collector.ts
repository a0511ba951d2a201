/**
 * The collector's composition root: startCollector(config, { log }) opens meta.db and the series
 * store (via the storage registry), builds the app, listens, and runs store maintenance on a
 * timer. stop() is graceful: new requests get 503, in-flight ingests finish and are acknowledged,
 * then maintenance, store and meta.db close — in that order.
 */
import { ensurePrivateDir } from '../../shared/src/private-files.ts';
import type { AddressInfo } from 'node:net';
import type { Server as TlsServer } from 'node:tls';
import { systemClock, type Clock } from '../../shared/src/clock.ts';
import type { Logger } from '../../shared/src/log.ts';
import type { CollectorConfig } from './config/schema.ts';
import { openStore } from './storage/registry.ts';
import type { SeriesStore } from './storage/types.ts';
import { openMetaOn, type Meta } from './meta/index.ts';
import { openStateDb } from './meta/open-state.ts';
import { AUDIT_RETENTION_DAYS } from './meta/audit.ts';
import { buildApp } from './app.ts';
import type { Lifecycle, RouteModule, TypedApp } from './context.ts';
import type { IngestObserver, StatusProvider } from './status/provider.ts';
import { createAlerting, sleepMs, type Alerting } from './notifications/index.ts';
import { createReportComponent, type ReportComponent } from './reports/component.ts';
import { describeCert, readServerTls } from './listen-tls.ts';
import { openHa, type Ha } from './ha/index.ts';
import type { AgentActivity } from './status/activity.ts';

const DAY_MS = 86_400_000;
/** storage.indexRefreshMs when the state is on PostgreSQL and the config does not say (collector/src/ha/README.md). */
export const SHARED_INDEX_REFRESH_MS = 10_000;

export interface StartOptions {
  log: Logger;
  clock?: Clock;
  status?: StatusProvider;
  observers?: readonly IngestObserver[];
  routes?: readonly RouteModule[];
  /** Called with meta.db open, before the app is built (e.g. alerting migrates its tables). */
  onMeta?: (meta: Meta) => void | Promise<void>;
}

export interface RunningCollector {
  app: TypedApp;
  /** Base URL, e.g. http://127.0.0.1:8080 (a wildcard listen address is shown as loopback). */
  url: string;
  meta: Meta;
  store: SeriesStore;
  /** Rules, alerts and notifications (collector/src/notifications/). */
  alerting: Alerting;
  /** Monthly reports: service, routes, schedule (collector/src/reports/). */
  reports: ReportComponent;
  /** Leases and the shared agent activity when several collectors share the state (collector/src/ha/). */
  ha: Ha;
  /**
   * Graceful stop: no new requests; requests in flight get `graceMs` (default 10 s) to finish,
   * then connections still open are cut; then the stores close. Idempotent.
   */
  stop(opts?: { graceMs?: number }): Promise<void>;
  /**
   * Re-read listen.tls's certificate, key and CA (SIGHUP): new handshakes get them, connections
   * already open keep theirs. Unusable files leave the old ones in place (logged, reload false).
   * Without listen.tls: false.
   */
  reloadTls(): boolean;
}

/** Open the configured series store through the storage registry. */
export function openSeriesStore(config: CollectorConfig, log: Logger, clock?: Clock): SeriesStore {
  return openStore(config.storage.backend, {
    dataDir: config.dataDir,
    retention: config.storage.retention,
    log,
    ...(clock === undefined ? {} : { clock }),
    // Several collectors (state on PostgreSQL) share the series store: its index learns the others' series.
    settings:
      config.state.backend === 'postgres' && config.storage.indexRefreshMs === undefined
        ? { ...config.storage, indexRefreshMs: SHARED_INDEX_REFRESH_MS }
        : config.storage,
  });
}

function urlOf(addr: AddressInfo, tls: boolean): string {
  const wildcard = addr.address === '0.0.0.0' || addr.address === '::';
  const host = wildcard ? '127.0.0.1' : addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return `${tls ? 'https' : 'http'}://${host}:${addr.port}`;
}

export async function startCollector(config: CollectorConfig, opts: StartOptions): Promise<RunningCollector> {
  const clock = opts.clock ?? systemClock;
  const log = opts.log;
  ensurePrivateDir(config.dataDir);
  // Unusable certificate files were refused by the config check; read them before opening anything.
  const https = config.listen.tls === undefined ? undefined : readServerTls(config.listen.tls);
  // The state database the config names (SQLite's meta.db by default, or PostgreSQL), reached and migrated first.
  const meta = await openMetaOn(await openStateDb(config.state, { dataDir: config.dataDir, log }));
  let store: SeriesStore | undefined;
  let app: TypedApp | undefined;
  let alerting: Alerting | undefined;
  let reports: ReportComponent | undefined;
  let ha: Ha | undefined;
  let activity: AgentActivity | undefined;
  const lifecycle: Lifecycle = { shuttingDown: false };
  try {
    await meta.practices.syncFromConfig(config.practices, clock.now());
    await opts.onMeta?.(meta);
    ha = await openHa({ state: meta.state, log, clock, ...(config.state.backend === 'postgres' ? { ttlMs: config.state.leaseTtlMs } : {}) });
    alerting = await createAlerting({ config, meta, log, clock, role: ha.alerting });
    store = openSeriesStore(config, log, clock);
    await store.ready?.();
    await alerting.start(store);
    reports = createReportComponent({
      config,
      meta,
      store,
      calendar: alerting.calendar,
      thresholds: alerting.profiles,
      alerts: alerting.alerts,
      maintenance: alerting.maintenance,
      clock,
      log,
      sleep: (ms) => sleepMs(ms),
    });
    app = await buildApp({
      config,
      log,
      store,
      meta,
      clock,
      lifecycle,
      status: opts.status ?? alerting.status,
      observers: [alerting.observer, ...(opts.observers ?? [])],
      routes: [
        ...alerting.routes,
        reports.routes,
        // The agents' activity the read API shows, for the HA feed below (built by buildApp).
        { name: 'ha-activity', register: (_app, ctx) => void (activity = ctx.activity) },
        ...(opts.routes ?? []),
      ],
      ...(https === undefined ? {} : { https }),
    });
    await app.listen({ host: config.listen.host, port: config.listen.port });
    const ev = alerting;
    await ha.start({
      source: meta.batches,
      targets: [(n) => ev.evaluator?.noteActivity(n), (n) => activity?.seen(n.practice, n.agent, n.lastSeen)],
    });
    reports.start({ lease: ha.lease('reports') });
  } catch (err) {
    await app?.close();
    await reports?.stop();
    await alerting?.stop();
    await ha?.stop();
    await store?.close();
    await meta.close();
    throw err;
  }
  const openedAlerting = alerting;
  const openedReports = reports;
  const openedStore = store;
  const openedHa = ha;
  const url = urlOf(app.server.address() as AddressInfo, https !== undefined);
  const tlsLog = log.child({ component: 'tls' });
  if (https !== undefined) tlsLog.info({ ...describeCert(https.cert), mutual: https.requestCert }, 'serving HTTPS');
  const server = app.server as unknown as Partial<TlsServer>;
  const reloadTls = (): boolean => {
    const tls = config.listen.tls;
    if (tls === undefined || typeof server.setSecureContext !== 'function') {
      tlsLog.warn({}, 'reload asked for but listen.tls is not configured; nothing to reload');
      return false;
    }
    try {
      const next = readServerTls(tls);
      server.setSecureContext({ cert: next.cert, key: next.key, ...(next.ca === undefined ? {} : { ca: next.ca }) });
      tlsLog.info({ ...describeCert(next.cert), certFile: tls.certFile }, 'certificate reloaded; new connections use it');
      return true;
    } catch (err) {
      tlsLog.error({ err: (err as Error).message, certFile: tls.certFile }, 'certificate reload failed; still serving the previous certificate');
      return false;
    }
  };
  const maintainLog = log.child({ component: 'maintenance' });

  let maintaining: Promise<void> | undefined;
  const maintain = async (): Promise<void> => {
    const started = clock.monotonic();
    // Rollups, retention and pruning: one collector at a time (the 'storage-maintenance' lease).
    if (!openedHa.holds('storage-maintenance')) return;
    try {
      await openedStore.maintain(clock.now());
      const pruned = await meta.batches.prune(clock.now() - config.ingest.batchIdRetentionDays * DAY_MS);
      const auditPruned = await meta.audit.prune(clock.now() - AUDIT_RETENTION_DAYS * DAY_MS);
      maintainLog.debug({ ms: Math.round(clock.monotonic() - started), batchIdsPruned: pruned, auditPruned }, 'maintenance done');
    } catch (err) {
      maintainLog.error({ err }, 'maintenance failed; will retry at the next interval');
    }
  };
  const timer = setInterval(() => {
    if (maintaining !== undefined) return; // the previous run is still going
    maintaining = maintain().finally(() => {
      maintaining = undefined;
    });
  }, config.storage.maintenanceIntervalMs);
  timer.unref();

  log.info({ url, dataDir: config.dataDir, store: openedStore.backend, practices: config.practices.length }, 'collector listening');

  let stopping: Promise<void> | undefined;
  const stop = (stopOpts: { graceMs?: number } = {}): Promise<void> => {
    stopping ??= (async () => {
      lifecycle.shuttingDown = true;
      clearInterval(timer);
      const graceMs = stopOpts.graceMs ?? 10_000;
      log.info({ graceMs }, 'collector stopping: finishing requests in flight');
      const cut = setTimeout(() => {
        log.warn({ graceMs }, 'requests still open after the grace period; closing their connections');
        app.server.closeAllConnections();
      }, graceMs);
      try {
        await app.close(); // waits for in-flight requests; their ingests are acknowledged
      } finally {
        clearTimeout(cut);
      }
      await openedAlerting.stop(); // last evaluation round saved, deliveries in flight finish
      await openedReports.stop(); // a monthly generation in progress finishes
      await maintaining;
      await openedHa.stop();
      await openedStore.close();
      await meta.close();
      log.info({}, 'collector stopped');
    })();
    return stopping;
  };

  return { app, url, meta, store: openedStore, alerting: openedAlerting, reports: openedReports, ha: openedHa, stop, reloadTls };
}
