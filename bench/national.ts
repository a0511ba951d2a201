/**
 * The national arithmetic (issue 15 item 4): 6,500 simulated practices on the reference practice's
 * schedule against two collectors sharing one PostgreSQL (state) and one influxd (series), on this
 * machine, for a few minutes — then the sizing for the national service from the measured costs.
 *
 * - Starts its own PostgreSQL cluster, influxd and two collectors (bench/national/lab.ts: temp
 *   dirs, 127.0.0.1, free ports; `dist/cli.js collector`), every process stopped by PID.
 * - A service-desk key from the real CLI (`n3mon apikey create`); one agent per practice enrolled
 *   through the API (enrolment code → token), requests alternating between the collectors.
 * - Simulated agents (bench/national/senders.ts) push their spool every --push-s seconds to the
 *   collectors in turn; a breach (the national link's probes failing) is planted in every
 *   --breach-every-th practice --breach-after-s into the window; GET /api/v1/alerts is polled for it.
 * - Reads CPU seconds and RSS of each collector's, PostgreSQL's and influxd's process tree every
 *   second, disk bytes before and after, the load average; prints a table and the sizing.
 *
 * usage: npm run bench:national -- --help. A benchmark, not a test: it prints numbers.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { Side } from './footprint/tree.ts';
import { machine } from './ingest/servers.ts';
import { watchAlerts } from './national/alerts.ts';
import { parseNationalArgs, USAGE } from './national/args.ts';
import { enrolAll } from './national/enrol.ts';
import { httpClient, roundRobin } from './national/http.ts';
import { bytesUnder, type Lab, startLab, treePssMB } from './national/lab.ts';
import { type Figures, sizing, table } from './national/report.ts';
import { isBreached, MINUTE_MS, odsOf, samplesPerPracticeMinute } from './national/schedule.ts';
import { runSenders } from './national/senders.ts';

const args = parseNationalArgs(process.argv.slice(2));
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const ROOT = join(import.meta.dirname, '..');
const MB = 1024 * 1024;
const pct = (sorted: readonly number[], p: number): number =>
  sorted.length === 0 ? Number.NaN : (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number);
const sorted = (xs: Iterable<number>): number[] => [...xs].sort((a, b) => a - b);
const loadNow = (): string => machine().load;

let lab: Lab | undefined;
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.once(sig, () => {
    console.error(`\n${sig}: stopping the lab…`);
    void (lab?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  });

async function main(): Promise<void> {
  const practices = Array.from({ length: args.practices }, (_, i) => odsOf(i));
  console.log(`starting PostgreSQL, influxd and two collectors (${practices.length} practices in their config)…`);
  lab = await startLab({ root: ROOT, practices: practices.map((ods, i) => ({ ods, name: `Simulated Practice ${i}` })), graceMs: args.graceMs });
  const collectorA = lab.collectors[0] as Lab['collectors'][number];
  const urls = lab.collectors.map((c) => c.url);
  const client = httpClient(args.connections);
  const next = roundRobin(urls);

  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(ROOT, 'dist/cli.js'), 'apikey', 'create', '--role', 'servicedesk', '--config', collectorA.configFile],
    {
      timeout: 60_000,
    },
  );
  const apiKey = stdout.trim();
  console.log(`enrolling ${practices.length} agents through the API…`);
  const e0 = performance.now();
  const agents = await enrolAll({ client, next, apiKey, practices, concurrency: 16, onProgress: (n) => console.log(`  ${n} enrolled`) });
  const enrolS = (performance.now() - e0) / 1000;

  const makeSides = (l: Lab): Side[] => [
    ...l.collectors.map((c) => new Side(`collector ${c.name}`, () => [c.pid])),
    new Side('postgres', () => [l.postgresPid()]),
    new Side('influxd', () => [l.influxdPid]),
  ];
  // The measured window's baseline (CPU, RSS, disk) is taken when it opens, after the warm-up.
  let sides = makeSides(lab);
  let rssStart = sides.map((s) => s.sample().rssKb / 1024);
  let disk0 = { pg: bytesUnder(lab.pgDir), influx: bytesUnder(lab.influxDir) };
  const loads = [loadNow()];
  let guardTripped = false;
  const sampler = setInterval(() => {
    for (const s of sides) s.sample();
    const influx = sides[3] as Side;
    if (influx.endRssKb / 1024 > args.maxInfluxMB) guardTripped = true;
  }, 1000);
  const loadTimer = setInterval(() => loads.push(loadNow()), 60_000);

  const startMs = Date.now();
  const measureFrom = startMs + args.warmupMs;
  const rebase = setTimeout(() => {
    const l = lab as Lab;
    sides = makeSides(l);
    rssStart = sides.map((s) => s.sample().rssKb / 1024);
    disk0 = { pg: bytesUnder(l.pgDir), influx: bytesUnder(l.influxDir) };
    loads.push(loadNow());
  }, args.warmupMs);
  const breachAtMs = measureFrom + args.breachAfterMs;
  const breached = new Set(practices.filter((_, i) => isBreached(i, args.breachEvery)));
  console.log(`offering for ${args.minutes} min; breach planted in ${breached.size} practices at ${new Date(breachAtMs).toISOString()}…`);
  const watch = watchAlerts({ client, next, apiKey, everyMs: 2000, breached });
  const cpu0 = process.cpuUsage();
  const stats = await runSenders({
    client,
    next,
    agents,
    pushMs: args.pushMs,
    batchSamples: args.batchSamples,
    breachEvery: args.breachEvery,
    breachAtMs,
    startMs,
    windowMs: args.warmupMs + args.minutes * MINUTE_MS,
    measureFrom,
    runId: `nat${startMs.toString(36)}`,
    shouldStop: () => guardTripped,
    onProgress: (s, pending) =>
      console.log(
        `  ${Math.round((Date.now() - startMs) / 1000)} s: offered ${s.offered}, accepted ${s.accepted}, requests ${s.requests} (${pending} awaiting an answer), errors ${[...s.errors].map(([k, v]) => `${k}×${v}`).join(' ') || 'none'}; load ${loadNow()}`,
      ),
  });
  const cpu1 = process.cpuUsage(cpu0);
  for (const s of sides) s.sample();
  clearInterval(sampler);
  clearTimeout(rebase);
  clearInterval(loadTimer);
  loads.push(loadNow());
  await watch.stop();
  const windowS = (stats.closedAt - measureFrom) / 1000;
  const mark = stats.atMark ?? { accepted: 0, requests: 0, ok: 0, latencies: 0 };
  const postgresPssMB = treePssMB(lab.postgresPid());

  const pgc = new pg.Client({ connectionString: lab.stateUrl });
  await pgc.connect();
  const batchRows = Number((await pgc.query('SELECT count(*) AS n FROM ingest_batches')).rows[0].n);
  await pgc.end();
  const card = await fetch(`${lab.influxUrl}/query?db=n3mon&q=${encodeURIComponent('SHOW SERIES EXACT CARDINALITY')}`);
  const cardBody = (await card.json()) as { results: { series?: { values: [number][] }[] }[] };
  const series = (cardBody.results[0]?.series ?? []).reduce((t, s) => t + (s.values[0]?.[0] ?? 0), 0);

  const lags: number[] = [];
  const ruleParts: number[] = [];
  const collectorParts: number[] = [];
  for (const [ods, seen] of watch.seen) {
    const first = stats.firstFailTs.get(ods);
    if (first === undefined) continue;
    lags.push((seen.seenAt - first) / 1000);
    ruleParts.push((seen.startedAt - first) / 1000);
    collectorParts.push((seen.seenAt - seen.startedAt) / 1000);
  }
  const lat = sorted(stats.latenciesMs.slice(mark.latencies));
  const lagS = sorted(lags);
  const m = machine();
  const figures: Figures = {
    machine: { cpu: m.cpu, cores: m.cores, loads },
    practices: args.practices,
    pushS: args.pushMs / 1000,
    samplesPerPracticeMinute: samplesPerPracticeMinute(),
    windowS,
    enrolS,
    // Every series once a minute: what the schedule offered in the measured window.
    offered: Math.round((args.practices * samplesPerPracticeMinute() * windowS) / 60),
    accepted: stats.accepted - mark.accepted,
    acceptedInWindow: stats.acceptedInWindow - mark.accepted,
    requests: stats.requests - mark.requests,
    ok: stats.ok - mark.ok,
    warmupS: args.warmupMs / 1000,
    errors: Object.fromEntries(stats.errors),
    p50Ms: pct(lat, 0.5),
    p95Ms: pct(lat, 0.95),
    spooledAtEnd: stats.spooledAtEnd,
    stoppedByGuard: guardTripped,
    lag: {
      planted: breached.size,
      seen: lags.length,
      p50S: pct(lagS, 0.5),
      p95S: pct(lagS, 0.95),
      maxS: lagS.at(-1) ?? Number.NaN,
      rulePartP50S: pct(sorted(ruleParts), 0.5),
      collectorPartP50S: pct(sorted(collectorParts), 0.5),
    },
    alertsByRule: Object.fromEntries(watch.byRule),
    sides: sides.map((s, i) => ({ name: s.name, cpuS: s.cpuS, rssStartMB: rssStart[i] as number, rssEndMB: s.endRssKb / 1024, rssPeakMB: s.peakRssKb / 1024 })),
    senderCpuS: (cpu1.user + cpu1.system) / 1e6,
    disk: { postgresMB: (bytesUnder(lab.pgDir) - disk0.pg) / MB, influxMB: (bytesUnder(lab.influxDir) - disk0.influx) / MB },
    series,
    batchRows,
    postgresPssMB,
  };
  client.close();
  console.log(`\n${table(figures).join('\n')}\n\n${sizing(figures).join('\n')}`);
  if (args.json !== undefined) writeFileSync(args.json, JSON.stringify(figures, null, 2));
}

try {
  await main();
} finally {
  console.log('stopping the lab…');
  await lab?.stop();
}
