/**
 * The agent's footprint on the reference practice schedule (PRODUCT.md, quality bars):
 * 20 ICMP targets / 30 s, 8 HTTP checks / 60 s, 4 SNMP devices × 48 ports / 60 s, host / 60 s —
 * bar: ≤ 80 MB RSS and ≤ 2 % of one core; and, in the same run, the peers doing the same job:
 * the Prometheus exporter stack (blackbox_exporter, snmp_exporter, node_exporter from Debian's
 * packages, scraped by this bench on the same schedule, every scrape checked:
 * ./footprint/exporters.ts, ./footprint/scrape.ts) and fping for the ICMP part. Goal (issue 16):
 * n3mon's agent no heavier than the exporter stack, RSS and CPU.
 *
 * It runs the built CLI as production does: a real collector (`n3mon collector --config`), a token
 * and an API key from the CLI, and the agent as its own process (`n3mon agent --config`, node
 * flags from the systemd unit), against local lab targets only — ICMP to 127.0.0.2…127.0.0.21,
 * HTTP/HTTPS to servers this bench runs (self-signed certificate), four simulated 48-port switches
 * in snmpsimd, host metrics. Every side is counted as its process trees, children included
 * (./footprint/tree.ts): CPU = utime+stime+cutime+cstime, RSS = Σ VmRSS, sampled every second.
 * Afterwards the collector's read API must show the series, so an idle agent cannot pass.
 *
 * usage: npm run bench:agent [-- --minutes 5] [--node-arg=--flag … (default: the systemd unit's)] [--log-level info]
 *                              [--agent-cli path/to/cli.js] [--keep] [--trace]
 * (`npm run bench:agent` first runs scripts/bench-prereqs.mjs: the Debian packages of the peers.)
 * Prints a table; no thresholds (benchmarks print numbers, they are not tests).
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { allProcesses, machine, machineTicks, median, readMem, topConsumers } from './footprint/proc.ts';
import { selfSignedCert, startFpingPeer, startHttpTargets, startSnmpDevices, type HttpTargets, type Peer, type SnmpDevices } from './footprint/lab.ts';
import { startExporterStack, type ExporterStack } from './footprint/exporters.ts';
import { referenceJobs, runScrapes } from './footprint/scrape.ts';
import { startNode, stopChild } from './footprint/spawn.ts';
import { readTrees, Side } from './footprint/tree.ts';
import { delivery } from './footprint/verify.ts';
import { unitNodeArgs } from './unit-node-args.ts';

const PRACTICE = 'BENCH1';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    'node-arg': { type: 'string', multiple: true, default: unitNodeArgs('n3mon-agent') },
    'log-level': { type: 'string', default: 'info' },
    keep: { type: 'boolean', default: false },
    // The agent's path traces (mtr) of n3-gateway targets: not part of the reference job (the
    // peers do not trace), so off unless asked for.
    trace: { type: 'boolean', default: false },
    'agent-cli': { type: 'string' },
  },
});
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
/** The agent's build: dist/cli.js, or another build (`--agent-cli`, e.g. a variant for an A/B run). */
const AGENT_CLI = values['agent-cli'] ?? CLI;
const minutes = Number(values.minutes);
if (!(minutes > 0 && minutes <= 24 * 60)) throw new Error(`--minutes must be a number in (0, 1440] (got ${values.minutes})`);
const windowMs = Math.round(minutes * 60_000);
const nodeArgs = values['node-arg'] ?? [];

// ── reference schedule ───────────────────────────────────────────────────────────────────────────
const ICMP_TARGETS = Array.from({ length: 20 }, (_, i) => `127.0.0.${i + 2}`);
const ICMP = { intervalMs: 30_000, count: 20, pingIntervalMs: 500 };

/** The 8 HTTP checks (4 plain, 4 HTTPS with the bench's CA) — the agent's and blackbox's targets. */
function httpChecks(targets: HttpTargets, caFile: string): { target: string; https: boolean; caFile: string }[] {
  return Array.from({ length: 8 }, (_, i) => {
    const https = i % 2 === 1;
    return { target: `${https ? targets.httpsUrl : targets.httpUrl}/app${i + 1}/health`, https, caFile };
  });
}

