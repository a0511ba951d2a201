/**
 * One throughput test: unless core hours forbid it, download then upload (or one of them) against
 * the collector and turn each transfer's progress marks into a rate. See ./README.md.
 *
 * A run skipped for core hours returns `success` with no samples: the scheduler always writes
 * probe_success, and a skip is neither a failure (probe_success 0 would read as "link down") nor
 * a gap (no record would read as "agent silent"). A measured run is told apart by its
 * throughput_*_bps samples.
 */
import { createCoreCalendar, type CoreCalendar } from '../../../../shared/src/calendar/core-hours.ts';
import type { Probe, ProbeEnv, ProbeResult, ProbeSample, RunContext } from '../types.ts';
import { rateOf } from './rate.ts';
import { coreHoursSkip } from './schedule.ts';
import { directionsOf, type ThroughputCheck } from './schema.ts';
import { download, upload, type Transfer } from './transfer.ts';

const METRIC = { down: 'throughput_down_bps', up: 'throughput_up_bps' } as const;

export interface ThroughputDeps {
  /** Core hours; the product's calendar (bundled bank holidays) by default. */
  calendar?: CoreCalendar;
  /** The transfers (tests of the run logic pass their own; the integration test uses the real ones). */
  transfers?: { down: Transfer; up: Transfer };
}

export function createThroughputProbe(check: ThroughputCheck, env: Pick<ProbeEnv, 'log' | 'collector'>, deps: ThroughputDeps = {}): Probe {
  const calendar = deps.calendar ?? createCoreCalendar();
  const transfers = deps.transfers ?? { down: download, up: upload };
  const log = env.log.child({ probe: 'throughput', collector: env.collector.url });
  let skipping = false;
  let warnedYear: number | undefined;

  function skipReason(ctx: RunContext): string | undefined {
    if (!check.offCoreHoursOnly) return undefined;
    const now = ctx.clock.now();
    if (!calendar.knowsYear(now)) {
      const year = new Date(now).getUTCFullYear();
      if (warnedYear !== year) log.warn({ year, covered: `${calendar.holidays.firstYear}-${calendar.holidays.lastYear}` }, 'bank holidays unknown for this year: they count as working days (tests skipped on them)');
      warnedYear = year;
    }
    const why = coreHoursSkip(calendar, now, ctx.timeoutMs);
    if (why === undefined) {
      if (skipping) log.info({}, 'outside core hours: throughput tests run again');
      skipping = false;
      return undefined;
    }
    if (!skipping) log.info({ reason: why }, 'throughput test skipped: core hours (offCoreHoursOnly); recorded as success without samples');
    skipping = true;
    return why;
  }

  return {
    async run(ctx: RunContext): Promise<ProbeResult> {
      const skip = skipReason(ctx);
      if (skip !== undefined) return { outcome: 'success', samples: [], message: `skipped: ${skip} (offCoreHoursOnly)` };
      const samples: ProbeSample[] = [];
      for (const direction of directionsOf(check)) {
        const r = await transfers[direction]({
          base: env.collector.url,
          token: env.collector.token,
          bytes: check.sizeBytes,
          maxDurationMs: check.maxDurationMs,
          signal: ctx.signal,
          clock: ctx.clock,
          ...(env.collector.ca === undefined ? {} : { ca: env.collector.ca }),
        });
        if (!r.ok) return { outcome: r.outcome, samples, message: r.message };
        const rate = rateOf(r.marks, { warmupMs: check.warmupMs });
        if (!rate.ok) return { outcome: 'mismatch', samples, message: `${direction}: ${rate.problem}` };
        const { bps, bytes, windowMs, warmupMs } = rate.value;
        samples.push({ metric: METRIC[direction], value: Math.round(bps) });
        log.debug({ direction, bytes: r.bytes, stoppedEarly: r.stoppedEarly, windowBytes: bytes, windowMs: Math.round(windowMs), warmupMs: Math.round(warmupMs), bps: Math.round(bps) }, 'throughput measured');
      }
      return { outcome: 'success', samples };
    },
  };
}
