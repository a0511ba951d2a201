/** What an icmp runner is asked and answers (types only: ./runner.ts runs bursts, ./fping.ts rounds). */
import type { ParsedPing, PingPlatform } from './parsed.ts';

export interface PingRequest {
  target: string;
  count: number;
  intervalMs: number;
  replyTimeoutMs: number;
  packetSizeBytes: number;
  ipVersion?: 4 | 6;
  /** The check's intervalMs (one burst per round): checks with the same schedule share an fping round (./fping.ts). */
  roundIntervalMs?: number;
}

export type PingRun =
  /** `parsed` when the runner read the output itself (the fping path: one output for many targets). */
  | { ok: true; output: string; platform: PingPlatform; parsed?: ParsedPing }
  /** ping could not be started at all (no binary, unsupported platform). */
  | { ok: false; reason: 'unavailable'; message: string };

export interface PingRunner {
  /** Never rejects for a failed measurement: a missing binary is `{ ok: false }`. */
  run(req: PingRequest): Promise<PingRun>;
  /** Called once when the probe is created, before its first run (the fping path joins its round group). */
  prepare?(req: PingRequest): void;
  /** Releases what the runner holds (the shared ping helper); a later run takes it again. */
  close?(): void;
}
