/**
 * The national simulation's table and the sizing it implies, from the measured figures (pure: a
 * unit test can feed it numbers). The sizing scales the measured cost per sample, per request and
 * per series to the full national load on this schedule, shows the arithmetic, and says which
 * figure rests on what.
 */

export interface SideFigures {
  name: string;
  cpuS: number;
  rssStartMB: number;
  rssEndMB: number;
  rssPeakMB: number;
}

export interface Figures {
  machine: { cpu: string; cores: number; loads: string[] };
  practices: number;
  pushS: number;
  samplesPerPracticeMinute: number;
  windowS: number;
  /** Offered before the measured window (not measured). */
  warmupS: number;
  enrolS: number;
  offered: number;
  accepted: number;
  acceptedInWindow: number;
  requests: number;
  ok: number;
  errors: Record<string, number>;
  p50Ms: number;
  p95Ms: number;
  spooledAtEnd: number;
  stoppedByGuard: boolean;
  lag: { planted: number; seen: number; p50S: number; p95S: number; maxS: number; rulePartP50S: number; collectorPartP50S: number };
  alertsByRule: Record<string, number>;
  sides: SideFigures[];
  senderCpuS: number;
  disk: { postgresMB: number; influxMB: number };
  series: number;
  batchRows: number;
  /** PostgreSQL's proportional set size at the end (its RSS sum counts shared buffers per backend). */
  postgresPssMB: number;
}

const f0 = (n: number): string => Math.round(n).toLocaleString('en-GB');
const f1 = (n: number): string => n.toLocaleString('en-GB', { maximumFractionDigits: 1, minimumFractionDigits: 1 });
const f2 = (n: number): string => n.toLocaleString('en-GB', { maximumFractionDigits: 2, minimumFractionDigits: 2 });

export function table(f: Figures): string[] {
  const offeredRate = f.offered / f.windowS;
  const out = [
    `machine: ${f.machine.cpu}, ${f.machine.cores} cores; load average (1/5/15 min) during the run: ${f.machine.loads.join(' → ')}`,
    `${f0(f.practices)} practices × ${f.samplesPerPracticeMinute} samples/min, a push every ${f.pushS} s each, ${f.warmupS > 0 ? `${f0(f.warmupS)} s of warm-up, then ` : ''}${f1(f.windowS)} s measured (enrolment of ${f0(f.practices)} agents took ${f1(f.enrolS)} s)${f.stoppedByGuard ? ' — STOPPED EARLY by the influxd memory guard' : ''}`,
    '',
    '| | figure |',
    '|---|---|',
    `| samples offered | ${f0(f.offered)} (${f0(offeredRate)}/s) |`,
    `| samples accepted in the window | ${f0(f.acceptedInWindow)} (**${f0(f.acceptedInWindow / f.windowS)}/s**, ${f1((100 * f.acceptedInWindow) / Math.max(1, f.offered))} % of offered); ${f0(f.accepted)} counting the answers after the window closed |`,
    `| samples still in the agents' spools at the end | ${f0(f.spooledAtEnd)} |`,
    `| requests | ${f0(f.requests)} (${f0(f.requests / f.windowS)}/s), ${f0(f.ok)} answered 200; errors: ${
      Object.keys(f.errors).length === 0
        ? 'none'
        : Object.entries(f.errors)
            .map(([k, v]) => `${k} × ${f0(v)}`)
            .join(', ')
    } |`,
    `| ingest latency p50 / p95 | ${f0(f.p50Ms)} / ${f0(f.p95Ms)} ms |`,
    `| evaluation lag (first failing sample → alert in GET /api/v1/alerts) | ${f.lag.seen} of ${f.lag.planted} breaches seen; p50 ${f0(f.lag.p50S)} s, p95 ${f0(f.lag.p95S)} s, max ${f0(f.lag.maxS)} s (p50: rule's own window ${f0(f.lag.rulePartP50S)} s + collector ${f0(f.lag.collectorPartP50S)} s) |`,
    `| active alerts at the end, by rule | ${
      Object.entries(f.alertsByRule)
        .map(([k, v]) => `${k} ${f0(v)}`)
        .join(', ') || 'none'
    } |`,
  ];
  for (const s of f.sides)
    out.push(
      `| ${s.name}: CPU, RSS start → end (peak) | ${f1(s.cpuS)} s (${f0((100 * s.cpuS) / f.windowS)} % of a core), ${f0(s.rssStartMB)} → ${f0(s.rssEndMB)} MB (${f0(s.rssPeakMB)}) |`,
    );
  out.push(`| PostgreSQL's proportional set size at the end (shared buffers counted once) | ${f0(f.postgresPssMB)} MB |`);
  out.push(`| the senders (this process) | ${f1(f.senderCpuS)} s CPU (${f0((100 * f.senderCpuS) / f.windowS)} % of a core) |`);
  out.push(`| disk grown: PostgreSQL / influxd | ${f0(f.disk.postgresMB)} / ${f0(f.disk.influxMB)} MB |`);
  out.push(`| series in InfluxDB (raw and rollup tiers) / batch rows in PostgreSQL | ${f0(f.series)} / ${f0(f.batchRows)} |`);
  return out;
}

