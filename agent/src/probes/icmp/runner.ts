/**
 * The I/O seam of the icmp probe: run one burst of the system ping and hand back its raw output.
 * The real runner drives the `ping` npm package (0.4.4); tests of the pure parts use fixtures.
 *
 * What the package does and how it is used here (read from its source):
 * - It spawns `ping` from PATH (Linux; `ping6` when v6 is set) or %SystemRoot%\system32\ping.exe,
 *   with LANG=C — by assigning into process.env, so the agent's own LANG becomes C too.
 * - It exposes no child process: a burst cannot be killed. Its length is bounded instead by
 *   count, interval and per-reply timeout (never `-w deadline`: with a deadline iputils keeps
 *   sending past `count` until `count` replies arrive). On abort the probe returns at once and
 *   the ping process ends by itself within that bound (see schema.ts burstBoundMs).
 * - A missing binary makes it reject with a generic Error after a few ms: `unavailable`.
 * - Its parsed numbers are strings or "unknown"; only `output` (stdout + stderr) is used.
 */
import { isIPv6 } from 'node:net';
import ping, { type PingConfig } from 'ping';
import type { PingPlatform } from './parse.ts';

export interface PingRequest {
  target: string;
  count: number;
  intervalMs: number;
  replyTimeoutMs: number;
  packetSizeBytes: number;
  ipVersion?: 4 | 6;
}

export type PingRun =
  | { ok: true; output: string; platform: PingPlatform }
  /** ping could not be started at all (no binary, unsupported platform). */
  | { ok: false; reason: 'unavailable'; message: string };

export interface PingRunner {
  /** Never rejects for a failed measurement: a missing binary is `{ ok: false }`. */
  run(req: PingRequest): Promise<PingRun>;
}

export function platformOf(p: NodeJS.Platform): PingPlatform {
  return p === 'win32' ? 'windows' : 'linux';
}

/** The `ping` package's options for one burst (exported for tests). */
export function pingOptions(req: PingRequest, platform: NodeJS.Platform): PingConfig {
  const replyTimeoutS = Math.max(1, Math.ceil(req.replyTimeoutMs / 1000));
  if (platform === 'win32') {
    // -n count -w timeout_ms -l size; -4/-6 from v6. No interval option on Windows.
    return { numeric: true, timeout: replyTimeoutS, min_reply: req.count, packetSize: req.packetSizeBytes, v6: req.ipVersion === 6 || isIPv6(req.target), extra: [] };
  }
  // -n -W timeout_s -c count -s size, then -i interval. v6 false keeps `ping` (it picks IPv6 by
  // itself for a v6 literal); not every distribution ships `ping6`.
  const extra = ['-i', (req.intervalMs / 1000).toFixed(3)];
  if (req.ipVersion !== undefined) extra.push(`-${req.ipVersion}`);
  return { numeric: true, timeout: replyTimeoutS, min_reply: req.count, packetSize: req.packetSizeBytes, v6: false, extra };
}

export function systemPingRunner(platform: NodeJS.Platform = process.platform): PingRunner {
  return {
    async run(req) {
      try {
        const res = await ping.promise.probe(req.target, pingOptions(req, platform));
        return { ok: true, output: typeof res.output === 'string' ? res.output : '', platform: platformOf(platform) };
      } catch (err) {
        // The package rejects only when the binary cannot be spawned or the platform is not
        // supported: the probe cannot run here, which is data (`unavailable`), not a crash.
        return { ok: false, reason: 'unavailable', message: (err as Error).message };
      }
    },
  };
}
