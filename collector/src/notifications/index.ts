/**
 * Alerting as the collector's composition root wires it: thresholds and calendar from the config,
 * the alert and maintenance stores in the state database (meta.state), the rule evaluator on a
 * timer, the alert manager, notifications through the channel registry, the rule-state
 * StatusProvider and the routes.
 *
 *   const alerting = await createAlerting({ config, meta, log, clock });   // before buildApp
 *   startCollector(… status: alerting.status, observers: [alerting.observer], routes: alerting.routes)
 *   await alerting.start(store);  …  await alerting.stop();   // stop waits for stored progress
 */
import { systemClock, type Clock } from '../../../shared/src/clock.ts';
import { N3monError } from '../../../shared/src/errors.ts';
import type { Logger } from '../../../shared/src/log.ts';
import type { RouteModule } from '../context.ts';
import type { Meta } from '../meta/index.ts';
import type { SeriesStore } from '../storage/types.ts';
import type { IngestObserver } from '../status/provider.ts';
import { calendarFromConfig, type CalendarConfig, type CoreCalendar } from '../../../shared/src/calendar/core-hours.ts';
import { createEvaluator, type RuleEvaluator, type TickReport } from '../evaluation/evaluator.ts';
import { loadThresholds, type ThresholdProfiles } from '../evaluation/profile.ts';
import type { ThresholdsConfig } from '../evaluation/profile-schema.ts';
import { AlertManager } from '../alerts/manager.ts';
import { MaintenanceStore } from '../alerts/maintenance.ts';
import { ALERT_STATE_MIGRATIONS } from '../alerts/schema.ts';
import { AlertStore } from '../alerts/store.ts';
import { alertRoutes } from '../routes/alerts/index.ts';
import { maintenanceRoutes } from '../routes/maintenance/index.ts';
import type { AlertingConfig } from './config.ts';
import { CHANNELS, channelFor } from './channels/registry.ts';
import type { Channel, ChannelEnv, ChannelKind } from './channels/types.ts';
import { Notifier } from './notifier.ts';
import { DEFAULT_INCIDENTS, type IncidentsConfig } from '../incidents/config.ts';
import { IncidentCorrelator } from '../incidents/correlator.ts';
import { monitoringByKey } from '../incidents/monitoring.ts';
import { IncidentStore } from '../incidents/store.ts';
import { incidentRoutes } from '../routes/incidents/index.ts';
import { RuleStatus } from './status.ts';
import { gatedSink, reconcileAtTakeover, type AlertingRole } from '../ha/alerting-role.ts';

export interface AlertingSettings {
  organisation: { name: string };
  thresholds: ThresholdsConfig;
  calendar: CalendarConfig;
  alerting: AlertingConfig;
  notifications: ReadonlyArray<{ kind: string }>;
  /** National incidents (default: DEFAULT_INCIDENTS). */
  incidents?: IncidentsConfig;
  /** Practices' national-link providers (`practices[].provider`). */
  practices?: ReadonlyArray<{ ods: string; provider?: string | undefined }>;
}

export interface AlertingDeps {
  config: AlertingSettings;
  meta: Meta;
  log: Logger;
  clock?: Clock;
  /** Channel kinds (default: the registry). */
  channels?: readonly ChannelKind[];
  /** Waits between delivery retries (tests pass a fast one). */
  sleep?: ChannelEnv['sleep'];
  /**
   * The 'alerting' lease when several collectors share the state (collector/src/ha/): without it
   * this collector writes, correlates and notifies; while it does not hold it, it only evaluates.
   */
  role?: AlertingRole;
}

export interface Alerting {
  readonly profiles: ThresholdProfiles;
  readonly calendar: CoreCalendar;
  readonly alerts: AlertStore;
  readonly maintenance: MaintenanceStore;
  readonly manager: AlertManager;
  readonly notifier: Notifier;
  readonly incidents: IncidentStore;
  readonly correlator: IncidentCorrelator;
  readonly status: RuleStatus;
  readonly observer: IngestObserver;
  readonly routes: readonly RouteModule[];
  /** The evaluator, once started. */
  readonly evaluator: RuleEvaluator | undefined;
  /** Start evaluating on a timer (`alerting.tickMs`). */
  start(store: SeriesStore, opts?: { timer?: boolean }): Promise<void>;
  /** One evaluation round: evaluate, store progress, refresh status, send what is due. */
  tick(): Promise<TickReport | undefined>;
  stop(): Promise<void>;
}

