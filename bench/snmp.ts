/**
 * SNMP polling at scale, beside the peer (PRODUCT.md: 100 devices × 48 interfaces in ≤ 5 s; an
 * SNMP round no slower and no costlier than snmp_exporter's).
 *
 * 100 simulated Cisco 3750s (Debian's recorded walk: 48 FastEthernet ports + uplinks, VLANs =
 * 59 interfaces each; HC counters growing at known rates) served by snmpsimd on 127.0.0.1. Both
 * sides poll the same snmpsimd processes, first all 100 devices, then the reference practice's 4:
 *
 * - n3mon: one `snmp` check per device (the real probe and net-snmp sessions, the registry's
 *   concurrency cap, the 48 FastEthernet ports selected) in a child process (bench/snmp/poller.ts)
 *   with the V8 flags `n3mon agent` gives itself (--no-opt unless N3MON_AGENT_V8_FLAGS says otherwise).
 *   Round 0 discovers (walks ifTable + ifXTable) and sets counter baselines; later rounds GET the
 *   counters and yield rates, and each device walks again every `rediscoverEvery` rounds at its
 *   own phase.
 * - snmp_exporter (Debian's prometheus-snmp-exporter): a module of the same 15 columns and scalars,
 *   the same version, community, max-repetitions, retries and timeout (bench/snmp/exporter.ts);
 *   every device scraped at once, as Prometheus would; every scrape checked (HTTP 200, 55
 *   ifHCInOctets series, no snmp_error).
 *
 * Per round and side: wall time; CPU seconds of the side's process (/proc/<pid>/stat, utime +
 * stime, so load elsewhere barely changes it); snmpsimd's CPU; RSS. The sides alternate, so both
 * see the same machine. snmpsimd is single-threaded Python and shares the 2 cores: it is the floor
 * of a round's wall time.
 *
 * usage: [N3MON_AGENT_V8_FLAGS=…] npm run bench:snmp [-- --devices 100,4 --rounds 5,20 --sims 2 --concurrency N
 *        --max-repetitions 25 --rediscover-every 10 --no-v2c-arch --cpu-prof DIR --no-peer]
 * Prints tables and ratios; no thresholds (benchmarks print numbers, they are not tests).
 */
import { fork } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { snmpProbe } from '../agent/src/probes/snmp/index.ts';
import { agentV8Flags } from '../agent/src/v8-flags.ts';
import { machine, median, readCpu, readMem } from './footprint/proc.ts';
import { HC_ROWS_PER_DEVICE, SNMP_EXPORTER, scrape, startExporter } from './snmp/exporter.ts';
import type { Peer } from './snmp/peer.ts';
import type { PollerInit, PollerRound } from './snmp/poller.ts';
import { makeTempDir, startSnmpsim, type Daemon } from '../test/lab/snmp/daemons.ts';
import { ciscoInterfacesRecording, fastEthernetRates, writeDevice } from '../test/lab/snmp/devices.ts';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '100,4' },
    rounds: { type: 'string', default: '5,20' },
    sims: { type: 'string', default: '2' },
    'no-v2c-arch': { type: 'boolean', default: false },
    concurrency: { type: 'string' },
    'max-repetitions': { type: 'string', default: '25' },
    'rediscover-every': { type: 'string', default: '10' },
    'cpu-prof': { type: 'string' },
    'no-peer': { type: 'boolean', default: false },
  },
});
const list = (s: string): number[] => s.split(',').map((x) => Number(x.trim()));
const FLEETS = list(values.devices);
const ROUNDS = list(values.rounds);
const SIMS = Number(values.sims);
const CONCURRENCY = Number(values.concurrency ?? snmpProbe.concurrency);
const MAX_REP = Number(values['max-repetitions']);
const REDISCOVER = Number(values['rediscover-every']);
// A real device answers in milliseconds; here 32 polls queue on each single-threaded snmpsimd
// sharing 2 loaded cores, so both sides wait up to 15 s for an answer before retrying: a round
// measures the polling, not retries of requests the simulator had still queued.
const REQUEST_TIMEOUT_MS = 15_000;
/** The poller runs with the V8 flags `n3mon agent` sets for itself (N3MON_AGENT_V8_FLAGS, default --no-opt). */
const POLLER_V8_FLAGS = agentV8Flags(process.env)
  .split(' ')
  .filter((f) => f !== '');
