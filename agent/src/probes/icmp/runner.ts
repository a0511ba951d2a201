/**
 * The I/O seam of the icmp probe: run one burst of the system ping and hand back its raw output.
 * The `ping` npm package (0.4.4) decides how the system ping is driven — which executable, which
 * arguments; tests of the pure parts use fixtures.
 *
 * - Linux: the package's own builder gives the executable and arguments, and the agent's ping
 *   helper (./helper.ts, one long-lived /bin/sh shared by every icmp check) starts the process,
 *   with LANG=C and LC_ALL=C. The package's probe() would fork the agent itself for every burst,
 *   which costs the agent more CPU than everything else it does for that burst (./helper.ts).
 * - Windows (no fork there: CreateProcess): the package's probe() spawns
 *   %SystemRoot%\system32\ping.exe, with LANG=C — by assigning into process.env, so the agent's
 *   own LANG becomes C too.
 *
 * What to know either way (read from the package's source):
 * - A burst cannot be killed while the agent runs: its length is bounded instead by count,
 *   interval and per-reply timeout (never `-w deadline`: with a deadline iputils keeps sending
 *   past `count` until `count` replies arrive). On abort the probe returns at once and the ping
 *   process ends by itself within that bound (see schema.ts burstBoundMs). When the agent stops,
 *   the helper ends the bursts in flight.
 * - A missing binary is `unavailable`: the package rejects with a generic Error after a few ms,
 *   the helper's shell exits 127 ("not found") or 126 (not executable).
 * - The package's parsed numbers are strings or "unknown"; only the raw output (stdout + stderr)
 *   is used.
 */
import { isIPv6 } from 'node:net';
import ping, { type PingConfig } from 'ping';
import pingBuilder from 'ping/lib/builder/factory.js';
import { acquireSharedHelper, releaseSharedHelper, type PingHelper } from './helper.ts';
import { FpingGroup, findFping, fpingEligible, specKey } from './fping.ts';
import type { PingPlatform } from './parse.ts';

import type { PingRequest, PingRun, PingRunner } from './request.ts';

export type { PingRequest, PingRun, PingRunner };

export function platformOf(p: NodeJS.Platform): PingPlatform {
  return p === 'win32' ? 'windows' : 'linux';
}

/** The `ping` package's options for one burst (exported for tests). */
export function pingOptions(req: PingRequest, platform: NodeJS.Platform): PingConfig {
  const replyTimeoutS = Math.max(1, Math.ceil(req.replyTimeoutMs / 1000));
  if (platform === 'win32') {
    // -n count -w timeout_ms -l size; -4/-6 from v6. No interval option on Windows.
    return {
      numeric: true,
      timeout: replyTimeoutS,
      min_reply: req.count,
      packetSize: req.packetSizeBytes,
      v6: req.ipVersion === 6 || isIPv6(req.target),
      extra: [],
    };
  }
  // -n -W timeout_s -c count -s size, then -i interval. v6 false keeps `ping` (it picks IPv6 by
  // itself for a v6 literal); not every distribution ships `ping6`.
  const extra = ['-i', (req.intervalMs / 1000).toFixed(3)];
  if (req.ipVersion !== undefined) extra.push(`-${req.ipVersion}`);
  return { numeric: true, timeout: replyTimeoutS, min_reply: req.count, packetSize: req.packetSizeBytes, v6: false, extra };
}

/** The executable and arguments the `ping` package would spawn for this burst (exported for tests). */
export function pingCommand(req: PingRequest, platform: NodeJS.Platform): string[] {
  const options = pingOptions(req, platform);
  return [pingBuilder.getExecutablePath(platform, options.v6 === true), ...pingBuilder.createBuilder(platform).getCommandArguments(req.target, options)];
}