export function sleepMs(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export async function createAlerting(deps: AlertingDeps): Promise<Alerting> {
  const clock = deps.clock ?? systemClock;
  const log = deps.log.child({ component: 'alerting' });
  const { config, meta } = deps;
  await meta.state.migrate('alerts', ALERT_STATE_MIGRATIONS);
  const incidents = await IncidentStore.open(meta.state);
  const profiles = loadThresholds(config.thresholds);
  const calendar = calendarFromConfig(config.calendar);
  const alerts = new AlertStore(meta.state);
  const maintenance = new MaintenanceStore(meta.state);
  const env: ChannelEnv = { log: deps.log.child({ component: 'notify' }), clock, sleep: deps.sleep ?? sleepMs };
  const channels: Channel[] = config.notifications.map((c, i) => {
    const kind = channelFor(c.kind, deps.channels ?? CHANNELS);
    if (kind === undefined) throw new N3monError('N3MON_ERR_CONFIG_INVALID', `notifications[${i}].kind: unknown channel kind '${c.kind}'`);
    return kind.create(c as never, env);
  });
  const notifier = new Notifier({
    alerts,
    channels,
    clock,
    log: deps.log,
    organisation: config.organisation.name,
    // The list as last read: a practice another collector created since is named by its ODS code, as it is in the table.
    practiceName: (ods) => meta.practices.knownRow(ods)?.name,
    options: { groupWaitMs: config.alerting.groupWaitMs, resolveHoldMs: config.alerting.reopenWithinMs },
    explained: async (id) => (await incidents.incidentOfAlert(id)) !== undefined,
  });
  const providers = new Map((config.practices ?? []).flatMap((p) => (p.provider === undefined ? [] : [[p.ods, p.provider] as const])));
  const providerOf = (ods: string): string | undefined => providers.get(ods);
  const correlator = new IncidentCorrelator({
    alerts,
    store: incidents,
    config: config.incidents ?? DEFAULT_INCIDENTS,
    clock,
    log: deps.log,
    organisation: config.organisation.name,
    providerOf,
    monitoring: () => monitoringByKey(evaluator?.states() ?? [], providerOf),
    deliver: (n) => notifier.deliver(n),
  });
  const manager = new AlertManager({
    state: meta.state,
    alerts,
    maintenance,
    clock,
    log: deps.log,
    listeners: [notifier, correlator],
    reopenWithinMs: config.alerting.reopenWithinMs,
  });
  notifier.resume(await alerts.unnotified());
  await manager.refreshCounts();
  let evaluator: RuleEvaluator | undefined;
  const status = new RuleStatus(
    () => evaluator,
    (p) => manager.openCount(p),
  );
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<TickReport | undefined> | undefined;
  let stopped = false;

  const round = async (): Promise<TickReport | undefined> => {
    if (evaluator === undefined) return undefined;
    const report = await evaluator.tick();
    const role = deps.role;
    if (role !== undefined && !role.holds()) {
      // A follower (collector/src/ha/README.md): evaluated with its sink muted; shows what the holder wrote.
      const dropped = manager.discardHeld();
      if (dropped > 0) log.warn({ dropped }, 'alerting lease lost with alert events held back; left to the holder');
      await manager.refreshCounts();
      status.refresh();
      return report;
    }
    if (role?.takeGain() === true) {
      correlator.takeOver();
      const ev = evaluator;
      await reconcileAtTakeover({
        states: () => ev.states(),
        apply: (e) => manager.apply(e),
        activeAlerts: () => alerts.allActive(),
        resumeNotices: async () => notifier.resume(await alerts.unnotified()),
        log,
      });
      correlator.takeOver(); // national incidents: re-derived from the store at its next tick
    }
    // Events and progress applied and stored (or held, in order, while the state database is away).
    await manager.flush();
    await manager.refreshCounts(); // alerts and acknowledgements written by other collectors too
    status.refresh();
    await correlator.tick();
    await notifier.tick();
    if (report.events > 0 || report.durationMs > 1000) log.info({ ...report, durationMs: Math.round(report.durationMs) }, 'rules evaluated');
    else log.debug({ ...report }, 'rules evaluated');
    return report;
  };

  const tick = (): Promise<TickReport | undefined> => {
    running ??= round().finally(() => {
      running = undefined;
    });
    return running;
  };

  const alerting: Alerting = {
    profiles,
    calendar,
    alerts,
    maintenance,
    manager,
    notifier,
    incidents,
    correlator,
    status,
    observer: { onBatch: (b) => evaluator?.onBatch(b) },
    routes: [],
    get evaluator() {
      return evaluator;
    },
    async start(store, opts = {}) {
      if (evaluator !== undefined) return;
      const agents = await meta.agents.all();
      if (evaluator !== undefined) return;
      const restored = await manager.restore();
      evaluator = createEvaluator({
        source: store,
        profiles,
        clock,
        sink: deps.role === undefined ? manager : gatedSink(manager, () => deps.role?.holds() === true),
        log: deps.log,
        agents: agents.map((a) => ({ practice: a.practice, agent: a.name, ...(a.lastSeen === null ? {} : { lastSeen: a.lastSeen }) })),
        restore: restored,
        calendar,
        options: { stepMs: config.alerting.stepMs, graceMs: config.alerting.graceMs, initialLookbackMs: config.alerting.initialLookbackMs },
      });
      status.refresh();
      log.info(
        {
          rules: profiles.organisation.live.length,
          overridden: profiles.overridden.size,
          channels: channels.map((c) => c.name),
          resumedAgents: restored.cursors.length,
        },
        'alerting started',
      );
      if (opts.timer === false) return;
      timer = setInterval(() => {
        if (running !== undefined || stopped) return;
        tick().catch((err: unknown) => log.error({ err }, 'rule evaluation failed; will retry at the next tick'));
      }, config.alerting.tickMs);
      timer.unref();
    },
    tick,
    async stop() {
      stopped = true;
      if (timer !== undefined) clearInterval(timer);
      await running?.catch((err: unknown) => log.error({ err }, 'last rule evaluation failed'));
      await manager.flush();
      await notifier.close();
    },
  };
  (alerting as { routes: readonly RouteModule[] }).routes = [
    alertRoutes(alerting),
    maintenanceRoutes(alerting),
    incidentRoutes({ incidents, practiceName: (ods) => meta.practices.knownRow(ods)?.name }),
  ];
  return alerting;
}