const RETRIES = 3;
const checks: [string, number, number, number][] = [
  ['sims', SIMS, 1, 16],
  ['concurrency', CONCURRENCY, 1, 1000],
  ['max-repetitions', MAX_REP, 1, 250],
  ['rediscover-every', REDISCOVER, 1, 10_000],
  ...FLEETS.map((n): [string, number, number, number] => ['devices', n, 1, 1000]),
  ...ROUNDS.map((n): [string, number, number, number] => ['rounds', n, 1, 1000]),
];
for (const [k, v, min, max] of checks) {
  if (!Number.isInteger(v) || v < min || v > max) throw new Error(`--${k} must be integers in ${min}..${max} (got ${v})`);
}
if (ROUNDS.length !== FLEETS.length) throw new Error(`--rounds needs one count per fleet in --devices (${FLEETS.length})`);
// snmpsimd --v2c-arch loops forever when max-repetitions × columns exceeds --max-varbinds (Python 3
// float division in its GETBULK handler): keep --max-varbinds far above 15 × max-repetitions.
const MAX_VARBINDS = 10_000;

interface Device {
  community: string;
  port: number;
}

interface Side {
  wallS: number;
  cpuS: number;
  simCpuS: number;
  rssMb: number;
  varbinds: number;
  /** n3mon: interfaces with a rate; exporter: ifHCInOctets series. */
  interfaces: number;
  failed: number;
  note: string;
}

const simCpu = (sims: readonly Daemon[]): number => sims.reduce((a, s) => a + readCpu(s.pid).selfS, 0);