function agentConfig(o: { url: string; token: string; spoolDir: string; http: ReturnType<typeof httpChecks>; snmp: SnmpDevices }): unknown {
  const http = o.http.map((h, i) => ({
    kind: 'http',
    id: `http-${i + 1}`,
    target: h.target,
    role: 'national-app',
    app: `app${i + 1}`,
    intervalMs: 60_000,
    ...(h.https ? { tls: { caFile: h.caFile } } : {}),
  }));
  return {
    collector: { url: o.url, token: o.token },
    spool: { dir: o.spoolDir },
    log: { level: values['log-level'] },
    checks: [
      ...ICMP_TARGETS.map((t, i) => ({
        kind: 'icmp',
        id: `icmp-${String(i + 1).padStart(2, '0')}`,
        target: t,
        role: i < 2 ? 'lan-gateway' : 'n3-gateway',
        ...ICMP,
        ...(values.trace ? {} : { trace: { enabled: false } }),
      })),
      ...http,
      ...o.snmp.communities.map((c) => ({
        kind: 'snmp',
        id: `snmp-${c}`,
        target: `127.0.0.1:${o.snmp.daemon.port}`,
        role: 'lan-gateway',
        version: '2c',
        community: c,
        intervalMs: 60_000,
        interfaces: [{ name: 'Fa3/0/*' }],
      })),
      { kind: 'host', id: 'host', intervalMs: 60_000 },
    ],
  };
}

// ── processes ────────────────────────────────────────────────────────────────────────────────────
const started: ChildProcess[] = [];

