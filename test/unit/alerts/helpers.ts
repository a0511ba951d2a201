/** A real meta.db in a temp dir (or any state database) with alerting's tables, and events as the evaluator makes them. */
import type { Channel, DeliveryResult, Notification } from '../../../collector/src/notifications/channels/types.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../shared/src/log.ts';
import { openMeta, type Meta } from '../../../collector/src/meta/index.ts';
import { ALERT_STATE_MIGRATIONS } from '../../../collector/src/alerts/schema.ts';
import type { StateDb } from '../../../collector/src/meta/state-db.ts';
import { AlertStore } from '../../../collector/src/alerts/store.ts';
import { MaintenanceStore } from '../../../collector/src/alerts/maintenance.ts';
import { AlertManager, type AlertListener } from '../../../collector/src/alerts/manager.ts';
import { buildThresholds, defaultProfilePath, loadProfileFile } from '../../../collector/src/evaluation/profile.ts';
import type { CompiledRule } from '../../../collector/src/evaluation/compiled.ts';
import type { CauseRef, EvaluationEvent } from '../../../collector/src/evaluation/events.ts';
import type { Severity } from '../../../collector/src/evaluation/state-machine.ts';
import { FakeClock } from '../evaluation/memory-source.ts';

export const M = 60_000;
export const T0 = Date.UTC(2026, 0, 14, 9, 0);

const built = buildThresholds(loadProfileFile(defaultProfilePath()), {});
if (!built.ok) throw new Error(built.problems.join('\n'));
export const org = built.value.organisation;
export const ruleOf = (id: string): CompiledRule => org.byId.get(id) as CompiledRule;

export interface Harness {
  state: StateDb;
  alerts: AlertStore;
  maintenance: MaintenanceStore;
  manager: AlertManager;
  clock: FakeClock;
  close(): void;
}

export interface HarnessOptions {
  reopenWithinMs?: number;
  listeners?: AlertListener[];
}

/** Alerting's stores and manager on a state database (migrated here); `close` closes nothing (the caller owns `state`). */
export async function harnessOn(state: StateDb, opts: HarnessOptions = {}): Promise<Harness> {
  await state.migrate('alerts', ALERT_STATE_MIGRATIONS);
  const clock = new FakeClock(T0 + 60 * M);
  const alerts = new AlertStore(state);
  const maintenance = new MaintenanceStore(state);
  const manager = new AlertManager({
    state,
    alerts,
    maintenance,
    clock,
    log: silentLogger(),
    listeners: opts.listeners ?? [],
    reopenWithinMs: opts.reopenWithinMs ?? 10 * M,
  });
  return { state, alerts, maintenance, manager, clock, close() {} };
}

/** The harness on a new meta.db in a temp dir, removed by `close`. */
export async function harness(opts: HarnessOptions = {}): Promise<Harness & { dir: string; meta: Meta }> {
  const dir = mkdtempSync(join(tmpdir(), 'n3mon-alerts-'));
  const meta = openMeta({ dataDir: dir });
  const h = await harnessOn(meta.state, opts);
  return {
    ...h,
    dir,
    meta,
    close() {
      void meta.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An event for rule `ruleId` on series `seriesId` of practice A81001, agent main. */
export function ev(
  kind: EvaluationEvent['kind'],
  ruleId: string,
  at: number,
  opts: {
    severity?: Severity;
    previous?: Severity;
    startedAt?: number;
    endedAt?: number;
    seriesId?: string;
    practice?: string;
    cause?: CauseRef;
    value?: number;
  } = {},
): EvaluationEvent {
  const severity = opts.severity ?? (kind === 'clear' ? 'ok' : 'warning');
  return {
    kind,
    practice: opts.practice ?? 'A81001',
    agent: 'main',
    seriesId: opts.seriesId ?? `s-${ruleId}`,
    metric: 'icmp_rtt_avg_ms',
    labels: { role: 'n3-gateway', target: '10.200.0.1' },
    rule: ruleOf(ruleId),
    area: 'national-link',
    at,
    startedAt: opts.startedAt ?? at - 2 * M,
    ...(opts.endedAt === undefined ? {} : { endedAt: opts.endedAt }),
    severity,
    previous: opts.previous ?? (kind === 'raise' ? 'ok' : 'warning'),
    peak: severity === 'ok' ? (opts.previous ?? 'warning') : severity,
    value: opts.value ?? 70,
    ...(opts.cause === undefined ? {} : { cause: opts.cause }),
  };
}

/** A channel that records what it was asked to deliver (the notifier and the stores are what is tested). */
export class Recorder implements Channel {
  readonly kind = 'recorder';
  readonly name = 'recorder';
  readonly got: Notification[] = [];
  async send(n: Notification): Promise<DeliveryResult> {
    this.got.push(n);
    return { outcome: 'delivered', attempts: 1 };
  }
  lines(): string[] {
    return this.got.map(
      (n) =>
        `${n.practice.ods}: ${n.items.map((i) => `${i.status} ${i.ruleId} ${i.severity}${i.endedAt === null ? '' : ' ended'}${i.suppressed > 0 ? ` +${i.suppressed} suppressed` : ''}`).join(', ')}`,
    );
  }
}
