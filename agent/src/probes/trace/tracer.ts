/**
 * The path tracer of one icmp check: after each burst it decides whether to trace (./trigger.ts);
 * a trace runs in the background through the agent's ping helper (no fork of the agent) and its
 * samples go out with the check's next run, stamped with the trace's own start time. One trace
 * per target at a time; bounded by mtr's own arguments (./settings.ts traceBoundMs).
 */
import type { Logger } from '../../../../shared/src/log.ts';
import type { Clock } from '../../../../shared/src/clock.ts';
import type { ProbeSample } from '../types.ts';
import { Semaphore } from '../../scheduler/semaphore.ts';
import { acquireSharedHelper, releaseSharedHelper, type HelperRun } from '../icmp/helper.ts';
import { parseMtrJson } from './parse.ts';
import { pathOf, traceSamples } from './samples.ts';
import { TRACE_GRACE_S, type TraceSettings } from './settings.ts';
import { decideTrace, type TraceReason, type TriggerState } from './trigger.ts';

/** The I/O seam: run mtr with these arguments, hand back its output. */
export interface TraceRunner {
  run(argv: string[]): Promise<HelperRun>;
  close?(): void;
}

export function helperTraceRunner(): TraceRunner {
  let held: ReturnType<typeof acquireSharedHelper> | undefined;
  return {
    run(argv) {
      held ??= acquireSharedHelper();
      return held.run(argv);
    },
    close() {
      if (held !== undefined) releaseSharedHelper();
      held = undefined;
    },
  };
}

/**
 * mtr runs at once across the agent. Every icmp check traces its target at start-up (the
 * baseline), so an agent with 18 targets started 18 mtr processes together (bench:agent: the
 * agent's process tree at 150–180 MiB in its first minute); the rest wait their turn, and each
 * trace is stamped with the time it really started.
 */
export const MAX_CONCURRENT_TRACES = 2;
const traceSlots = new Semaphore(MAX_CONCURRENT_TRACES);

export function mtrArgv(target: string, s: TraceSettings, ipVersion?: 4 | 6): string[] {
  return [
    'mtr',
    '--no-dns',
    '--json',
    '-c',
    String(s.probesPerHop),
    '-i',
    '1',
    '-G',
    String(TRACE_GRACE_S),
    '-m',
    String(s.maxHops),
    ...(ipVersion === undefined ? [] : [`-${ipVersion}`]),
    target,
  ];
}

export class PathTracer {
  private readonly state: TriggerState = { recentMedians: [] };
  private running: Promise<void> | undefined;
  private ready: ProbeSample[] = [];
  private previousPath: string | undefined;
  private closed = false;
  private readonly stop = new AbortController();

  constructor(
    private readonly target: string,
    private readonly settings: TraceSettings,
    private readonly deps: { log: Logger; clock: Clock; runner: TraceRunner; ipVersion?: 4 | 6 },
  ) {}

  /** Called with each burst's figures; may start a trace. */
  afterBurst(burst: { lossRatio?: number; medianMs?: number }): void {
    if (this.closed) return;
    const now = this.deps.clock.now();
    const reason = decideTrace(this.state, burst, now, this.settings);
    if (reason === undefined) return;
    if (this.running !== undefined) {
      this.deps.log.info({ reason }, 'trace skipped: one is still running');
      return;
    }
    this.running = this.traceInTurn(reason).finally(() => (this.running = undefined));
  }

  /** Samples of the traces that finished since the last call. */
  take(): ProbeSample[] {
    const out = this.ready;
    this.ready = [];
    return out;
  }

  /** For tests: resolves when the trace in flight (if any) has finished. */
  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  close(): void {
    this.closed = true;
    this.stop.abort();
    this.deps.runner.close?.();
  }

  private async traceInTurn(reason: TraceReason): Promise<void> {
    if (!(await traceSlots.acquire(this.stop.signal))) return;
    try {
      if (!this.closed) await this.trace(reason, this.deps.clock.now());
    } finally {
      traceSlots.release();
    }
  }

  private async trace(reason: TraceReason, ts: number): Promise<void> {
    const started = this.deps.clock.monotonic();
    const res = await this.deps.runner
      .run(mtrArgv(this.target, this.settings, this.deps.ipVersion))
      .catch((err: unknown): HelperRun => ({ ok: false, message: String(err) }));
    const elapsedMs = Math.round(this.deps.clock.monotonic() - started);
    if (!res.ok || res.exitCode !== 0) {
      this.deps.log.warn(
        { reason, elapsedMs, ...(res.ok ? { exitCode: res.exitCode, output: res.output.slice(0, 500) } : { error: res.message }) },
        'trace could not run',
      );
      return;
    }
    const parsed = parseMtrJson(res.output);
    if (!parsed.ok) {
      this.deps.log.error({ reason, message: parsed.message }, 'unrecognised mtr output');
      return;
    }
    const samples = traceSamples(parsed.hops, { ts, reason, ...(this.previousPath === undefined ? {} : { previousPath: this.previousPath }) });
    const path = pathOf(parsed.hops);
    if (this.previousPath !== undefined && path !== this.previousPath) this.deps.log.info({ from: this.previousPath, to: path }, 'trace path changed');
    this.previousPath = path;
    this.deps.log.info({ reason, hops: parsed.hops.length, elapsedMs }, 'trace done');
    if (!this.closed) this.ready.push(...samples);
  }
}
