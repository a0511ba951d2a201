/**
 * SNMP polling at scale (PRODUCT.md quality bar: 100 devices × 48 interfaces in ≤ 5 s).
 *
 * 100 simulated Cisco 3750s (Debian's recorded walk: 48 FastEthernet ports + uplinks, VLANs =
 * 59 interfaces each; HC counters growing at known rates) served by snmpsimd on 127.0.0.1,
 * polled as 100 checks of the real `snmp` probe (production code and net-snmp sessions; a thin
 * wrapper only counts requests and varbinds) under the probe's concurrency cap, selecting the 48
 * FastEthernet ports. Round 0 discovers (walks ifTable + ifXTable) and sets counter baselines;
 * the measured rounds then GET the counters and yield rates, while each device walks again once
 * per `rediscoverEvery` polls at its own phase (~1/N of the devices per round);
 * `--rediscover-every 1` measures walking every round. Per round: wall time, CPU of this
 * process (where the probe runs), RSS, snmpsimd's CPU. In the same run net-snmp's `snmpbulkwalk`
 * walks the same devices: the same 15 columns (one process per column), and the two whole tables
 * (one process per table) — same parallelism, same max-repetitions.
 *
 * snmpsimd is single-threaded Python (~130 µs of CPU per varbind here), so on a 2-core machine it
 * is the floor of a round; compare the CPU columns. The checks use requestTimeoutMs 5000: 32 polls
 * queued on 2 simulator processes wait longer than a real device would ever make them.
 *
 * usage: npm run bench:snmp [-- --devices 100 --rounds 5 --sims 2 --concurrency N
 *        --rediscover-every N --max-repetitions 25 --bulkwalk-rounds 1 --no-v2c-arch]
 * Prints a table; no thresholds (benchmarks print numbers, they are not tests).
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { snmpProbe } from '../agent/src/probes/snmp/index.ts';
import { openNetSnmpSession } from '../agent/src/probes/snmp/net-snmp-session.ts';
import { COLUMNS, IF_ENTRY, IFX_ENTRY } from '../agent/src/probes/snmp/oids.ts';
import { createSnmpProbe } from '../agent/src/probes/snmp/probe.ts';
import type { SnmpCheck } from '../agent/src/probes/snmp/schema.ts';
import type { SessionFactory } from '../agent/src/probes/snmp/session.ts';
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
    'rediscover-every': { type: 'string', default: '10' },
    'bulkwalk-rounds': { type: 'string', default: '1' },
  },
});
const DEVICES = Number(values.devices);
const ROUNDS = Number(values.rounds);
const SIMS = Number(values.sims);
const V2C_ARCH = !values['no-v2c-arch'];
const CONCURRENCY = Number(values.concurrency ?? snmpProbe.concurrency);
const MAX_REP = Number(values['max-repetitions']);
const REDISCOVER = Number(values['rediscover-every']);
const BULKWALK_ROUNDS = Number(values['bulkwalk-rounds']);
for (const [k, v, min, max] of [
  ['devices', DEVICES, 1, 1000],
  ['rounds', ROUNDS, 1, 100],
  ['sims', SIMS, 1, 16],
  ['concurrency', CONCURRENCY, 1, 1000],
  ['max-repetitions', MAX_REP, 1, 250],
  ['rediscover-every', REDISCOVER, 1, 10_000],
  ['bulkwalk-rounds', BULKWALK_ROUNDS, 0, 100],
] as const) {
  if (!Number.isInteger(v) || v < min || v > max) throw new Error(`--${k} must be an integer in ${min}..${max} (got ${v})`);
}
// snmpsimd --v2c-arch loops forever when max-repetitions × columns exceeds --max-varbinds (Python 3
// float division in its GETBULK handler): keep --max-varbinds far above 15 × max-repetitions.
const MAX_VARBINDS = 10_000;
const HAVE_BULKWALK = existsSync(SNMPBULKWALK);
const LOG = silentLogger();

const USER_HZ = 100;
function procCpuS(pid: number | 'self'): { own: number; children: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // after ")": 0 state … 11 utime, 12 stime, 13 cutime, 14 cstime
  return { own: (Number(f[11]) + Number(f[12])) / USER_HZ, children: (Number(f[13]) + Number(f[14])) / USER_HZ };
}
const simCpu = (sims: readonly Daemon[]): number => sims.reduce((a, s) => a + procCpuS(s.pid).own, 0);

async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const traffic = { requests: 0, varbinds: 0 };
/** The production session factory, counting what goes over the wire. */
const countingFactory: SessionFactory = async (params, signal) => {
  const opened = await openNetSnmpSession(params, signal);
  if (!opened.ok) return opened;
  const s = opened.value;
  const count = <T>(r: { ok: true; value: T } | { ok: false; failure: { kind: string; message: string } }, n: (v: T) => number) => {
    traffic.requests++;
    if (r.ok) traffic.varbinds += n(r.value);
    return r;
  };
  return {
    ok: true,
    value: {
      get: async (o, sig) => count(await s.get(o, sig), (v) => v.length),
      getNext: async (o, sig) => count(await s.getNext(o, sig), (v) => v.length),
      getBulk: async (o, rep, sig) => count(await s.getBulk(o, rep, sig), (v) => v.reduce((a, g) => a + g.length, 0)),
      close: () => s.close(),
    },
  } as Awaited<ReturnType<SessionFactory>>;
};

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
  rates: number;
  requests: number;
  varbinds: number;
  outcomes: Map<string, number>;
}