/** The sizing for `practices` at this schedule, from the run's per-unit costs. */
export function sizing(f: Figures, national = { practices: 6500, targetUtilisation: 0.5, coresPerCollector: 4 }): string[] {
  const cpu = (prefix: string): number => f.sides.filter((s) => s.name.startsWith(prefix)).reduce((t, s) => t + s.cpuS, 0);
  const per = Math.max(1, f.accepted);
  const usCollector = (1e6 * cpu('collector')) / per;
  const usInflux = (1e6 * cpu('influxd')) / per;
  const msPgPerRequest = (1e3 * cpu('postgres')) / Math.max(1, f.ok);
  const rate = (national.practices * f.samplesPerPracticeMinute) / 60;
  const reqRate = (national.practices * 60) / f.pushS / 60;
  const coresCollector = (rate * usCollector) / 1e6;
  const coresInflux = (rate * usInflux) / 1e6;
  const coresPg = (reqRate * msPgPerRequest) / 1e3;
  const collectors = Math.max(2, Math.ceil(coresCollector / (national.coresPerCollector * national.targetUtilisation)) + 1);
  const seriesNational = national.practices * f.samplesPerPracticeMinute;
  // Per practice series (what the agents send; InfluxDB also holds their rollup tiers), peak RSS
  // with its base included: conservative, and right after a warm-up as well as without one.
  const practiceSeries = f.practices * f.samplesPerPracticeMinute;
  const coll = f.sides.filter((s) => s.name.startsWith('collector'));
  const collPeakMB = Math.max(0, ...coll.map((s) => s.rssPeakMB));
  const influxSide = f.sides.find((s) => s.name.startsWith('influxd'));
  const kbPerSeriesCollector = (1024 * collPeakMB) / practiceSeries;
  const kbPerSeriesInflux = influxSide === undefined ? 0 : (1024 * influxSide.rssPeakMB) / practiceSeries;
  const bytesPerSampleInflux = (f.disk.influxMB * 1024 * 1024) / per;
  const bytesPerRequestPg = (f.disk.postgresMB * 1024 * 1024) / Math.max(1, f.ok);
  return [
    `National load on this schedule: ${f0(national.practices)} × ${f.samplesPerPracticeMinute} / 60 = **${f0(rate)} samples/s** in ${f0(national.practices)} × 60 / ${f.pushS} / 60 = **${f0(reqRate)} requests/s**; ${f0(seriesNational)} series.`,
    `- collectors: ${f1(cpu('collector'))} CPU-s / ${f0(f.accepted)} samples = ${f1(usCollector)} µs a sample (HTTP, auth, batch id, write, evaluation) → ${f0(rate)} × ${f1(usCollector)} µs = **${f1(coresCollector)} cores**; at ≤ ${national.targetUtilisation * 100} % of ${national.coresPerCollector}-core machines, N + 1: **${collectors} collectors**. Memory: each collector indexes and evaluates every series: peak ${f0(collPeakMB)} MB for ${f0(practiceSeries)} practice series = ${f2(kbPerSeriesCollector)} KB a series (base included) → ${f0((kbPerSeriesCollector * seriesNational) / 1024)} MB each (if every series was seen in the run).`,
    `- InfluxDB: ${f1(cpu('influxd'))} CPU-s / ${f0(f.accepted)} = ${f1(usInflux)} µs a sample → **${f1(coresInflux)} cores** busy (before compactions and queries); peak RSS ${f2(kbPerSeriesInflux)} KB a practice series (base, rollup tiers and write cache included) → ${f0((kbPerSeriesInflux * seriesNational) / 1024)} MB for ${f0(seriesNational)} series; disk ${f0(bytesPerSampleInflux)} bytes a sample as written (WAL + fresh TSM, before compaction) → at most ${f0((rate * 86_400 * bytesPerSampleInflux) / 1e9)} GB a day of raw samples.`,
    `- PostgreSQL: ${f1(cpu('postgres'))} CPU-s / ${f0(f.ok)} requests = ${f2(msPgPerRequest)} ms a request (token check, batch id, activity, alerts) → **${f1(coresPg)} cores**; disk ${f0(bytesPerRequestPg)} bytes a request (batch ids, WAL) → ${f0((reqRate * 86_400 * bytesPerRequestPg) / 1e9)} GB a day before the batch-id prune.`,
  ];
}
