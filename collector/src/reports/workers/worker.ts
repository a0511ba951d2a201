/**
 * A report worker thread: opens its own reader of the series store (a read-only SQLite
 * connection, or its own InfluxDB client) and does one job at a time — build a practice-month's
 * model from inputs the main thread resolved (inputs.ts), or render a model's formats. The code
 * that builds and renders is the in-process code, unchanged.
 *
 * Entry point: dist/report-worker.js in a build, this file (through tsx) from source.
 */
import { readlinkSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { pino, type Logger } from 'pino';
import { openStoreReader, type SeriesReader } from '../../storage/registry.ts';
import { toWireError, type WireError } from '../../storage/threaded/protocol.ts';
import { buildPracticeReport } from '../build.ts';
import { renderPracticeFormats } from '../formats.ts';
import { reportZone } from '../month.ts';
import { sourcesFromInputs } from './inputs.ts';
import {
  REPORT_WORKER_ROLE,
  type BuildAnswer,
  type Job,
  type JobReply,
  type JobRequest,
  type RenderAnswer,
  type ReportWorkerData,
  type WorkerLogLine,
} from './protocol.ts';

async function perform(job: Job, reader: SeriesReader, log: Logger): Promise<BuildAnswer | RenderAnswer> {
  if (job.op === 'build') {
    const b = await buildPracticeReport(sourcesFromInputs(job.inputs, reader, log), job.inputs.ods, job.inputs.month, job.inputs.options);
    return { report: b.report, hasData: b.hasData };
  }
  return (await renderPracticeFormats(job.report, job.formats, reportZone())).map((r) => ({ ext: r.ext, body: r.body }));
}

/**
 * A report thread's nice value: when ingest and a report want the same core, ingest (the main and
 * store threads, nice 0) gets ~90 % of it; an idle core still goes to the reports in full.
 */
export const REPORT_WORKER_NICE = 10;

/** Names this thread for top -H, ps and /proc, and lowers its priority (Linux: both are per thread; elsewhere neither). */
function nameAndNiceThread(log: Logger): void {
  try {
    writeFileSync('/proc/thread-self/comm', 'n3mon-report');
    const tid = Number(readlinkSync('/proc/thread-self').split('/').at(-1));
    setPriority(tid, REPORT_WORKER_NICE);
  } catch (err) {
    log.debug({ err }, 'report worker: cannot name the thread or lower its priority (not Linux?)');
  }
}

export function runReportWorker(): void {
  const data = workerData as ReportWorkerData;
  const port = parentPort;
  if (port === null || data?.role !== REPORT_WORKER_ROLE) throw new Error('runReportWorker: not in a report worker thread');
  const log = pino(
    { level: data.logLevel, base: { component: 'report-worker' }, timestamp: false },
    { write: (line: string) => port.postMessage({ op: 'log', line } satisfies WorkerLogLine) },
  );
  nameAndNiceThread(log);
  let reader: SeriesReader | undefined;
  let unusable: WireError | undefined;
  try {
    reader = openStoreReader(data.store.backend, {
      dataDir: data.store.dataDir,
      retention: data.store.retention,
      log,
      ...(data.store.settings === undefined ? {} : { settings: data.store.settings }),
    });
  } catch (err) {
    // Every job is answered with this: each practice is recorded as failed, the run goes on.
    unusable = toWireError(err);
    log.error({ err }, 'report worker cannot open the series store');
  }
  port.on('message', (req: JobRequest) => {
    const answer = (reply: JobReply): void => port.postMessage(reply);
    if (reader === undefined) return answer({ op: 'reply', id: req.id, ok: false, error: unusable ?? { message: 'no series store reader' } });
    perform(req, reader, log).then(
      (value) => answer({ op: 'reply', id: req.id, ok: true, value }),
      (err: unknown) => answer({ op: 'reply', id: req.id, ok: false, error: toWireError(err) }),
    );
  });
}
