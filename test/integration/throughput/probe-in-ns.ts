/**
 * Runs the real `kind: throughput` probe (real transfers, sizing, rate, trust) inside a lab
 * namespace, once per line "run" on stdin, against the collector it is given; prints one JSON line
 * per run: `{"run":N,"outcome":…,"samples":[…],"measured":[…]}` (`measured`: the probe's
 * "throughput measured" debug logs — steps, window, idle time, receiver lag). Exits at end of stdin.
 *
 *   node --import tsx probe-in-ns.ts URL TOKEN CHECK_JSON
 */
import { createInterface } from 'node:readline';
import { createThroughputProbe } from '../../../agent/src/probes/throughput/probe.ts';
import { ThroughputCheck } from '../../../agent/src/probes/throughput/schema.ts';
import { systemClock } from '../../../shared/src/clock.ts';
import { createLogger } from '../../../shared/src/log.ts';
import { parseWithSchema } from '../../../shared/src/validate.ts';

const [url, token, checkJson] = process.argv.slice(2);
if (url === undefined || token === undefined || checkJson === undefined) throw new Error('usage: probe-in-ns.ts URL TOKEN CHECK_JSON');
const parsed = parseWithSchema(ThroughputCheck, { kind: 'throughput', offCoreHoursOnly: false, ...(JSON.parse(checkJson) as object) });
if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
let measured: unknown[] = [];
const sink = {
  write(msg: string): void {
    for (const line of msg.split('\n')) if (line.includes('"throughput measured"')) measured.push(JSON.parse(line));
  },
};
const log = createLogger({ level: 'debug', name: 'probe-in-ns', destination: sink });
const probe = createThroughputProbe(parsed.value, { log, collector: { url, token } });
let n = 0;
process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() !== 'run') continue;
  measured = [];
  const r = await probe.run({ signal: AbortSignal.timeout(120_000), timeoutMs: 120_000, log, clock: systemClock });
  process.stdout.write(`${JSON.stringify({ run: ++n, outcome: r.outcome, message: r.message, samples: r.samples, measured })}\n`);
}
