/**
 * Scheduled generation: on the 1st of each month (Europe/London), from the configured hour, the
 * collector generates and archives every practice's report for the month before, and can email
 * each practice its PDF. A collector that was down on the 1st catches up when it starts. Months
 * already archived are left alone (re-generation is explicit: `n3mon report --archive --force`).
 *
 * With several collectors (collector/src/ha/) only the holder of the 'reports' lease generates. A
 * holder that dies mid-month leaves the month unarchived (the organisation summary is written
 * last): the next holder tries at once when it gains the lease, and the practices already archived
 * are skipped, so it finishes the month rather than starting it again.
 */
import type { Clock } from '../../../shared/src/clock.ts';
import type { Logger } from '../../../shared/src/log.ts';
import type { ZonedClock } from '../../../shared/src/calendar/zoned.ts';
import { monthOf, previousMonth, reportZone } from './month.ts';
import type { GenerateResult, ReportService } from './service.ts';

export const SCHEDULER_TICK_MS = 10 * 60_000;
/** After a failed run, wait this long before trying the month again. */
export const SCHEDULER_RETRY_MS = 60 * 60_000;

/**
 * The month to generate now, if any: the month before the current London month, once the local
 * clock has reached `hour` on the 1st (or any later day), unless it is archived already.
 */
export function dueMonth(now: number, opts: { zone: ZonedClock; hour: number; archived: (month: string) => boolean }): string | undefined {
  const p = opts.zone.parts(now);
  if (p.day === 1 && p.hour < opts.hour) return undefined;
  const month = previousMonth(monthOf(opts.zone, now));
  return opts.archived(month) ? undefined : month;
}

export interface ReportScheduler {
  /** Runs a due month now (the timer calls this); resolves when done. Never rejects. */
  tick(): Promise<GenerateResult | undefined>;
  stop(): Promise<void>;
}

export function startReportScheduler(deps: {
  service: ReportService;
  clock: Clock;
  log: Logger;
  hour: number;
  email: boolean;
  tickMs?: number;
  /** The 'reports' lease (collector/src/ha/leases.ts); absent: this collector always generates. */
  lease?: { holds(): boolean; onGain(fn: () => void): void };
}): ReportScheduler {
  const zone = reportZone();
  const log = deps.log.child({ component: 'report-scheduler' });
  const archive = deps.service.archive;
  let running: Promise<GenerateResult | undefined> | undefined;
  const failedAt = new Map<string, number>();
  /** Months that had no data at all: nothing to archive, not tried again by this process. */
  const empty = new Set<string>();
  const tick = (): Promise<GenerateResult | undefined> => {
    if (running !== undefined || archive === undefined) return running ?? Promise.resolve(undefined);
    if (deps.lease?.holds() === false) return Promise.resolve(undefined);
    const now = deps.clock.now();
    const month = dueMonth(now, { zone, hour: deps.hour, archived: (m) => archive.has(m, 'organisation') });
    if (month === undefined || empty.has(month) || now - (failedAt.get(month) ?? -Infinity) < SCHEDULER_RETRY_MS) return Promise.resolve(undefined);
    log.info({ month, email: deps.email }, "generating last month's reports");
    running = deps.service
      .generateMonth(month, { email: deps.email })
      .then(
        (r) => {
          if (r.failed.length > 0) failedAt.set(month, now);
          else if (r.generated.length + r.skipped.length === 0) empty.add(month);
          return r;
        },
        (err: unknown) => {
          failedAt.set(month, now);
          log.error({ month, err }, 'monthly report generation failed; will retry');
          return undefined;
        },
      )
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(() => void tick(), deps.tickMs ?? SCHEDULER_TICK_MS);
  timer.unref();
  const first = setTimeout(() => void tick(), 5_000);
  first.unref();
  let stopped = false;
  deps.lease?.onGain(() => {
    if (!stopped) void tick();
  });
  return {
    tick,
    async stop() {
      stopped = true;
      clearInterval(timer);
      clearTimeout(first);
      await running;
    },
  };
}
