/**
 * The write path: validate, queue, and commit every write queued in the same event-loop turn in
 * one transaction (group commit: one WAL sync for many concurrent ingest requests). A write's
 * promise resolves only after its transaction committed, so with synchronous=FULL it survives a
 * power cut and with NORMAL a kill -9 (see README.md).
 */
import type Database from 'better-sqlite3';
import { N3monError } from '../../../../shared/src/errors.ts';
import type { WriteRequest, WriteResult } from '../types.ts';
import type { WireSample } from '../../../../shared/src/wire.ts';
import { MINUTE_MS } from '../summary.ts';
import type { StoreContext } from './context.ts';
import { MAX_TS } from './hour-tier.ts';

/** Rows per multi-row INSERT statement (4 parameters each). */
const ROWS_PER_INSERT = 128;
const MAX_PROBLEMS = 10;
/** A group commit takes queued writes up to about this many samples (bounds event-loop stalls). */
const MAX_GROUP_SAMPLES = 50_000;
/** Sort key = minute × SORT_ID_SPAN + series id (mod): fits a double exactly for ~8,000 years. */
const SORT_ID_SPAN = 2 ** 22;

interface Job {
  req: WriteRequest;
  resolve: (r: WriteResult) => void;
  reject: (e: Error) => void;
}

/** Every problem that makes a write request unstorable, as `path: message` lines. */
export function writeProblems(req: WriteRequest): string[] {
  const problems: string[] = [];
  if (typeof req.practice !== 'string' || req.practice === '') problems.push('practice: must be a non-empty string');
  if (typeof req.agent !== 'string' || req.agent === '') problems.push('agent: must be a non-empty string');
  if (!Array.isArray(req.samples)) return [...problems, 'samples: must be an array'];
  const samples = req.samples;
  for (let i = 0; i < samples.length && problems.length < MAX_PROBLEMS; i++) {
    const s = samples[i];
    if (typeof s !== 'object' || s === null) {
      problems.push(`samples[${i}]: must be an object`);
      continue;
    }
    if (typeof s.value !== 'number' || !Number.isFinite(s.value)) problems.push(`samples[${i}].value: must be a finite number (got ${String(s.value)})`);
    if (!Number.isSafeInteger(s.ts) || s.ts < 0 || s.ts >= MAX_TS)
      problems.push(`samples[${i}].ts: must be an integer epoch-ms, 0 ≤ ts < ${MAX_TS} (got ${String(s.ts)})`);
    if (typeof s.metric !== 'string' || s.metric === '') problems.push(`samples[${i}].metric: must be a non-empty string`);
    if (typeof s.labels !== 'object' || s.labels === null) problems.push(`samples[${i}].labels: must be an object`);
    else for (const k in s.labels) if (typeof s.labels[k] !== 'string') problems.push(`samples[${i}].labels.${k}: must be a string`);
  }
  return problems;
}

export class Writer {
  private queue: Job[] = [];
  private scheduled = false;
  private readonly insertMany: Database.Statement<unknown[]>;
  private readonly insertOne: Database.Statement<[number, number, number, number]>;
  private readonly insertDirty: Database.Statement<[number, number]>;
  private readonly params: number[] = new Array<number>(ROWS_PER_INSERT * 4).fill(0);
  private readonly commitJobs: (jobs: Job[]) => { results: WriteResult[]; newDirty: [number, number][] };
  /** Newest ts per series id written by the current transaction (applied to the index after commit). */
  private newest = new Map<number, number>();
  samplesWritten = 0;
  samplesTooOld = 0;

  constructor(private readonly ctx: StoreContext) {
    const { db } = ctx;
    this.insertMany = db.prepare(
      `INSERT OR REPLACE INTO samples (minute, series_id, ts, value) VALUES ${new Array(ROWS_PER_INSERT).fill('(?,?,?,?)').join(',')}`,
    );
    this.insertOne = db.prepare('INSERT OR REPLACE INTO samples (minute, series_id, ts, value) VALUES (?,?,?,?)');
    this.insertDirty = db.prepare('INSERT OR IGNORE INTO dirty (series_id, minute_start) VALUES (?, ?)');
    this.commitJobs = db.transaction((jobs: Job[]) => this.apply(jobs));
  }

  write(req: WriteRequest): Promise<WriteResult> {
    const problems = writeProblems(req);
    if (problems.length > 0) {
      return Promise.reject(new N3monError('N3MON_ERR_STORE', `write refused, nothing stored:\n${problems.join('\n')}`, { problems }));
    }
    return new Promise<WriteResult>((resolve, reject) => {
      this.queue.push({ req, resolve, reject });
      this.schedule();
    });
  }

