/**
 * SNMP polling at scale (PRODUCT.md quality bar: 100 devices × 48 interfaces in ≤ 5 s).
 *
 * 100 simulated Cisco 3750s (Debian's recorded walk, 48 FastEthernet ports + uplinks/VLANs = 59
 * interfaces each; HC counters growing at known rates) served by snmpsimd on 127.0.0.1, polled as
 * 100 checks of the real `snmp` probe (real net-snmp sessions) under the probe's concurrency cap,
 * selecting the 48 FastEthernet ports. A warm-up round sets the counter baselines; each measured
 * round then yields rates. Per round: wall time, CPU of this process (where the probe runs), RSS,
 * and snmpsimd's own CPU. In the same run, net-snmp's `snmpbulkwalk` walks the same 15 columns of
 * every device (one process per column, the same parallelism, the same max-repetitions).
 *
 * usage: npm run bench:snmp [-- --devices 100 --rounds 5 --sims 2 --no-v2c-arch --concurrency N]
 * Prints a table; no thresholds (benchmarks print numbers, they are not tests).
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { snmpProbe } from '../agent/src/probes/snmp/index.ts';
import { COLUMNS } from '../agent/src/probes/snmp/oids.ts';
import type { SnmpCheck } from '../agent/src/probes/snmp/schema.ts';
import type { Probe, ProbeResult } from '../agent/src/probes/types.ts';
import { systemClock } from '../shared/src/clock.ts';
import { silentLogger } from '../shared/src/log.ts';
import { parseWithSchema } from '../shared/src/validate.ts';
import { SNMPBULKWALK, makeTempDir, startSnmpsim, type Daemon } from '../test/lab/snmp/daemons.ts';
import { ciscoInterfacesRecording, fastEthernetRates, writeDevice } from '../test/lab/snmp/devices.ts';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '5' },
    sims: { type: 'string', default: '2' },
    'no-v2c-arch': { type: 'boolean', default: false },
    concurrency: { type: 'string' },
    'max-repetitions': { type: 'string', default: '25' },
  },
});
const DEVICES = Number(values.devices);
const ROUNDS = Number(values.rounds);
const SIMS = Number(values.sims);
const V2C_ARCH = !values['no-v2c-arch'];
const CONCURRENCY = Number(values.concurrency ?? snmpProbe.concurrency);
const MAX_REP = Number(values['max-repetitions']);
for (const [k, v, max] of [['devices', DEVICES, 1000], ['rounds', ROUNDS, 100], ['sims', SIMS, 16], ['concurrency', CONCURRENCY, 1000], ['max-repetitions', MAX_REP, 250]] as const) {
  if (!Number.isInteger(v) || v < 1 || v > max) throw new Error(`--${k} must be an integer in 1..${max} (got ${v})`);
}
// snmpsimd --v2c-arch loops forever when max-repetitions × columns exceeds --max-varbinds (Python 3
// float division in its GETBULK handler); keep --max-varbinds far above 15 × max-repetitions.
const MAX_VARBINDS = 10_000;
const HAVE_BULKWALK = existsSync(SNMPBULKWALK);

const TICKS = 100; // USER_HZ
function procCpuS(pid: number | 'self'): { own: number; children: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields after ")": 0=state … 11=utime 12=stime 13=cutime 14=cstime
  return { own: (Number(f[11]) + Number(f[12])) / TICKS, children: (Number(f[13]) + Number(f[14])) / TICKS };
}

async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

interface Device {
  community: string;
  port: number;
  probe: Probe;
}

interface RoundStat {
  wallS: number;
  cpuS: number;
  simCpuS: number;
  rssMb: number;
  samples: number;
  outcomes: Map<string, number>;
  rates: number;
}

async function probeRound(devices: readonly Device[], sims: readonly Daemon[]): Promise<RoundStat> {
  const cpu0 = process.cpuUsage();
  const sim0 = sims.reduce((a, s) => a + procCpuS(s.pid).own, 0);
  const t0 = performance.now();
  const outcomes = new Map<string, number>();
  let samples = 0;
  let rates = 0;
  await pool(devices, CONCURRENCY, async (d) => {
    const r: ProbeResult = await d.probe.run({ signal: AbortSignal.timeout(60_000), timeoutMs: 60_000, log: silentLogger(), clock: systemClock });
    outcomes.set(r.outcome, (outcomes.get(r.outcome) ?? 0) + 1);
    samples += r.samples.length;
    rates += r.samples.filter((s) => s.metric === 'snmp_if_in_bps').length;
  });
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    wallS,
    cpuS: (cpu.user + cpu.system) / 1e6,
    simCpuS: sims.reduce((a, s) => a + procCpuS(s.pid).own, 0) - sim0,
    rssMb: process.memoryUsage().rss / 2 ** 20,
    samples,
    outcomes,
    rates,
  };
}

function runWalk(args: string[]): Promise<{ lines: number; ok: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(SNMPBULKWALK, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let lines = 0;
    child.stdout.on('data', (d: Buffer) => {
      for (const b of d) if (b === 10) lines++;
    });
    child.once('error', () => resolve({ lines, ok: false }));
    child.once('close', (code) => resolve({ lines, ok: code === 0 }));
  });
}

async function bulkwalkRound(devices: readonly Device[], sims: readonly Daemon[]): Promise<{ wallS: number; cpuS: number; simCpuS: number; varbinds: number; failed: number }> {
  const jobs = devices.flatMap((d) => Object.values(COLUMNS).map((col) => ['-v2c', '-c', d.community, '-m', '', '-On', '-Oq', `-Cr${MAX_REP}`, '-t', '5', '-r', '3', `127.0.0.1:${d.port}`, col]));
  const c0 = procCpuS('self').children;
  const sim0 = sims.reduce((a, s) => a + procCpuS(s.pid).own, 0);
  const t0 = performance.now();
  let varbinds = 0;
  let failed = 0;
  await pool(jobs, CONCURRENCY, async (args) => {
    const r = await runWalk(args);
    varbinds += r.lines;
    if (!r.ok) failed++;
  });
  return {
    wallS: (performance.now() - t0) / 1000,
    cpuS: procCpuS('self').children - c0,
    simCpuS: sims.reduce((a, s) => a + procCpuS(s.pid).own, 0) - sim0,
    varbinds,
    failed,
  };
}

const fmt = (n: number, d = 2): string => n.toFixed(d);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

async function main(): Promise<void> {
  const work = makeTempDir('bench-snmp');
  chmodSync(work, 0o755); // snmpsimd runs as nobody when we are root: it must reach its data
  const sims: Daemon[] = [];
  try {
    const base = ciscoInterfacesRecording();
    const dataDirs = Array.from({ length: SIMS }, (_, i) => join(work, `data${i}`));
    for (const d of dataDirs) mkdirSync(d, { recursive: true });
    const communities = Array.from({ length: DEVICES }, (_, i) => `dev${String(i + 1).padStart(3, '0')}`);
    communities.forEach((c, i) => writeDevice(dataDirs[i % SIMS] as string, base, { name: c, ports: fastEthernetRates() }));
    const t0 = performance.now();
    sims.push(
      ...(await Promise.all(
        dataDirs.map((dataDir, i) => startSnmpsim({ dataDir, readyCommunity: communities[i] as string, v2cArch: V2C_ARCH, maxVarbinds: MAX_VARBINDS, dir: join(work, `sim${i}`) })),
      )),
    );
    const startS = (performance.now() - t0) / 1000;

    const devices: Device[] = communities.map((community, i) => {
      const sim = sims[i % SIMS] as Daemon;
      const raw = { kind: 'snmp', target: `127.0.0.1:${sim.port}`, role: 'lan-gateway', version: '2c', community, maxRepetitions: MAX_REP, interfaces: [{ name: 'Fa*' }] };
      const parsed = parseWithSchema(snmpProbe.schema, raw);
      if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
      return { community, port: sim.port, probe: snmpProbe.create(parsed.value as SnmpCheck, { log: silentLogger(), clock: systemClock, collector: { url: 'http://127.0.0.1:1', token: 'unused' } }) };
    });

    console.log(`snmp bench: ${DEVICES} simulated Cisco 3750 (59 interfaces, 48 selected) on ${SIMS} snmpsimd${V2C_ARCH ? ' --v2c-arch' : ''} (ready in ${fmt(startS, 1)} s); concurrency ${CONCURRENCY}; max-repetitions ${MAX_REP}; node ${process.version}`);
    const warm = await probeRound(devices, sims);
    console.log(`warm-up round (baselines, no rates yet): ${fmt(warm.wallS)} s, outcomes ${[...warm.outcomes].map(([k, v]) => `${k}=${v}`).join(' ')}`);

    const rounds: RoundStat[] = [];
    const walks: Awaited<ReturnType<typeof bulkwalkRound>>[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      rounds.push(await probeRound(devices, sims));
      if (HAVE_BULKWALK && i < Math.min(ROUNDS, 3)) walks.push(await bulkwalkRound(devices, sims));
    }

    const rows: string[][] = [['round', 'wall s', 'CPU s (this process)', 'CPU % of a core', 'RSS MB', 'snmpsimd CPU s', 'samples', 'in_bps rates', 'outcomes']];
    rounds.forEach((r, i) => {
      rows.push([String(i + 1), fmt(r.wallS), fmt(r.cpuS), fmt((100 * r.cpuS) / r.wallS, 0), fmt(r.rssMb, 0), fmt(r.simCpuS), String(r.samples), String(r.rates), [...r.outcomes].map(([k, v]) => `${k}=${v}`).join(' ')]);
    });
    const widths = (rows[0] as string[]).map((_, c) => Math.max(...rows.map((r) => (r[c] as string).length)));
    for (const r of rows) console.log(r.map((cell, c) => cell.padStart(widths[c] as number)).join('  '));

    console.log('');
    console.log('side by side (median of rounds)             wall s   CPU s (poller)  snmpsimd CPU s   varbinds');
    const m = (f: (r: RoundStat) => number) => median(rounds.map(f));
    console.log(`n3mon snmp probe (100 checks, 15 columns)    ${fmt(m((r) => r.wallS)).padStart(6)}   ${fmt(m((r) => r.cpuS)).padStart(14)}  ${fmt(m((r) => r.simCpuS)).padStart(14)}   ${String(DEVICES * 15 * 59).padStart(8)} (+ system group)`);
    if (walks.length > 0) {
      const w = (f: (x: (typeof walks)[0]) => number) => median(walks.map(f));
      console.log(`snmpbulkwalk (1 process per column, ×${CONCURRENCY})   ${fmt(w((x) => x.wallS)).padStart(6)}   ${fmt(w((x) => x.cpuS)).padStart(14)}  ${fmt(w((x) => x.simCpuS)).padStart(14)}   ${String(w((x) => x.varbinds)).padStart(8)}${walks.some((x) => x.failed > 0) ? `  (${walks.map((x) => x.failed).join('/')} walks failed)` : ''}`);
    } else {
      console.log('snmpbulkwalk: not installed, skipped');
    }
    console.log(`\ntarget: 100 devices × 48 interfaces in ≤ 5 s per round; median ${fmt(m((r) => r.wallS))} s`);
  } finally {
    await Promise.all(sims.map((s) => s.stop()));
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
