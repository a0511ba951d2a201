/**
 * The agent's footprint on the reference practice schedule (PRODUCT.md, quality bars):
 * 20 ICMP targets / 30 s, 8 HTTP checks / 60 s, 4 SNMP devices × 48 ports / 60 s, host / 60 s —
 * bar: ≤ 80 MB RSS and ≤ 2 % of one core.
 *
 * It runs the built CLI as production does: a real collector (`n3mon collector --config`), a token
 * and an API key from the CLI, and the agent as its own process (`n3mon agent --config`), against
 * local lab targets only — ICMP to 127.0.0.2…127.0.0.21, HTTP/HTTPS to servers this bench runs
 * (self-signed certificate), four simulated 48-port switches in snmpsimd, host metrics. Every
 * second it reads the agent's VmRSS/VmHWM and utime+stime from /proc. Alongside, measured the same
 * way: a peer, fping doing the same ICMP work, and a control, a bare Node process doing only that
 * ICMP work through the icmp probe's own runner (the floor the probe's design sets). Afterwards
 * the collector's read API must show the series, so an idle agent cannot pass.
 *
 * usage: npm run bench:agent [-- --minutes 5] [--node-arg=--flag … (default: the systemd unit's)] [--log-level info]
 *                              [--agent-cli path/to/cli.js] [--keep]
 * Prints a table; no thresholds (benchmarks print numbers, they are not tests).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { allProcesses, cpuOfStat, machine, machineTicks, median, readMem, topConsumers, withHelper, type ProcCpu, type ProcMem } from './footprint/proc.ts';
import { HELPER_NAME } from '../agent/src/probes/icmp/helper.ts';
import {
  selfSignedCert,
  startFpingPeer,
  startHttpTargets,
  startIcmpFloor,
  startSnmpDevices,
  type FloorResult,
  type HttpTargets,
  type Peer,
  type SnmpDevices,
} from './footprint/lab.ts';
import { delivery } from './footprint/verify.ts';
import { unitNodeArgs } from './unit-node-args.ts';

const PRACTICE = 'BENCH1';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    'node-arg': { type: 'string', multiple: true, default: unitNodeArgs('n3mon-agent') },
    'log-level': { type: 'string', default: 'info' },
    keep: { type: 'boolean', default: false },
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

function agentConfig(o: { url: string; token: string; spoolDir: string; targets: HttpTargets; caFile: string; snmp: SnmpDevices }): unknown {
  const http = Array.from({ length: 8 }, (_, i) => {
    const https = i % 2 === 1;
    const target = `${https ? o.targets.httpsUrl : o.targets.httpUrl}/app${i + 1}/health`;
    return {
      kind: 'http',
      id: `http-${i + 1}`,
      target,
      role: 'national-app',
      app: `app${i + 1}`,
      intervalMs: 60_000,
      ...(https ? { tls: { caFile: o.caFile } } : {}),
    };
  });
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

/** Spawns `node [nodeArgs] CLI args`; resolves when `ready` matches a line of its stdout or stderr (which also go to logFile). */
function startNode(
  args: string[],
  ready: RegExp,
  opts: { cli?: string; nodeArgs?: string[]; logFile: string; timeoutMs?: number },
): Promise<{ child: ChildProcess; match: RegExpMatchArray; lines: Map<string, number> }> {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), opts.cli ?? CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  const log = createWriteStream(opts.logFile);
  const lines = new Map<string, number>(); // log lines per pino level
  const timeoutMs = opts.timeoutMs ?? 120_000;
  return new Promise((resolve, reject) => {
    let pending = '';
    let tail = '';
    let done = false;
    const timer = setTimeout(() => fail(`not ready within ${timeoutMs} ms`), timeoutMs);
    const fail = (why: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(new Error(`${args[0]} ${why}; its last output:\n${tail.trim() || '(none)'}`));
    };
    const onData = (d: Buffer): void => {
      log.write(d);
      tail = (tail + d.toString('utf8')).slice(-2000);
      pending += d.toString('utf8');
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) {
        const level = /"level":(\d+)/.exec(line)?.[1] ?? 'other';
        lines.set(level, (lines.get(level) ?? 0) + 1);
        const m = ready.exec(line);
        if (m !== null && !done) {
          done = true;
          clearTimeout(timer);
          resolve({ child, match: m, lines });
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (err) => fail(`could not start (${err.message})`));
    child.once('exit', (code, signal) => fail(`exited (${code ?? signal}) before it was ready`));
  });
}

async function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ── the run ──────────────────────────────────────────────────────────────────────────────────────
let interrupted = false;
process.once('SIGINT', () => {
  interrupted = true;
  console.error('\ninterrupted: stopping early and cleaning up…');
});

interface Second {
  t: number;
  mem: ProcMem;
  cpu: ProcCpu;
}

