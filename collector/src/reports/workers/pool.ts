/**
 * The report worker pool: up to `size` worker threads (node:worker_threads), each with its own
 * reader of the series store, doing report jobs one at a time while the main thread serves
 * ingest and the API.
 *
 * - Workers start on the first job and end after `idleMs` without one (an idle collector keeps
 *   no report threads); an idle worker does not keep the process alive.
 * - A worker that dies (uncaught error, out of memory, exit) fails only the job it was doing —
 *   with N3MON_ERR_INTERNAL naming the practice — and is replaced for the jobs that follow.
 * - close() ends every worker; jobs still queued or running fail with N3MON_ERR_UNAVAILABLE.
 */
import { type ResourceLimits, Worker } from 'node:worker_threads';
import { N3monError } from '../../../../shared/src/errors.ts';
import type { Logger } from '../../../../shared/src/log.ts';
import { fromWireError } from '../../storage/threaded/protocol.ts';
import { relayWorkerLog, workerModule } from '../../worker-threads.ts';
import { REPORT_WORKER_ROLE, type Job, type JobReply, type ReportWorkerData, type StoreSpec, type WorkerLogLine } from './protocol.ts';

export interface ReportPoolOptions {
  /** Worker threads at most (≥ 1). */
  size: number;
  store: StoreSpec;
  log: Logger;
  /** Workers end after this long without a job (default 30 s). */
  idleMs?: number;
  /** V8 heap limits of each worker (default: a 64 MB young generation — fewer scavenges for a report's short-lived buckets). */
  resourceLimits?: ResourceLimits;
  /** Module URL exporting runReportWorker (default: this build's report worker); a seam for tests. */
  entry?: string;
}

/** The report worker's entry module (dist/report-worker.js in a build) and the tsx loader from source. */
export function reportWorkerEntry(): { entry: string; tsx: string | undefined } {
  return workerModule(import.meta.url, { source: './worker.ts', built: 'report-worker.js' });
}

/** CommonJS bootstrap (eval): register tsx if needed, import the entry, run the worker. */
const BOOT = `
const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsx !== undefined) {
    const tsx = await import(workerData.tsx);
    (tsx.register ?? tsx.default.register)();
  }
  const m = await import(workerData.entry);
  m.runReportWorker();
})().catch((err) => { setImmediate(() => { throw err; }); });
`;

interface Task {
  job: Job;
  /** What the job is about, for errors and logs ("A81001 2026-10 build"). */
  label: string;
  resolve(value: unknown): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  task: Task | undefined;
}

export class ReportWorkerPool {
  readonly size: number;
  readonly #opts: ReportPoolOptions;
  readonly #log: Logger;
  readonly #slots = new Set<Slot>();
  readonly #queue: Task[] = [];
  #next = 1;
  #closed = false;
  #idleTimer: NodeJS.Timeout | undefined;
  /** Workers started and workers that died (for logs and tests). */
  readonly counts = { started: 0, died: 0 };

  constructor(opts: ReportPoolOptions) {
    if (!Number.isInteger(opts.size) || opts.size < 1)
      throw new N3monError('N3MON_ERR_CONFIG_INVALID', `reports.workers: must be an integer ≥ 1 (got ${opts.size})`);
    this.size = opts.size;
    this.#opts = opts;
    this.#log = opts.log.child({ component: 'report-workers' });
  }

  /** Live worker threads now. */
  get threads(): number {
    return this.#slots.size;
  }

  run(job: Job, label: string): Promise<unknown> {
    if (this.#closed) return Promise.reject(new N3monError('N3MON_ERR_UNAVAILABLE', 'report workers are shut down'));
    return new Promise((resolve, reject) => {
      this.#queue.push({ job, label, resolve, reject });
      this.#pump();
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#idleTimer);
    const gone = new N3monError('N3MON_ERR_UNAVAILABLE', 'report workers are shut down');
    for (const t of this.#queue.splice(0)) t.reject(gone);
    const slots = [...this.#slots];
    this.#slots.clear();
    for (const s of slots) s.task?.reject(gone);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  #pump(): void {
    clearTimeout(this.#idleTimer);
    while (this.#queue.length > 0) {
      let slot = [...this.#slots].find((s) => s.task === undefined);
      if (slot === undefined) {
        if (this.#slots.size >= this.size) return;
        slot = this.#spawn();
      }
      const task = this.#queue.shift() as Task;
      slot.task = task;
      slot.worker.ref();
      slot.worker.postMessage({ ...task.job, id: this.#next++ });
    }
    if ([...this.#slots].every((s) => s.task === undefined)) {
      this.#idleTimer = setTimeout(() => this.#retireIdle(), this.#opts.idleMs ?? 30_000);
      this.#idleTimer.unref();
    }
  }

  #retireIdle(): void {
    for (const s of [...this.#slots]) {
      if (s.task !== undefined) continue;
      this.#slots.delete(s);
      void s.worker.terminate();
    }
  }

  #spawn(): Slot {
    const { entry, tsx } = this.#opts.entry === undefined ? reportWorkerEntry() : { entry: this.#opts.entry, tsx: reportWorkerEntry().tsx };
    const data: ReportWorkerData = { role: REPORT_WORKER_ROLE, store: this.#opts.store, logLevel: this.#log.level, entry, tsx };
    const worker = new Worker(BOOT, {
      eval: true,
      workerData: data,
      name: 'n3mon-report',
      resourceLimits: this.#opts.resourceLimits ?? { maxYoungGenerationSizeMb: 64 },
    });
    const slot: Slot = { worker, task: undefined };
    this.#slots.add(slot);
    this.counts.started++;
    worker.unref();
    worker.on('message', (m: JobReply | WorkerLogLine) => {
      if (m.op === 'log') return relayWorkerLog(this.#log, m.line, 'report');
      const task = slot.task;
      if (task === undefined) return;
      slot.task = undefined;
      worker.unref();
      if (m.ok) task.resolve(m.value);
      else task.reject(fromWireError(m.error));
      this.#pump();
    });
    worker.on('error', (err) => this.#log.error({ err, job: slot.task?.label }, 'report worker failed'));
    worker.on('exit', (code) => {
      if (!this.#slots.delete(slot)) return; // retired or closed: expected
      this.counts.died++;
      const task = slot.task;
      slot.task = undefined;
      this.#log.error({ code, job: task?.label }, 'report worker exited; the job it was doing failed, the others go on');
      task?.reject(new N3monError('N3MON_ERR_INTERNAL', `report worker exited (code ${code}) during ${task.label}`));
      this.#pump();
    });
    return slot;
  }
}
