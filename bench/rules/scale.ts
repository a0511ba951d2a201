/**
 * bench/rules.ts --collector: the collector at N practices (default 8,000) × the reference
 * practice's ~340 series (163 of them judged by live rules). Prepares a data dir once (the real
 * SQLite store, written minute by minute and rolled up as the collector's maintenance does; kept
 * between runs, `--fresh` rebuilds it), then runs bench/rules/collector.ts in a process of its own
 * with the systemd unit's node flags (plus `--node-flags`, e.g. "--heap-prof --cpu-prof") and prints
 * its figures beside the goals of issue 16:
 *   RSS at steady state ≤ 1.5 GB; ≤ 15 s (CPU) from process start to evaluating;
 *   steady tick ≤ 15 s CPU per minute of data for 8,000 practices.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../shared/src/log.ts';
import { openSqliteStore } from '../../collector/src/storage/sqlite/index.ts';
import { DEFAULT_RETENTION } from '../../collector/src/storage/registry.ts';
import { unitNodeArgs } from '../unit-node-args.ts';
import { M, minuteOf, ods, practiceSeries, T0 } from './practice.ts';

export interface ScaleOptions {
  practices: number;
  minutes: number;
  steady: number;
  dataDir: string | undefined;
  fresh: boolean;
  nodeFlags: string[];
}

async function prepare(dir: string, practices: number, minutes: number): Promise<void> {
  const marker = join(dir, 'bench-complete');
  if (existsSync(marker)) return;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { live, rest } = practiceSeries();
  const defs = [...live, ...rest];
  const store = openSqliteStore({ dir, retention: DEFAULT_RETENTION, log: createLogger({ level: 'warn' }), synchronous: 'normal' });
  const started = performance.now();
  for (let m = 0; m < minutes; m++) {
    // 64 practices at a time: the store commits concurrent writes together (group commit).
    for (let p0 = 0; p0 < practices; p0 += 64) {
      const jobs: Promise<unknown>[] = [];
      for (let p = p0; p < Math.min(practices, p0 + 64); p++) jobs.push(store.write({ practice: ods(p), agent: 'srv1', samples: minuteOf(defs, p, m) }));
      await Promise.all(jobs);
    }
    await store.maintain(T0 + (m + 1) * M);
    process.stdout.write(`\rpreparing ${dir}: minute ${m + 1}/${minutes}, ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  await store.close();
  writeFileSync(marker, `${practices} practices × ${defs.length} series × ${minutes} minutes\n`);
  process.stdout.write('\n');
}

interface ChildResult {
  practices: number;
  liveSeries: number;
  allSeries: number;
  opened: { wallS: number; cpuS: number; rssMB: number; series: number };
  evaluating: { wallS: number; cpuS: number; rssMB: number; peakMB: number; series: number; evaluations: number };
  steady: { writeCpuS: number; tickCpuS: number; tickWallS: number; evaluations: number; rssMB: number }[];
  end: { rssMB: number; peakMB: number };
}

function runChild(dir: string, o: ScaleOptions): Promise<ChildResult> {
  const flags = [...unitNodeArgs('n3mon-collector'), ...o.nodeFlags];
  const child = spawn(
    process.execPath,
    [
      ...flags,
      '--import',
      'tsx',
      new URL('./collector.ts', import.meta.url).pathname,
      '--dir',
      dir,
      '--practices',
      String(o.practices),
      '--minutes',
      String(o.minutes),
      '--steady',
      String(o.steady),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0) reject(new Error(`collector bench process exited ${code}: ${out.slice(-2000)}`));
      else resolve(JSON.parse(last) as ChildResult);
    });
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : ((s[(s.length - 1) >> 1] as number) + (s[s.length >> 1] as number)) / 2;
};

export async function runScale(o: ScaleOptions): Promise<void> {
  const dir = o.dataDir ?? join(tmpdir(), `n3mon-bench-rules-${o.practices}x${o.minutes}`);
  if (o.fresh) rmSync(dir, { recursive: true, force: true });
  await prepare(dir, o.practices, o.minutes);
  console.log(`\ncollector at ${o.practices} practices, data in ${dir}; node ${[...unitNodeArgs('n3mon-collector'), ...o.nodeFlags].join(' ')}`);
  const r = await runChild(dir, o);
  const f = (n: number, d = 1): string => n.toFixed(d);
  const ticks = r.steady.map((s) => s.tickCpuS);
  const scale = 8000 / r.practices;
  console.log(
    `${r.opened.series.toLocaleString('en-GB')} series in the store (${r.allSeries} per practice, ${r.liveSeries} judged by live rules); ` +
      `${r.evaluating.series.toLocaleString('en-GB')} evaluated series, ${r.evaluating.evaluations.toLocaleString('en-GB')} evaluations in the first tick`,
  );
  console.table([
    {
      figure: 'store open (process start → store ready)',
      measured: `${f(r.opened.cpuS)} s CPU, ${f(r.opened.wallS)} s wall, ${f(r.opened.rssMB, 0)} MB RSS`,
      goal: '',
    },
    {
      figure: 'start-up: process start → evaluating (first tick done)',
      measured: `${f(r.evaluating.cpuS)} s CPU, ${f(r.evaluating.wallS)} s wall`,
      goal: `≤ 15 s (per 8,000 practices: ${f(r.evaluating.cpuS * scale)} s CPU)`,
    },
    { figure: 'RSS when evaluating / peak so far', measured: `${f(r.evaluating.rssMB, 0)} / ${f(r.evaluating.peakMB, 0)} MB`, goal: '' },
    {
      figure: 'steady tick: CPU per minute of data',
      measured: `median ${f(median(ticks), 2)} s (${ticks.map((t) => f(t, 2)).join(', ')}); wall ${r.steady.map((s) => f(s.tickWallS)).join(', ')} s`,
      goal: `≤ 15 s per 8,000 practices (here: ${f(median(ticks) * scale, 2)} s)`,
    },
    { figure: 'write of one minute (as ingest does; not the tick)', measured: `${r.steady.map((s) => f(s.writeCpuS, 1)).join(', ')} s CPU`, goal: '' },
    {
      figure: 'RSS at steady state (after the last tick) / peak',
      measured: `${f(r.end.rssMB, 0)} / ${f(r.end.peakMB, 0)} MB`,
      goal: '≤ 1.5 GB (1,536 MB)',
    },
  ]);
}