async function probeRound(devices: readonly Device[], sims: readonly Daemon[]): Promise<RoundStat> {
  const cpu0 = process.cpuUsage();
  const sim0 = simCpu(sims);
  const traffic0 = { ...traffic };
  const t0 = performance.now();
  const outcomes = new Map<string, number>();
  let samples = 0;
  let rates = 0;
  await pool(devices, CONCURRENCY, async (d) => {
    const r: ProbeResult = await d.probe.run({ signal: AbortSignal.timeout(60_000), timeoutMs: 60_000, log: LOG, clock: systemClock });
    outcomes.set(r.outcome, (outcomes.get(r.outcome) ?? 0) + 1);
    samples += r.samples.length;
    for (const s of r.samples) if (s.metric === 'snmp_if_in_bps') rates++;
  });
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    wallS,
    cpuS: (cpu.user + cpu.system) / 1e6,
    simCpuS: simCpu(sims) - sim0,
    rssMb: process.memoryUsage().rss / 2 ** 20,
    samples,
    rates,
    requests: traffic.requests - traffic0.requests,
    varbinds: traffic.varbinds - traffic0.varbinds,
    outcomes,
  };
}

interface WalkStat {
  wallS: number;
  cpuS: number;
  simCpuS: number;
  processes: number;
  varbinds: number;
  failed: number;
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

async function bulkwalkRound(devices: readonly Device[], sims: readonly Daemon[], subtrees: readonly string[]): Promise<WalkStat> {
  const jobs = devices.flatMap((d) =>
    subtrees.map((oid) => ['-v2c', '-c', d.community, '-m', '', '-On', '-Oq', `-Cr${MAX_REP}`, '-t', '5', '-r', '3', `127.0.0.1:${d.port}`, oid]),
  );
  const c0 = procCpuS('self').children;
  const sim0 = simCpu(sims);
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
    simCpuS: simCpu(sims) - sim0,
    processes: jobs.length,
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
const outcomeText = (o: Map<string, number>): string => [...o].map(([k, v]) => `${k}=${v}`).join(' ');

function table(rows: string[][]): void {
  const widths = (rows[0] as string[]).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  for (const r of rows) console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number))).join('  '));
}

