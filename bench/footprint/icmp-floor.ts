/**
 * A control for bench/agent.ts: a bare Node process that does nothing but the agent's ICMP work
 * through the icmp probe's own runner (agent/src/probes/icmp/runner.ts: the `ping` package's command
 * line, one iputils ping process per burst, started by a ping helper shell) — the same targets, burst and interval, spread like the
 * scheduler spreads them. Its CPU is the floor the agent's ICMP design sets, whatever the rest
 * of the agent does.
 *
 * usage: node --import tsx bench/footprint/icmp-floor.ts ROUNDS INTERVAL_MS COUNT PING_INTERVAL_MS TARGET…
 * Prints `ready <wall ms> <its /proc/self/stat>` once loaded, then after ROUNDS rounds
 * `helper <the ping helper's /proc/PID/stat>` and `done <wall ms> <runs> <failed> <its /proc/self/stat>`,
 * and exits — so the bench computes its CPU exactly like the agent's (process + helper).
 */
import { readFileSync } from 'node:fs';
import { helperPingRunner } from '../../agent/src/probes/icmp/runner.ts';
import { PingHelper } from '../../agent/src/probes/icmp/helper.ts';

const [roundsArg, intervalArg, countArg, pingIntervalArg, ...targets] = process.argv.slice(2);
const rounds = Number(roundsArg);
const intervalMs = Number(intervalArg);
const count = Number(countArg);
const pingIntervalMs = Number(pingIntervalArg);
if (!(rounds > 0 && intervalMs > 0 && count > 0 && pingIntervalMs > 0 && targets.length > 0)) {
  console.error('usage: icmp-floor.ts ROUNDS INTERVAL_MS COUNT PING_INTERVAL_MS TARGET…');
  process.exit(2);
}

const helper = new PingHelper();
const runner = helperPingRunner(helper);
let runs = 0;
let failed = 0;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function target(t: string, offsetMs: number, t0: number): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    await sleep(Math.max(0, t0 + offsetMs + round * intervalMs - Date.now()));
    const res = await runner.run({ target: t, count, intervalMs: pingIntervalMs, replyTimeoutMs: 1000, packetSizeBytes: 56 });
    runs++;
    if (!res.ok || !res.output.includes(`${count} received`)) failed++;
  }
}

const stat = (): string => readFileSync('/proc/self/stat', 'utf8').trim();
const t0 = Date.now();
console.log(`ready ${t0} ${stat()}`);
const spreadMs = intervalMs / targets.length;
await Promise.all(targets.map((t, i) => target(t, i * spreadMs, t0)));
const end = Date.now();
console.log(`helper ${helper.pid === undefined ? '' : readFileSync(`/proc/${helper.pid}/stat`, 'utf8').trim()}`);
const selfStat = stat();
helper.close();
console.log(`done ${end} ${runs} ${failed} ${selfStat}`);
