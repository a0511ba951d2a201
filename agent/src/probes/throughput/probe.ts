/**
 * One throughput test: unless core hours forbid it, download then upload (or one of them) against
 * the collector, each direction in transfers that grow until one lasts long enough to time
 * (./sizing.ts), and turn the last transfer's progress marks into a rate, labelled `reading=…`
 * when it cannot be trusted as the link's rate. See ./README.md.
 *
 * A run skipped for core hours returns `success` with no samples: the scheduler always writes
 * probe_success, and a skip is neither a failure (probe_success 0 would read as "link down") nor
 * a gap (no record would read as "agent silent"). A measured run is told apart by its
 * throughput_*_bps samples.
 */
import { createCoreCalendar, type CoreCalendar } from '../../../../shared/src/calendar/core-hours.ts';
import {
  READING_TOLERANCE,
  STALL_TOLERANCE,
  THROUGHPUT_READING_LABEL,
  THROUGHPUT_READINGS,
  type ThroughputReading,
} from '../../../../shared/src/throughput.ts';
import type { Probe, ProbeEnv, ProbeResult, ProbeSample, RunContext } from '../types.ts';
import { rateOf } from './rate.ts';
import { coreHoursSkip } from './schedule.ts';
import { directionsOf, type ThroughputCheck } from './schema.ts';
import { firstSize, longEnough, nextSize } from './sizing.ts';
import { download, upload, type Transfer, type TransferOptions, type TransferResult } from './transfer.ts';

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
      if (warnedYear !== year)
        log.warn(
          { year, covered: `${calendar.holidays.firstYear}-${calendar.holidays.lastYear}` },
          'bank holidays unknown for this year: they count as working days (tests skipped on them)',
        );
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
        const base = {
          base: env.collector.url,
          token: env.collector.token,
          maxDurationMs: check.maxDurationMs,
          signal: ctx.signal,
          clock: ctx.clock,
          ...(env.collector.ca === undefined ? {} : { ca: env.collector.ca }),
          ...(env.collector.cert === undefined || env.collector.key === undefined ? {} : { cert: env.collector.cert, key: env.collector.key }),
        };
        const m = await measureDirection(transfers[direction], base, check);
        if (!m.ok) return { outcome: m.outcome, samples, message: m.message };
        const { reading, ...fields } = m;
        samples.push({
          metric: METRIC[direction],
          value: Math.round(m.bps),
          ...(reading === undefined ? {} : { labels: { [THROUGHPUT_READING_LABEL]: reading } }),
        });
        log.debug({ direction, ...fields, reading: reading ?? 'ok' }, 'throughput measured');
      }
      return { outcome: 'success', samples };
    },
  };
}

type Measured =
  | {
      ok: true;
      bps: number;
      reading: ThroughputReading | undefined;
      steps: number[];
      bytes: number;
      stoppedEarly: boolean;
      windowBytes: number;
      windowMs: number;
      warmupMs: number;
      idleMs: number;
      lateEndMs: number;
      receiverLagMs: number | undefined;
    }
  | { ok: false; outcome: ProbeResult['outcome']; message: string };

/** One direction: transfers that grow until one lasts long enough to time (./sizing.ts), and its rate. */
async function measureDirection(transfer: Transfer, base: Omit<TransferOptions, 'bytes'>, check: ThroughputCheck): Promise<Measured> {
  const steps: number[] = [];
  let size: number | undefined = firstSize(check.sizeBytes);
  let last: Extract<TransferResult, { ok: true }> | undefined;
  let capped = false;
  while (size !== undefined) {
    steps.push(size);
    const r = await transfer({ ...base, bytes: size });
    if (!r.ok) {
      // Over the collector's byte cap (413) after a smaller transfer went through: grown as far as allowed.
      if (last !== undefined && r.status === 413) {
        capped = true;
        break;
      }
      return { ok: false, outcome: r.outcome, message: r.message };
    }
    last = r;
    const durationMs = r.marks[r.marks.length - 1]?.tMs ?? 0;
    size = nextSize(
      { bytes: r.bytes, durationMs, elapsedMs: r.elapsedMs, stoppedEarly: r.stoppedEarly },
      { size, sizeBytes: check.sizeBytes, warmupMs: check.warmupMs, stepIndex: steps.length - 1 },
    );
  }
  const r = last as Extract<TransferResult, { ok: true }>;
  const durationMs = r.marks[r.marks.length - 1]?.tMs ?? 0;
  const timed = !capped && longEnough({ bytes: r.bytes, durationMs, elapsedMs: r.elapsedMs, stoppedEarly: r.stoppedEarly }, check.warmupMs);
  const rate = rateOf(r.marks, { warmupMs: check.warmupMs });
  const common = { steps, bytes: r.bytes, stoppedEarly: r.stoppedEarly, receiverLagMs: r.receiverLagMs };
  if (!rate.ok) {
    // Too few reads to time (a fast path): the whole transfer on the agent's clock, connection and answer included, is slower than the link.
    const bps = (r.bytes * 8 * 1000) / Math.max(r.elapsedMs, 0.001);
    return {
      ok: true,
      bps,
      reading: THROUGHPUT_READINGS.lowerBound,
      ...common,
      windowBytes: r.bytes,
      windowMs: r.elapsedMs,
      warmupMs: 0,
      idleMs: 0,
      lateEndMs: 0,
    };
  }
  const v = rate.value;
  const reading = !timed
    ? THROUGHPUT_READINGS.lowerBound
    : v.idleMs > STALL_TOLERANCE * v.windowMs || v.bps < (1 - STALL_TOLERANCE) * v.bestHalfBps
      ? THROUGHPUT_READINGS.stalled
      : (r.receiverLagMs ?? 0) > READING_TOLERANCE * v.windowMs
        ? THROUGHPUT_READINGS.receiverBehind
        : undefined;
  return {
    ok: true,
    bps: v.bps,
    reading,
    ...common,
    windowBytes: v.bytes,
    windowMs: v.windowMs,
    warmupMs: v.warmupMs,
    idleMs: v.idleMs,
    lateEndMs: v.lateEndMs,
  };
}