const dir = mkdtempSync(join(tmpdir(), 'n3mon-bench-agent-'));
let targets: HttpTargets | undefined;
let snmp: SnmpDevices | undefined;
let peer: Peer | undefined;
let floor: { child: ChildProcess; done: Promise<FloorResult> } | undefined;
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
    logFile: join(dir, 'collector.log'),
  });
  const url = collector.match[1] as string;
  const token = cli(['token', 'create', '--practice', PRACTICE, '--agent', 'bench', '--config', collectorConfig]);
  const apiKey = cli(['apikey', 'create', '--role', 'servicedesk', '--config', collectorConfig]);

  const agentFile = join(dir, 'agent.json');
  writeFileSync(agentFile, JSON.stringify(agentConfig({ url, token, spoolDir: join(dir, 'spool'), targets, caFile: cert.certFile, snmp }), null, 2));
  const spawnedAt = Date.now();
  const agent = await startNode(['agent', '--config', agentFile], /"msg":"agent started"/, { cli: AGENT_CLI, nodeArgs, logFile: join(dir, 'agent.log') });
  const pid = agent.child.pid as number;
  const readyAt = Date.now();
  // The agent's CPU includes its ping helper's (the shell that starts the ping processes).
  const readCpu = withHelper(pid, HELPER_NAME);
  const cpuReady = readCpu();
  const memReady = readMem(pid);

  // The window: the agent's steady state from "agent started", with the peer and the machine beside it.
  const rounds = Math.max(1, Math.floor(windowMs / ICMP.intervalMs));
  peer = startFpingPeer({ targets: ICMP_TARGETS, ...ICMP, roundMs: ICMP.intervalMs, rounds, logFile: join(dir, 'fping.log') });
  floor = startIcmpFloor({ targets: ICMP_TARGETS, ...ICMP, roundMs: ICMP.intervalMs, rounds });
  const procs0 = allProcesses();
  const ticks0 = machineTicks();
  const cpu0 = readCpu();
  const t0 = Date.now();
  const seconds: Second[] = [];
  for (let i = 1; i <= Math.ceil(windowMs / 1000) && !interrupted; i++) {
    await sleep(Math.max(0, t0 + i * 1000 - Date.now()));
    if (agent.child.exitCode !== null || agent.child.signalCode !== null) throw new Error(`the agent exited during the run (see ${join(dir, 'agent.log')})`);
    seconds.push({ t: Date.now() - t0, mem: readMem(pid), cpu: readCpu() });
  }
  const wallS = (Date.now() - t0) / 1000;
  const cpu1 = readCpu();
  const ticks1 = machineTicks();
  const procs1 = allProcesses();
  const host1 = machine();
  const memEnd = readMem(pid);

  await stopChild(agent.child);
  const peerResult = await Promise.race([peer.done, sleep(ICMP.intervalMs + 15_000).then(() => undefined)]);
  const floorResult = await Promise.race([floor.done, sleep(ICMP.intervalMs + 15_000).then(() => undefined)]);
  const deliveredBy = await delivery({ url, apiKey, practice: PRACTICE, fromMs: spawnedAt, toMs: Date.now() });
  await stopChild(collector.child);

  // ── figures ──
  const rss = seconds.map((s) => s.mem.rssKb / 1024);
  const pct = (cpuS: number, s: number): string => `${((cpuS / s) * 100).toFixed(2)} %`;
  const agentSelfS = cpu1.selfS - cpu0.selfS;
  const agentChildS = cpu1.childrenS - cpu0.childrenS;
  const helperS = cpu1.helperS - cpu0.helperS;
  const peerCpu = peerResult === undefined ? undefined : cpuOfStat(peerResult.statFields);
  const peerWallS = peerResult === undefined ? Number.NaN : (peerResult.rounds * ICMP.intervalMs) / 1000;
  const machineBusy = ((ticks1.busy - ticks0.busy) / (ticks1.total - ticks0.total)) * 100;
  const skip = new Set<number>([process.pid, pid, ...[peer.child.pid, floor.child.pid].filter((p): p is number => p !== undefined)]);
  const top = topConsumers(procs0, procs1, wallS, skip)
    .map((p) => `${p.comm} ×${p.processes} ${p.pctOfCore.toFixed(0)} %`)
    .join(', ');
  const perMinute: string[] = [];
  for (let m = 1; m * 60 <= seconds.length; m++) {
    const a = m === 1 ? cpu0 : (seconds[(m - 1) * 60 - 1] as Second).cpu;
    const b = (seconds[m * 60 - 1] as Second).cpu;
    const slice = seconds.slice((m - 1) * 60, m * 60).map((s) => s.mem.rssKb / 1024);
    perMinute.push(`${m}: ${(((b.selfS - a.selfS) / 60) * 100).toFixed(2)} % / ${median(slice).toFixed(1)} MB`);
  }
  const mb = (kb: number): string => `${(kb / 1024).toFixed(1)} MB`;
  const kinds = deliveredBy.byKind
    .sort((a, b) => a.kind.localeCompare(b.kind))
    .map((k) => `${k.kind} ${k.checks} checks ${k.runs} runs ${(k.successRatio * 100).toFixed(0)} % ok`)
    .join('; ');
  const series = ['icmp_rtt_avg_ms', 'http_total_ms', 'snmp_if_in_bps', 'host_cpu_load_ratio']
    .map((m) => `${m} ${deliveredBy.seriesByMetric.get(m) ?? 0}`)
    .join(', ');
  const levels: Record<string, string> = { '10': 'trace', '20': 'debug', '30': 'info', '40': 'warn', '50': 'error', '60': 'fatal' };
  const logLines = [...agent.lines].map(([l, n]) => `${levels[l] ?? l} ${n}`).join(', ');

  const rows: [string, string][] = [
    ['schedule', `20 icmp/30 s (burst ${ICMP.count} × ${ICMP.pingIntervalMs} ms), 8 http/60 s (4 https), 4 snmp × 48 ports/60 s (snmpsimd), host/60 s`],
    [
      'window',
      `${wallS.toFixed(0)} s from "agent started"${interrupted ? ' (interrupted)' : ''}; node args: ${nodeArgs.length === 0 ? 'none' : nodeArgs.join(' ')}`,
    ],
    ['agent build', AGENT_CLI],
    ['start-up', `${readyAt - spawnedAt} ms to "agent started", ${cpuReady.selfS.toFixed(2)} s CPU, RSS ${mb(memReady.rssKb)}`],
    ['RSS median / max sampled', `${median(rss).toFixed(1)} MB / ${Math.max(...rss).toFixed(1)} MB`],
    ['RSS peak (VmHWM, incl. start-up)', mb(memEnd.hwmKb)],
    ['RSS at end: anon / file', `${mb(memEnd.anonKb)} / ${mb(memEnd.fileKb)}`],
    [
      'CPU, agent process + ping helper',
      `${pct(agentSelfS, wallS)} of one core (${agentSelfS.toFixed(2)} s in ${wallS.toFixed(0)} s; the helper ${pct(helperS, wallS)})`,
    ],
    ['CPU, its ping children', `${pct(agentChildS, wallS)} of one core (per burst: one subshell of the helper and one iputils ping)`],
    ['CPU / RSS per minute', perMinute.join('  ') || '(window under a minute)'],
    [
      'peer: fping, same ICMP work',
      peerCpu === undefined || peerResult === undefined
        ? 'did not finish'
        : `${pct(peerCpu.selfS + peerCpu.childrenS, peerWallS)} of one core (${peerResult.rounds} rounds, ${peerResult.answeringTargets}/20 targets answered)`,
    ],
    [
      'control: Node + the icmp runner only',
      floorResult === undefined
        ? 'did not finish'
        : `${pct(floorResult.selfS, floorResult.wallS)} of one core (+ ${pct(floorResult.childrenS, floorResult.wallS)} in its ping children; ${floorResult.runs} bursts, ${floorResult.failed} incomplete)`,
    ],
    ['delivered (collector)', `${deliveredBy.samplesAccepted.toLocaleString('en-GB')} samples stored; ${kinds}`],
    ['series (collector read API)', series],
    ['agent log lines', logLines],
    ['HTTP target requests', String(targets.requests())],
    ['machine', `${host0.cpuModel}, ${host0.cores} cores, ${host0.memTotalMb} MB, Linux ${host0.kernel}, Node ${host0.node}`],
    [
      'machine load',
      `load avg ${host0.loadavg.map((l) => l.toFixed(2)).join(' ')} → ${host1.loadavg.map((l) => l.toFixed(2)).join(' ')}; all cores ${machineBusy.toFixed(0)} % busy`,
    ],
    ['busiest other processes', top || 'none'],
  ];
  const failing = deliveredBy.byKind.filter((k) => k.successRatio < 1);
  if (failing.length > 0) {
    rows.push([
      'NOTE',
      `some runs failed (${failing.map((k) => k.kind).join(', ')}; see agent.log with --keep): on an overloaded machine ping bursts, snmpsimd and df run late and time out, so the agent did less work than the schedule asks — read these figures with care`,
    ]);
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\nn3mon agent footprint — ${new Date(t0).toISOString()}`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
  console.log('');
} finally {
  for (const child of started) await stopChild(child, 5000);
  if (peer !== undefined) await stopChild(peer.child, 1000);
  if (floor !== undefined) await stopChild(floor.child, 1000);
  await targets?.close();
  await snmp?.daemon.dispose();
  if (values.keep) console.error(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
