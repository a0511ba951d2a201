/**
 * `icmp`: a burst of `count` echo requests per round through the system ping; reports loss and
 * RTT min/avg/median/max/stddev and jitter. See ./README.md.
 */
import { defineProbe, type Probe, type ProbeEnv, type ProbeResult, type RunContext } from '../types.ts';
import { parsePingOutput } from './parse.ts';
import { pingResult } from './result.ts';
import { systemPingRunner, type PingRequest, type PingRun, type PingRunner } from './runner.ts';
import { burstBoundMs, type IcmpCheck } from './schema.ts';
import { icmpCheckKind } from './check.ts';
import { helperTraceRunner, PathTracer, type TraceRunner } from '../trace/tracer.ts';
import { traceSettings } from '../trace/settings.ts';
import { systemClock } from '../../../../shared/src/clock.ts';

export { IcmpCheck, burstBoundMs } from './schema.ts';
export type { PingRunner, PingRequest, PingRun } from './runner.ts';
export { systemPingRunner } from './runner.ts';

export { icmpBaseLabels } from './check.ts';

const ABORTED = Symbol('aborted');

function untilAborted(signal: AbortSignal): Promise<typeof ABORTED> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(ABORTED);
    else signal.addEventListener('abort', () => resolve(ABORTED), { once: true });
  });
}

/** The probe for one check; `runner` is the seam tests replace only to feed captured output. */
export function createIcmpProbe(
  check: IcmpCheck,
  env: Pick<ProbeEnv, 'log'> & Partial<Pick<ProbeEnv, 'clock'>>,
  runner: PingRunner = systemPingRunner(),
  traceRunner?: TraceRunner,
): Probe {
  const log = env.log.child({ probe: 'icmp', target: check.target });
  const settings = traceSettings(check);
  const tracer =
    settings === undefined
      ? undefined
      : new PathTracer(check.target, settings, {
          log: log.child({ trace: true }),
          clock: env.clock ?? systemClock,
          runner: traceRunner ?? helperTraceRunner(),
          ...(check.ipVersion === undefined ? {} : { ipVersion: check.ipVersion }),
        });
  const request: PingRequest = {
    target: check.target,
    count: check.count,
    intervalMs: check.pingIntervalMs,
    replyTimeoutMs: check.replyTimeoutMs,
    packetSizeBytes: check.packetSizeBytes,
    roundIntervalMs: check.intervalMs,
    ...(check.ipVersion === undefined ? {} : { ipVersion: check.ipVersion }),
  };
  runner.prepare?.(request);
  return {
    async run(ctx: RunContext): Promise<ProbeResult> {
      if (ctx.signal.aborted) return { outcome: 'timeout', samples: [], message: 'aborted before the burst started' };
      const started = ctx.clock.monotonic();
      const burst: Promise<PingRun> = runner
        .run(request)
        .catch((err: unknown) => ({ ok: false as const, reason: 'unavailable' as const, message: String(err) }));
      const res = await Promise.race([burst, untilAborted(ctx.signal)]);
      if (res === ABORTED) {
        const ms = Math.round(ctx.clock.monotonic() - started);
        log.warn({ elapsedMs: ms, boundMs: burstBoundMs(check) }, 'icmp burst aborted before it finished');
        return { outcome: 'timeout', samples: [], message: `aborted after ${ms} ms, before the burst of ${check.count} finished` };
      }
      if (!res.ok) {
        log.warn({ reason: res.message }, 'ping could not run');
        return { outcome: 'unavailable', samples: [], message: `ping could not run: ${res.message}` };
      }
      try {
        const result = pingResult(res.parsed ?? parsePingOutput(res.output, res.platform), { count: check.count });
        if (result.outcome === 'internal_error') log.error({ output: res.output.slice(0, 2000) }, 'unrecognised ping output');
        if (tracer !== undefined) {
          const value = (m: string): number | undefined => result.samples.find((x) => x.metric === m)?.value;
          const lossRatio = value('icmp_loss_ratio');
          const medianMs = value('icmp_rtt_median_ms');
          tracer.afterBurst({ ...(lossRatio === undefined ? {} : { lossRatio }), ...(medianMs === undefined ? {} : { medianMs }) });
          result.samples.push(...tracer.take());
        }
        return result;
      } catch (err) {
        log.error({ err, output: res.output.slice(0, 2000) }, 'icmp result failed');
        return { outcome: 'internal_error', samples: [], message: `reading ping output failed: ${(err as Error).message}` };
      }
    },
    close() {
      tracer?.close();
      runner.close?.();
    },
  };
}

export const icmpProbe = defineProbe({
  ...icmpCheckKind,
  // Each run is one short-lived ping process (~1 MB); 20 targets every 30 s fit with room.
  concurrency: 16,
  create: (check, env) => createIcmpProbe(check, env),
});