  /** Commit everything queued now (close() does). Never throws: failures reject the jobs. */
  flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) this.commitSome();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.commitSome();
      if (this.queue.length > 0) this.schedule(); // let the event loop run between big groups
    });
  }

  /** One transaction for the queued jobs, up to about MAX_GROUP_SAMPLES samples. */
  private commitSome(): void {
    let n = 0;
    let take = 0;
    while (take < this.queue.length && (take === 0 || n + (this.queue[take] as Job).req.samples.length <= MAX_GROUP_SAMPLES)) {
      n += (this.queue[take] as Job).req.samples.length;
      take++;
    }
    const jobs = this.queue.splice(0, take);
    if (jobs.length === 0) return;
    let outcome: ReturnType<typeof this.commitJobs>;
    try {
      outcome = this.commitJobs(jobs);
      this.ctx.series.commit();
    } catch (err) {
      this.ctx.series.rollback();
      this.newest = new Map();
      const samples = jobs.reduce((n, j) => n + j.req.samples.length, 0);
      this.ctx.log.error({ err, jobs: jobs.length, samples }, 'store write failed; nothing acknowledged');
      const e = new N3monError('N3MON_ERR_STORE', `store write failed: ${(err as Error).message}`, { cause: err });
      for (const j of jobs) j.reject(e);
      return;
    }
    for (const [id, minute] of outcome.newDirty) this.ctx.dirty.add(id, minute);
    for (const [id, ts] of this.newest) this.ctx.series.noteTs(id, ts);
    this.newest = new Map();
    jobs.forEach((j, i) => {
      const r = outcome.results[i] as WriteResult;
      this.samplesWritten += r.written;
      this.samplesTooOld += r.tooOld ?? 0;
      j.resolve(r);
    });
  }

  /** Runs inside the transaction. */
  private apply(jobs: Job[]): { results: WriteResult[]; newDirty: [number, number][] } {
    const { series, dirty, state } = this.ctx;
    const markMinute = state.minuteMark;
    const horizon = state.rawHorizon;
    const newest = this.newest;
    const newDirty: [number, number][] = [];
    const results: WriteResult[] = [];
    const total = jobs.reduce((n, j) => n + j.req.samples.length, 0);
    const ids = new Float64Array(total);
    const keys = new Float64Array(total);
    const rows: WireSample[] = [];
    for (const { req } of jobs) {
      let written = 0;
      let tooOld = 0;
      const resolve = series.resolverFor(req.practice, req.agent);
      for (const s of req.samples) {
        const ts = s.ts;
        if (ts < horizon) {
          tooOld++;
          continue;
        }
        const id = resolve(s.metric, s.labels, ts);
        const minute = Math.floor(ts / MINUTE_MS);
        ids[rows.length] = id;
        keys[rows.length] = minute * SORT_ID_SPAN + (id % SORT_ID_SPAN);
        rows.push(s);
        // A sample for a minute already rolled up makes that minute dirty (recomputed by maintain).
        if (markMinute !== undefined && ts < markMinute) {
          const m = minute * MINUTE_MS;
          if (!dirty.has(id, m) && this.insertDirty.run(id, m).changes > 0) newDirty.push([id, m]);
        }
        const prev = newest.get(id);
        if (prev === undefined || ts > prev) newest.set(id, ts);
        written++;
      }
      results.push(tooOld > 0 ? { written, tooOld } : { written });
    }
    // Insert in key order (minute, series): neighbouring rows share B-tree pages, ~1.6× faster
    // than the order agents send. The sort is stable, so a series' samples keep their order.
    const order = new Uint32Array(rows.length);
    for (let i = 0; i < order.length; i++) order[i] = i;
    order.sort((x, y) => (keys[x] as number) - (keys[y] as number));
    const params = this.params;
    let k = 0;
    for (let j = 0; j < order.length; j++) {
      const i = order[j] as number;
      const s = rows[i] as WireSample;
      params[k++] = Math.floor(s.ts / MINUTE_MS);
      params[k++] = ids[i] as number;
      params[k++] = s.ts;
      params[k++] = s.value;
      if (k === params.length) {
        this.insertMany.run(params);
        k = 0;
      }
    }
    for (let i = 0; i < k; i += 4) this.insertOne.run(params[i] as number, params[i + 1] as number, params[i + 2] as number, params[i + 3] as number);
    return { results, newDirty };
  }
}