function cli(args: string[]): string {
  return execFileSync(process.execPath, [CLI, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 }).trim();
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ── the run ──────────────────────────────────────────────────────────────────────────────────────
let interrupted = false;
process.once('SIGINT', () => {
  interrupted = true;
  console.error('\ninterrupted: stopping early and cleaning up…');
});

const dir = mkdtempSync(join(tmpdir(), 'n3mon-bench-agent-'));
let targets: HttpTargets | undefined;
let snmp: SnmpDevices | undefined;
let peer: Peer | undefined;
let stack: ExporterStack | undefined;
try {
  const host0 = machine();
  console.error(`bench:agent: ${minutes} min on the reference schedule; lab in ${dir}`);
  const cert = selfSignedCert(dir);
  targets = await startHttpTargets(cert);
  snmp = await startSnmpDevices(4);

  const collectorConfig = join(dir, 'collector.json');
  writeFileSync(
    collectorConfig,
    JSON.stringify({
      listen: { host: '127.0.0.1', port: 0 },
      dataDir: join(dir, 'collector'),
      organisation: { name: 'Bench ICB' },
      practices: [{ ods: PRACTICE, name: 'Bench Surgery' }],
    }),
  );
  const collector = await startNode(['collector', '--config', collectorConfig, '--log-level', 'warn'], /listening on (http:\/\/\S+)/, {
    cli: CLI,
    logFile: join(dir, 'collector.log'),
    started,
  });
  const url = collector.match[1] as string;
  const token = cli(['token', 'create', '--practice', PRACTICE, '--agent', 'bench', '--config', collectorConfig]);
  const apiKey = cli(['apikey', 'create', '--role', 'servicedesk', '--config', collectorConfig]);

  // The peers: the exporter stack (started and answering before the window) and the fping loop.
  const stackDir = join(dir, 'exporters');
  mkdirSync(stackDir);
  stack = await startExporterStack({ dir: stackDir, caFile: cert.certFile, communities: snmp.communities });

  const agentFile = join(dir, 'agent.json');
  const httpTargets = httpChecks(targets, cert.certFile);
  writeFileSync(agentFile, JSON.stringify(agentConfig({ url, token, spoolDir: join(dir, 'spool'), http: httpTargets, snmp }), null, 2));
  const spawnedAt = Date.now();
  const agent = await startNode(['agent', '--config', agentFile], /"msg":"agent started"/, {
    cli: AGENT_CLI,
    nodeArgs,
    logFile: join(dir, 'agent.log'),
    started,
  });
  const pid = agent.child.pid as number;
  const readyAt = Date.now();
  const memReady = readMem(pid);
  const cpuReady = readTrees([pid]);

  // The window: every side from "agent started", sampled each second, for the same wall time.
  // One round more than the window holds, so the peer's loop outlives the window.
  const rounds = Math.max(1, Math.floor(windowMs / ICMP.intervalMs)) + 1;
  peer = startFpingPeer({ targets: ICMP_TARGETS, ...ICMP, roundMs: ICMP.intervalMs, rounds, logFile: join(dir, 'fping.log') });
  const n3mon = new Side('n3mon agent', () => [pid]);
  const exporters = new Side('exporter stack', () => (stack === undefined ? [] : stack.pids()));
  const fping = new Side('fping (ICMP only)', () => (peer?.child.pid === undefined ? [] : [peer.child.pid]));
  const sides = [n3mon, exporters, fping];
  const procs0 = allProcesses();
  const ticks0 = machineTicks();
  for (const side of sides) side.sample();
  const t0 = Date.now();
  const untilMs = t0 + windowMs;
  const scrapes = runScrapes(
    referenceJobs({
      stack,
      icmpTargets: ICMP_TARGETS,
      icmpCount: ICMP.count,
      icmpIntervalMs: ICMP.intervalMs,
      httpTargets: httpTargets.map((h) => h.target),
      snmpTarget: `127.0.0.1:${snmp.daemon.port}`,
      communities: snmp.communities,
      snmpInterfaces: 48,
      snmpPortPrefix: 'Fa3/0/',
    }),
    untilMs,
    () => interrupted,
  );
  const perSecond: { t: number; agentRssKb: number }[] = [];
  for (let i = 1; i <= Math.ceil(windowMs / 1000) && !interrupted; i++) {
    await sleep(Math.max(0, t0 + i * 1000 - Date.now()));
    if (agent.child.exitCode !== null || agent.child.signalCode !== null) throw new Error(`the agent exited during the run (see ${join(dir, 'agent.log')})`);
    for (const side of sides) side.sample();
    perSecond.push({ t: Date.now() - t0, agentRssKb: readMem(pid).rssKb });
  }
  const wallS = (Date.now() - t0) / 1000;
  const ticks1 = machineTicks();
  const procs1 = allProcesses();
  const host1 = machine();
  const memEnd = readMem(pid);
  const tallies = await scrapes;

  await stopChild(agent.child);
  const peerResult = await Promise.race([peer.done, sleep(ICMP.intervalMs + 15_000).then(() => undefined)]);
  const deliveredBy = await delivery({ url, apiKey, practice: PRACTICE, fromMs: spawnedAt, toMs: Date.now() });
  await stopChild(collector.child);

  // ── figures ──
  const pct = (cpuS: number): string => `${((cpuS / wallS) * 100).toFixed(2)} %`;
  const mib = (kb: number): string => `${(kb / 1024).toFixed(1)} MiB`;
  const ratio = (a: number, b: number): string => (b > 0 ? `${(a / b).toFixed(2)}×` : '—');
  const machineBusy = ((ticks1.busy - ticks0.busy) / (ticks1.total - ticks0.total)) * 100;
  const skip = new Set<number>([process.pid, pid, ...stack.pids(), ...[peer.child.pid].filter((p): p is number => p !== undefined)]);
  const top = topConsumers(procs0, procs1, wallS, skip)
    .map((p) => `${p.comm} ×${p.processes} ${p.pctOfCore.toFixed(0)} %`)
    .join(', ');
  const perMinute: string[] = [];
  for (let m = 1; m * 60 <= perSecond.length; m++) {
    const slice = perSecond.slice((m - 1) * 60, m * 60).map((s) => s.agentRssKb / 1024);
    perMinute.push(`${m}: ${median(slice).toFixed(1)}`);
  }
  const kinds = deliveredBy.byKind
    .sort((a, b) => a.kind.localeCompare(b.kind))
    .map((k) => `${k.kind} ${k.checks} checks ${k.runs} runs ${(k.successRatio * 100).toFixed(0)} % ok`)
    .join('; ');
  const series = ['icmp_rtt_avg_ms', 'http_total_ms', 'snmp_if_in_bps', 'host_cpu_load_ratio']
    .map((m) => `${m} ${deliveredBy.seriesByMetric.get(m) ?? 0}`)
    .join(', ');
  const levels: Record<string, string> = { '10': 'trace', '20': 'debug', '30': 'info', '40': 'warn', '50': 'error', '60': 'fatal' };
  const logLines = [...agent.lines].map(([l, n]) => `${levels[l] ?? l} ${n}`).join(', ');
  const scrapeLine = tallies.map((t) => `${t.name} ${t.scrapes - t.failed}/${t.scrapes}`).join(', ');
  const scrapeFailures = tallies.filter((t) => t.firstFailure !== undefined).map((t) => `${t.name}: ${t.firstFailure}`);

  console.log(`\nn3mon agent vs its peers — ${new Date(t0).toISOString()}, ${wallS.toFixed(0)} s${interrupted ? ' (interrupted)' : ''}`);
  const head = ['', 'RSS peak', 'RSS end', 'RSS median', 'CPU (% of one core)', 'CPU s', 'processes (peak)'];
  const table = sides.map((s) => [s.name, mib(s.peakRssKb), mib(s.endRssKb), mib(s.medianRssKb), pct(s.cpuS), s.cpuS.toFixed(2), String(s.peakProcesses)]);
  const ratios = (peer: Side): string[] => [
    `n3mon / ${peer.name.split(' ')[0]}`,
    ratio(n3mon.peakRssKb, peer.peakRssKb),
    ratio(n3mon.endRssKb, peer.endRssKb),
    ratio(n3mon.medianRssKb, peer.medianRssKb),
    ratio(n3mon.cpuS, peer.cpuS),
    '',
    '',
  ];
  table.push(ratios(exporters), ratios(fping));

  const widths = head.map((h, i) => Math.max(h.length, ...table.map((r) => (r[i] ?? '').length)));
  for (const row of [head, ...table])
    console.log(`  ${row.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ')}`);

  const rows: [string, string][] = [
    ['schedule', `20 icmp/30 s (burst ${ICMP.count} × ${ICMP.pingIntervalMs} ms), 8 http/60 s (4 https), 4 snmp × 48 ports/60 s (snmpsimd), host/60 s`],
    ['counted', "each side's process trees (children included): utime+stime+cutime+cstime, Σ VmRSS sampled every second"],
    ['node args', nodeArgs.length === 0 ? 'none' : nodeArgs.join(' ')],
    [
      'path traces',
      values.trace
        ? "on (the agent's default for the 18 n3-gateway targets: mtr at start-up, hourly and after a degraded burst)"
        : 'off (--trace to include them)',
    ],
    ['agent build', AGENT_CLI],
    ['agent start-up', `${readyAt - spawnedAt} ms to "agent started", ${cpuReady.cpuS.toFixed(2)} s CPU, RSS ${mib(memReady.rssKb)}`],
    [
      'agent process alone',
      `VmHWM ${mib(memEnd.hwmKb)} (incl. start-up); at end anon ${mib(memEnd.anonKb)} / file ${mib(memEnd.fileKb)}; RSS medians per minute (MiB) ${perMinute.join('  ') || '—'}`,
    ],
    [
      'exporter stack',
      `blackbox_exporter (icmp: 1 echo per probe, each target every ${(ICMP.intervalMs / ICMP.count / 1000).toFixed(1)} s; http), snmp_exporter (IF-MIB, the same 15 columns), node_exporter (defaults)`,
    ],
    ['exporter scrapes ok', `${scrapeLine}${scrapeFailures.length > 0 ? ` — FAILED: ${scrapeFailures.join('; ')}` : ''}`],
    [
      'fping peer',
      peerResult === undefined
        ? 'did not finish'
        : `fping -C ${ICMP.count} -p ${ICMP.pingIntervalMs}, all targets, one process per round: ${peerResult.rounds} rounds, ${peerResult.answeringTargets}/20 targets answered`,
    ],
    ['delivered (collector)', `${deliveredBy.samplesAccepted.toLocaleString('en-GB')} samples stored; ${kinds}`],
    ['series (collector read API)', series],
    ['agent log lines', logLines],
    ['HTTP target requests', `${targets.requests()} (the agent's and blackbox's)`],
    ['machine', `${host0.cpuModel}, ${host0.cores} cores, ${host0.memTotalMb} MB, Linux ${host0.kernel}, Node ${host0.node}`],
    [
      'machine load',
      `load avg ${host0.loadavg.map((l) => l.toFixed(2)).join(' ')} → ${host1.loadavg.map((l) => l.toFixed(2)).join(' ')}; all cores ${machineBusy.toFixed(0)} % busy`,
    ],
    ['busiest other processes', top || 'none'],
  ];
  const failing = deliveredBy.byKind.filter((k) => k.successRatio < 1);
  if (failing.length > 0 || scrapeFailures.length > 0) {
    rows.push([
      'NOTE',
      `some runs or scrapes failed (${[...failing.map((k) => `n3mon ${k.kind}`), ...scrapeFailures.map((f) => f.split(':')[0])].join(', ')}; see the logs with --keep): on an overloaded machine work runs late and times out, so a side did less than the schedule asks — read these figures with care`,
    ]);
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log('');
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
  console.log('');
} finally {
  for (const child of started) await stopChild(child, 5000);
  if (peer !== undefined) await stopChild(peer.child, 1000);
  await stack?.stop();
  await targets?.close();
  await snmp?.daemon.dispose();
  if (values.keep) console.error(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