/** The n3mon poller in its own process. */
async function startPoller(devices: readonly Device[]): Promise<{ pid: number; round(): Promise<PollerRound>; stop(): Promise<void> }> {
  const execArgv = ['--import', 'tsx', ...POLLER_V8_FLAGS, ...(values['cpu-prof'] === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`])];
  const child = fork(join(import.meta.dirname, 'snmp/poller.ts'), [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = (): Promise<{ type: string; stat?: PollerRound; message?: string }> =>
    new Promise((resolve, reject) => {
      const onExit = (): void => reject(new Error('the poller process exited'));
      child.once('exit', onExit);
      child.once('message', (m: { type: string; stat?: PollerRound; message?: string }) => {
        child.off('exit', onExit);
        resolve(m);
      });
    });
  const init: PollerInit = {
    type: 'init',
    devices: [...devices],
    concurrency: CONCURRENCY,
    maxRepetitions: MAX_REP,
    rediscoverEvery: REDISCOVER,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
  };
  const ready = next();
  child.send(init);
  if ((await ready).type !== 'ready') throw new Error('the poller did not start');
  return {
    pid: child.pid as number,
    round: async () => {
      const done = next();
      child.send({ type: 'round' });
      const m = await done;
      if (m.type !== 'done' || m.stat === undefined) throw new Error(`poller round failed: ${m.message ?? m.type}`);
      return m.stat;
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.send({ type: 'exit' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function measure<T>(
  pid: number,
  sims: readonly Daemon[],
  run: () => Promise<T>,
): Promise<{ value: T; wallS: number; cpuS: number; simCpuS: number; rssMb: number }> {
  const c0 = readCpu(pid).selfS;
  const s0 = simCpu(sims);
  const t0 = performance.now();
  const value = await run();
  const wallS = (performance.now() - t0) / 1000;
  return { value, wallS, cpuS: readCpu(pid).selfS - c0, simCpuS: simCpu(sims) - s0, rssMb: readMem(pid).rssKb / 1024 };
}

async function n3monRound(poller: Awaited<ReturnType<typeof startPoller>>, sims: readonly Daemon[]): Promise<Side> {
  const m = await measure(poller.pid, sims, () => poller.round());
  const r = m.value;
  const failed = Object.entries(r.outcomes).reduce((a, [k, v]) => a + (k === 'success' ? 0 : v), 0);
  const note = Object.entries(r.outcomes)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return { ...m, varbinds: r.varbinds, interfaces: r.rates, failed, note: `${note}; ${r.requests} requests, ${r.samples} samples` };
}

async function exporterRound(exporter: Peer, devices: readonly Device[], sims: readonly Daemon[]): Promise<Side> {
  const m = await measure(exporter.pid, sims, () =>
    Promise.all(devices.map((d) => scrape(exporter.port, { community: d.community, target: `127.0.0.1:${d.port}` }, 60_000))),
  );
  const errors = m.value.filter((s) => s.error !== undefined);
  const varbinds = m.value.reduce((a, s) => a + (Number.isFinite(s.pdus) ? s.pdus : 0), 0);
  const interfaces = m.value.reduce((a, s) => a + s.hcSeries, 0);
  const slowest = Math.max(...m.value.map((s) => (Number.isFinite(s.durationS) ? s.durationS : 0)));
  const note = errors.length === 0 ? `all ${devices.length} scrapes ok; slowest ${slowest.toFixed(2)} s` : `${errors.length} failed: ${errors[0]?.error ?? ''}`;
  return { ...m, varbinds, interfaces, failed: errors.length, note };
}

const fmt = (n: number, d = 2): string => (Number.isFinite(n) ? n.toFixed(d) : '–');
function table(rows: string[][]): void {
  const widths = (rows[0] as string[]).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  for (const r of rows)
    console.log(r.map((cell, c) => (c === 0 || c === r.length - 1 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number))).join('  '));
}

async function fleetRun(n: number, rounds: number, devices: readonly Device[], sims: readonly Daemon[], exporter: Peer | undefined): Promise<void> {
  const fleet = devices.slice(0, n);
  const poller = await startPoller(fleet);
  const ours: Side[] = [];
  const theirs: Side[] = [];
  try {
    for (let i = 0; i <= rounds; i++) {
      // Alternate who goes first, so neither side always follows the other's load.
      if (i % 2 === 0 || exporter === undefined) ours.push(await n3monRound(poller, sims));
      if (exporter !== undefined) theirs.push(await exporterRound(exporter, fleet, sims));
      if (i % 2 === 1 && exporter !== undefined) ours.push(await n3monRound(poller, sims));
    }
  } finally {
    await poller.stop();
  }

  console.log(`\n${n} devices × 48 selected interfaces, ${rounds} rounds after round 0`);
  const rows: string[][] = [['round', 'side', 'wall s', 'CPU s', 'RSS MB', 'snmpsimd CPU s', 'varbinds', 'interfaces', 'notes']];
  const row = (label: string, side: string, s: Side): string[] => [
    label,
    side,
    fmt(s.wallS),
    fmt(s.cpuS),
    fmt(s.rssMb, 0),
    fmt(s.simCpuS),
    String(s.varbinds),
    String(s.interfaces),
    s.note,
  ];
  ours.forEach((s, i) => {
    rows.push(row(i === 0 ? '0 discovery' : String(i), 'n3mon', s));
    const t = theirs[i];
    if (t !== undefined) rows.push(row(i === 0 ? '0 first scrape' : String(i), 'snmp_exporter', t));
  });
  table(rows);

  const steady = (xs: Side[]): { wallS: number; cpuS: number; simCpuS: number; varbinds: number } => {
    const s = xs.slice(1);
    // CPU: the mean (total / rounds), as ticks are 10 ms; wall: the median.
    return {
      wallS: median(s.map((x) => x.wallS)),
      cpuS: s.reduce((a, x) => a + x.cpuS, 0) / s.length,
      simCpuS: s.reduce((a, x) => a + x.simCpuS, 0) / s.length,
      varbinds: median(s.map((x) => x.varbinds)),
    };
  };
  const a = steady(ours);
  const summary: string[][] = [['per round', 'wall s (median)', 'CPU s (mean)', 'snmpsimd CPU s', 'varbinds', '']];
  summary.push([
    'n3mon discovery (round 0)',
    fmt(ours[0]?.wallS ?? Number.NaN),
    fmt(ours[0]?.cpuS ?? Number.NaN),
    fmt(ours[0]?.simCpuS ?? Number.NaN),
    String(ours[0]?.varbinds ?? 0),
    '',
  ]);
  summary.push(['n3mon steady rounds', fmt(a.wallS), fmt(a.cpuS, 3), fmt(a.simCpuS), String(a.varbinds), '']);
  if (theirs.length > 0) {
    const b = steady(theirs);
    summary.push(['snmp_exporter scrapes (rounds ≥ 1)', fmt(b.wallS), fmt(b.cpuS, 3), fmt(b.simCpuS), String(b.varbinds), '']);
    summary.push([
      'n3mon ÷ snmp_exporter',
      fmt(a.wallS / b.wallS),
      fmt(a.cpuS / b.cpuS),
      fmt(a.simCpuS / b.simCpuS),
      fmt(a.varbinds / b.varbinds),
      '(≤ 1: n3mon lighter)',
    ]);
    const failed = theirs.reduce((x, s) => x + s.failed, 0) + ours.reduce((x, s) => x + s.failed, 0);
    if (failed > 0) summary.push([`FAILED polls or scrapes: ${failed} (see above)`, '', '', '', '', '']);
  }
  console.log('');
  table(summary);
}

async function main(): Promise<void> {
  const work = makeTempDir('bench-snmp');
  chmodSync(work, 0o755); // as root, snmpsimd runs as nobody: it must reach its data
  const sims: Daemon[] = [];
  let exporter: Peer | undefined;
  try {
    const base = ciscoInterfacesRecording();
    const total = Math.max(...FLEETS);
    const dataDirs = Array.from({ length: SIMS }, (_, i) => join(work, `data${i}`));
    for (const d of dataDirs) mkdirSync(d, { recursive: true });
    const communities = Array.from({ length: total }, (_, i) => `dev${String(i + 1).padStart(3, '0')}`);
    communities.forEach((c, i) => writeDevice(dataDirs[i % SIMS] as string, base, { name: c, ports: fastEthernetRates() }));
    const t0 = performance.now();
    const started = await Promise.all(
      dataDirs.map((dataDir, i) =>
        startSnmpsim({
          dataDir,
          readyCommunity: communities[i] as string,
          v2cArch: !values['no-v2c-arch'],
          maxVarbinds: MAX_VARBINDS,
          dir: join(work, `sim${i}`),
        }),
      ),
    );
    sims.push(...started);
    const startS = (performance.now() - t0) / 1000;
    const devices: Device[] = communities.map((community, i) => ({ community, port: (sims[i % SIMS] as Daemon).port }));
    if (!values['no-peer'] && existsSync(SNMP_EXPORTER))
      exporter = await startExporter(work, communities, { maxRepetitions: MAX_REP, retries: RETRIES, timeoutS: REQUEST_TIMEOUT_MS / 1000 });

    const m = machine();
    console.log(
      `snmp bench: simulated Cisco 3750s (59 interfaces, ${HC_ROWS_PER_DEVICE} with HC counters, 48 selected by n3mon) on ${SIMS} snmpsimd${values['no-v2c-arch'] ? '' : ' --v2c-arch'} (ready in ${fmt(startS, 1)} s); ` +
        `n3mon concurrency ${CONCURRENCY}, rediscoverEvery ${REDISCOVER}, V8 flags '${POLLER_V8_FLAGS.join(' ')}' (as n3mon agent; N3MON_AGENT_V8_FLAGS); both sides v2c, max-repetitions ${MAX_REP}, timeout ${REQUEST_TIMEOUT_MS / 1000} s, retries ${RETRIES}\n` +
        `machine: ${m.cpuModel}, ${m.cores} cores, node ${m.node}, load average ${m.loadavg.map((x) => x.toFixed(2)).join(' ')} at start` +
        (exporter !== undefined
          ? ''
          : values['no-peer']
            ? '\n(--no-peer: snmp_exporter is not run)'
            : `\n(${SNMP_EXPORTER} is not installed — run \`node scripts/bench-prereqs.mjs snmp\` as root: the peer is skipped)`),
    );
    for (const [i, n] of FLEETS.entries()) await fleetRun(n, ROUNDS[i] as number, devices, sims, exporter);
    console.log(
      `\nload average at the end ${machine()
        .loadavg.map((x) => x.toFixed(2))
        .join(' ')}; target: 100 devices × 48 interfaces ≤ 5 s per round`,
    );
  } finally {
    await exporter?.stop();
    await Promise.all(sims.map((s) => s.stop()));
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