/** Linux: bursts started by the ping helper (`helper` for tests; default the agent's shared one). */
export function helperPingRunner(helper?: PingHelper): PingRunner & Required<Pick<PingRunner, 'close'>> {
  let held: PingHelper | undefined;
  return {
    async run(req) {
      if (held === undefined) held = helper ?? acquireSharedHelper();
      const argv = pingCommand(req, 'linux');
      const res = await held.run(argv);
      if (!res.ok) return { ok: false, reason: 'unavailable', message: res.message };
      // The shell could not run ping at all: not found (127) or not executable (126).
      if (res.exitCode === 127 || res.exitCode === 126) {
        const why = res.exitCode === 127 ? 'not found on the PATH' : 'found but not executable';
        return { ok: false, reason: 'unavailable', message: `${argv[0]}: ${why} (the shell said: ${res.output.trim()})` };
      }
      return { ok: true, output: res.output, platform: 'linux' };
    },
    close() {
      if (held !== undefined && helper === undefined) releaseSharedHelper();
      held = undefined;
    },
  };
}

/** The `ping` package's own probe(), which spawns ping from the agent process (Windows). */
export function packagePingRunner(platform: NodeJS.Platform = process.platform): PingRunner {
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

/** The agent's fping groups, by schedule (./fping.ts); a test passes its own map. */
const sharedGroups = new Map<string, FpingGroup>();

/**
 * Linux with fping: bursts to IP literals go out in the shared fping rounds of their schedule
 * (./fping.ts); anything else (a host name, no fping) through the ping helper and iputils ping.
 * `fping: null` forces the iputils path; default: fping as found on PATH when the runner is made.
 */
export function fpingPingRunner(
  opts: { helper?: PingHelper; fping?: string | null; groups?: Map<string, FpingGroup> } = {},
): PingRunner & Required<Pick<PingRunner, 'close' | 'prepare'>> {
  const fping = opts.fping === undefined ? (findFping() ?? null) : opts.fping;
  const groups = opts.groups ?? sharedGroups;
  const bursts = helperPingRunner(opts.helper);
  let held: PingHelper | undefined;
  const joined = new Map<string, { group: FpingGroup; target: string }>();
  const memberFor = (req: PingRequest & { roundIntervalMs: number }, fping: string): { group: FpingGroup; target: string } => {
    const spec = {
      roundIntervalMs: req.roundIntervalMs,
      count: req.count,
      intervalMs: req.intervalMs,
      replyTimeoutMs: req.replyTimeoutMs,
      packetSizeBytes: req.packetSizeBytes,
    };
    const key = `${specKey(spec)}@${req.target}`;
    let member = joined.get(key);
    if (member === undefined) {
      if (held === undefined) held = opts.helper ?? acquireSharedHelper();
      const helper = held;
      let group = groups.get(specKey(spec));
      if (group === undefined) {
        group = new FpingGroup({ spec, fping, helper: () => helper });
        groups.set(specKey(spec), group);
      }
      group.join(req.target);
      member = { group, target: req.target };
      joined.set(key, member);
    }
    return member;
  };
  return {
    prepare(req) {
      if (fping !== null && fpingEligible(req)) memberFor(req, fping);
    },
    async run(req) {
      if (fping === null || !fpingEligible(req)) return bursts.run(req);
      const member = memberFor(req, fping);
      return member.group.run(member.target);
    },
    close() {
      for (const [key, m] of joined) {
        if (m.group.leave(m.target)) {
          const groupKey = key.slice(0, key.lastIndexOf('@'));
          if (groups.get(groupKey) === m.group) groups.delete(groupKey);
        }
      }
      joined.clear();
      if (held !== undefined && opts.helper === undefined) releaseSharedHelper();
      held = undefined;
      bursts.close();
    },
  };
}

/** The runner for this machine: fping rounds or the ping helper on Linux, the package's probe() elsewhere. */
export function systemPingRunner(platform: NodeJS.Platform = process.platform): PingRunner {
  return platform === 'linux' ? fpingPingRunner() : packagePingRunner(platform);
}
