/**
 * Phase arithmetic (pure). One hop = one request on one fresh connection; its timestamps are
 * monotonic ms taken from socket events. Phases run back to back, so for a complete hop they add
 * up to the hop's total exactly:
 *
 *   start ─dns─▶ dnsDone ─connect─▶ connected ─tls─▶ tlsDone ─ttfb─▶ firstByte ─transfer─▶ done
 *
 * `dns` is absent for an IP literal, `tls` for plain http. A phase that did not finish (the run
 * failed in it) has no duration; the phases before it are still real measurements.
 */
import { HTTP_PHASES } from '../../../../shared/src/metrics.ts';

export const PHASES = HTTP_PHASES;
export type Phase = (typeof PHASES)[number];
export type PhaseDurations = Partial<Record<Phase, number>>;

export interface HopTimings {
  start: number;
  /** Name resolved (only when the host is a name). */
  dnsDone?: number;
  /** TCP handshake complete. */
  connected?: number;
  /** TLS handshake complete (only for https). */
  tlsDone?: number;
  /** First byte of the response arrived. */
  firstByte?: number;
  /** Last byte of the body read (or the read stopped at maxBodyBytes). */
  done?: number;
}

/** Where a hop stopped when it failed: the phase that was running. */
export type FailureStage = 'dns' | 'connect' | 'tls' | 'request' | 'transfer';

const span = (from: number, to: number): number => Math.max(0, to - from);

export function phaseDurations(t: HopTimings): PhaseDurations {
  const out: PhaseDurations = {};
  let prev = t.start;
  if (t.dnsDone !== undefined) {
    out.dns = span(prev, t.dnsDone);
    prev = t.dnsDone;
  }
  if (t.connected === undefined) return out;
  out.connect = span(prev, t.connected);
  prev = t.connected;
  if (t.tlsDone !== undefined) {
    out.tls = span(prev, t.tlsDone);
    prev = t.tlsDone;
  }
  if (t.firstByte === undefined) return out;
  out.ttfb = span(prev, t.firstByte);
  if (t.done === undefined) return out;
  out.transfer = span(t.firstByte, t.done);
  return out;
}

/** Phases of a redirect chain: each phase summed over the hops that had it. */
export function sumPhases(hops: readonly HopTimings[]): PhaseDurations {
  const out: PhaseDurations = {};
  for (const hop of hops) {
    const d = phaseDurations(hop);
    for (const p of PHASES) {
      const v = d[p];
      if (v !== undefined) out[p] = (out[p] ?? 0) + v;
    }
  }
  return out;
}

/** The stage a hop was in when it stopped, from the timestamps it reached. */
export function stageOf(t: HopTimings, opts: { isName: boolean; isTls: boolean }): FailureStage {
  if (opts.isName && t.dnsDone === undefined) return 'dns';
  if (t.connected === undefined) return 'connect';
  if (opts.isTls && t.tlsDone === undefined) return 'tls';
  if (t.firstByte === undefined) return 'request';
  return 'transfer';
}

/** Milliseconds rounded to µs: enough for any network timing, short on the wire. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