async function main(): Promise<void> {
  const work = makeTempDir('bench-snmp');
  chmodSync(work, 0o755); // as root, snmpsimd runs as nobody: it must reach its data
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
        dataDirs.map((dataDir, i) =>
          startSnmpsim({ dataDir, readyCommunity: communities[i] as string, v2cArch: V2C_ARCH, maxVarbinds: MAX_VARBINDS, dir: join(work, `sim${i}`) }),
        ),
      )),
    );
    const startS = (performance.now() - t0) / 1000;

    const devices: Device[] = communities.map((community, i) => {
      const sim = sims[i % SIMS] as Daemon;
      const raw = {
        kind: 'snmp',
        id: community, // checks sharing a target need their own ids (as in a real config)
        target: `127.0.0.1:${sim.port}`,
        role: 'lan-gateway',
        version: '2c',
        community,
        requestTimeoutMs: 5000,
        maxRepetitions: MAX_REP,
        rediscoverEvery: REDISCOVER,
        interfaces: [{ name: 'Fa*' }],
      };
      const parsed = parseWithSchema(snmpProbe.schema, raw);
      if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
      return { community, port: sim.port, probe: createSnmpProbe(parsed.value as SnmpCheck, { openSession: countingFactory }) };
    });

    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    console.log(
      `snmp bench: ${DEVICES} simulated Cisco 3750 (59 interfaces, 48 selected) on ${SIMS} snmpsimd${V2C_ARCH ? ' --v2c-arch' : ''} (ready in ${fmt(startS, 1)} s); ` +
        `concurrency ${CONCURRENCY}; max-repetitions ${MAX_REP}; rediscoverEvery ${REDISCOVER}; node ${process.version}; load average ${load}`,
    );
    const rounds: RoundStat[] = [await probeRound(devices, sims)];
    const walks: { label: string; stat: WalkStat }[] = [];
    for (let i = 1; i <= ROUNDS; i++) {
      rounds.push(await probeRound(devices, sims));
      if (HAVE_BULKWALK && i <= BULKWALK_ROUNDS) {
        walks.push({ label: 'snmpbulkwalk, the same 15 columns (1 process each)', stat: await bulkwalkRound(devices, sims, Object.values(COLUMNS)) });
        walks.push({ label: 'snmpbulkwalk, ifTable + ifXTable (1 process each)', stat: await bulkwalkRound(devices, sims, [IF_ENTRY, IFX_ENTRY]) });
      }
    }

    const rows: string[][] = [
      ['round', 'wall s', 'CPU s', 'CPU % core', 'RSS MB', 'snmpsimd CPU s', 'requests', 'varbinds', 'samples', 'in_bps rates', 'outcomes'],
    ];
    rounds.forEach((r, i) => {
      const kind = i === 0 ? '0 discovery' : String(i);
      rows.push([
        kind,
        fmt(r.wallS),
        fmt(r.cpuS),
        fmt((100 * r.cpuS) / r.wallS, 0),
        fmt(r.rssMb, 0),
        fmt(r.simCpuS),
        String(r.requests),
        String(r.varbinds),
        String(r.samples),
        String(r.rates),
        outcomeText(r.outcomes),
      ]);
    });
    table(rows);

    console.log('');
    const measured = rounds.slice(1);
    const m = (f: (r: RoundStat) => number): number => median(measured.map(f));
    const side: string[][] = [['side by side (medians)', 'wall s', 'poller CPU s', 'snmpsimd CPU s', 'processes', 'varbinds']];
    side.push([
      `n3mon snmp probe: discovery round (walk)`,
      fmt(rounds[0]?.wallS ?? NaN),
      fmt(rounds[0]?.cpuS ?? NaN),
      fmt(rounds[0]?.simCpuS ?? NaN),
      '1',
      String(rounds[0]?.varbinds ?? 0),
    ]);
    side.push([`n3mon snmp probe: polling rounds`, fmt(m((r) => r.wallS)), fmt(m((r) => r.cpuS)), fmt(m((r) => r.simCpuS)), '1', String(m((r) => r.varbinds))]);
    if (walks.length === 0)
      console.log(HAVE_BULKWALK ? '(snmpbulkwalk comparison skipped: --bulkwalk-rounds 0)' : '(snmpbulkwalk is not installed: comparison skipped)');
    for (const label of [...new Set(walks.map((w) => w.label))]) {
      const ws = walks.filter((w) => w.label === label).map((w) => w.stat);
      const wm = (f: (x: WalkStat) => number): number => median(ws.map(f));
      const failed = ws.reduce((a, x) => a + x.failed, 0);
      side.push([
        label + (failed > 0 ? ` (${failed} failed)` : ''),
        fmt(wm((x) => x.wallS)),
        fmt(wm((x) => x.cpuS)),
        fmt(wm((x) => x.simCpuS)),
        String(ws[0]?.processes ?? 0),
        String(wm((x) => x.varbinds)),
      ]);
    }
    table(side);
    console.log(
      `\ntarget: ${DEVICES === 100 ? '' : '(for 100) '}100 devices × 48 interfaces in ≤ 5 s per round; polling rounds median ${fmt(m((r) => r.wallS))} s, discovery ${fmt(rounds[0]?.wallS ?? NaN)} s`,
    );
  } finally {
    await Promise.all(sims.map((s) => s.stop()));
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
