/**
 * bench/rules.ts --collector: the collector at N practices (default 8,000) × the reference
 * practice's ~340 series (163 of them judged by live rules). Prepares a data dir once (the real
 * SQLite store's schema, every series once a minute; kept between runs, `--fresh` rebuilds it), then runs bench/rules/collector.ts in a process of its own
 * with the systemd unit's node flags (plus `--node-flags`, e.g. "--heap-prof --cpu-prof") and prints
 * its figures beside the goals of issue 16:
 *   RSS at steady state ≤ 1.5 GB; ≤ 15 s (CPU) from process start to evaluating;
 *   steady tick ≤ 15 s CPU per minute of data for 8,000 practices.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { canonicalLabels } from '../../collector/src/storage/labels.ts';
import { SERIES_DB_FILE } from '../../collector/src/storage/sqlite/index.ts';
import { initSchema } from '../../collector/src/storage/sqlite/schema.ts';
import { unitNodeArgs } from '../unit-node-args.ts';
import { M, ods, practiceSeries, type SeriesDef, T0 } from './practice.ts';

export interface ScaleOptions {
  practices: number;
  minutes: number;
  steady: number;
  dataDir: string | undefined;
  fresh: boolean;
  nodeFlags: string[];
}

/**
 * The data set, written straight into series.db (the store's own schema; 20× faster than through
 * store.write on a busy machine): every series of every practice once a minute, series ids in
 * first-write order as the store assigns them, `last_ts` and the minute watermark as the
 * collector's maintenance leaves them. The rollup tiers stay empty: start-up and ticks read raw
 * samples only.
 */
function prepare(dir: string, practices: number, minutes: number): void {
  const marker = join(dir, 'bench-complete');
  if (existsSync(marker)) return;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { live, rest } = practiceSeries();
  const defs = [...live, ...rest];
  const db = new Database(join(dir, SERIES_DB_FILE));
  initSchema(db, { synchronous: 'normal', cacheMiB: 256 });
  const started = performance.now();
  const lastTs = (p: number): number => T0 + (minutes - 1) * M + (p % 60) * 1000;
  const series = db.prepare('INSERT INTO series (id, practice, agent, metric, labels, last_ts) VALUES (?, ?, ?, ?, ?, ?)');
  const labels = defs.map((d) => canonicalLabels(d.labels));
  db.transaction(() => {
    let id = 1;
    for (let p = 0; p < practices; p++)
      for (let d = 0; d < defs.length; d++) series.run(id++, ods(p), 'srv1', (defs[d] as SeriesDef).metric, labels[d], lastTs(p));
  })();
  const sample = db.prepare('INSERT INTO samples (minute, series_id, ts, value) VALUES (?, ?, ?, ?)');
  for (let m = 0; m < minutes; m++) {
    db.transaction(() => {
      let id = 1;
      for (let p = 0; p < practices; p++) {
        const ts = T0 + m * M + (p % 60) * 1000;
        for (const d of defs) sample.run(Math.floor(ts / M), id++, ts, d.value(ts + p));
      }
    })();
    process.stdout.write(`\rpreparing ${dir}: minute ${m + 1}/${minutes}, ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  db.prepare("INSERT OR REPLACE INTO state (key, value) VALUES ('minute_mark', ?)").run(T0 + (minutes - 1) * M);
  db.close();
  writeFileSync(marker, `${practices} practices × ${defs.length} series × ${minutes} minutes\n`);
  process.stdout.write('\n');
}

interface ChildResult {
  practices: number;
  liveSeries: number;
  allSeries: number;
  opened: { wallS: number; cpuS: number; rssMB: number; series: number };
  evaluating: { wallS: number; cpuS: number; rssMB: number; peakMB: number; mainHeapMB: number; series: number; evaluations: number };
  steady: { writeCpuS: number; tickCpuS: number; tickWallS: number; evaluations: number; rssMB: number }[];
  end: { rssMB: number; peakMB: number; mainHeapMB: number };
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
  prepare(dir, o.practices, o.minutes);
  console.log(`\ncollector at ${o.practices} practices, data in ${dir}; node ${[...unitNodeArgs('n3mon-collector'), ...o.nodeFlags].join(' ')}`);
  const r = await runChild(dir, o);
  const f = (n: number, d = 1): string => n.toFixed(d);
  // A tick whose minute is still inside the grace period evaluates nothing: left out of the median.
  const ticks = r.steady.filter((s) => s.evaluations > 0).map((s) => s.tickCpuS);
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
    {
      figure: 'RSS when evaluating / peak so far (main thread heap)',
      measured: `${f(r.evaluating.rssMB, 0)} / ${f(r.evaluating.peakMB, 0)} MB (${f(r.evaluating.mainHeapMB, 0)} MB)`,
      goal: '',
    },
    {
      figure: 'steady tick: CPU per minute of data',
      measured: `median ${f(median(ticks), 2)} s (${r.steady.map((s) => `${f(s.tickCpuS, 2)}${s.evaluations > 0 ? '' : ' (no step)'}`).join(', ')}); wall ${r.steady.map((s) => f(s.tickWallS)).join(', ')} s`,
      goal: `≤ 15 s per 8,000 practices (here: ${f(median(ticks) * scale, 2)} s)`,
    },
    { figure: 'write of one minute (as ingest does; not the tick)', measured: `${r.steady.map((s) => f(s.writeCpuS, 1)).join(', ')} s CPU`, goal: '' },
    {
      figure: 'RSS at steady state (after the last tick) / peak (main thread heap)',
      measured: `${f(r.end.rssMB, 0)} / ${f(r.end.peakMB, 0)} MB (${f(r.end.mainHeapMB, 0)} MB)`,
      goal: '≤ 1.5 GB (1,536 MB)',
    },
  ]);
}
