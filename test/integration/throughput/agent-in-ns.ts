/**
 * Runs the real agent (config parser, probe registry, scheduler, spool, pusher) with one config
 * file until every check has run once and its samples are pushed, then stops it gracefully.
 * The throughput integration test starts this inside a lab namespace:
 *
 *   node --import tsx agent-in-ns.ts CONFIG.json DEADLINE_MS
 *
 * Logs are JSON lines on stdout; the last line is `{"done":…,"checks":[…],"spool":{…}}`.
 */
import { readFileSync } from 'node:fs';
import { startAgent } from '../../../agent/src/agent.ts';
import { parseAgentConfig } from '../../../agent/src/config/parse.ts';
import { PROBES } from '../../../agent/src/probes/registry.ts';
import { createLogger } from '../../../shared/src/log.ts';

const [file, deadlineText] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: agent-in-ns.ts CONFIG.json [DEADLINE_MS]');
const deadlineMs = Number(deadlineText ?? 60_000);
const config = parseAgentConfig(JSON.parse(readFileSync(file, 'utf8')) as unknown, file, PROBES);
const log = createLogger({ level: 'debug', name: 'agent-in-ns' });
// First runs at once (no start spread), so the test does not wait for a random offset.
const agent = await startAgent(config, { log, tuning: { maxStartSpreadMs: 0, selfMetricsIntervalMs: 3_600_000 } });
const started = Date.now();
let allRan = false;
while (Date.now() - started < deadlineMs) {
  await new Promise((r) => setTimeout(r, 200));
  if (agent.stats().checks.every((c) => c.runs > 0)) {
    allRan = true;
    break;
  }
}
await agent.stop(); // one last push of what the runs spooled
const stats = agent.stats();
process.stdout.write(`${JSON.stringify({ done: allRan, checks: stats.checks, spool: stats.spool })}\n`);
process.exitCode = allRan && stats.spool.samples === 0 ? 0 : 1;
