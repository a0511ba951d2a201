/**
 * What the main thread and a report worker say to each other (structured clone over the worker's
 * port): one job at a time per worker — build a practice-month's model, or render a model's
 * formats — and its answer. Errors travel as the store worker's WireError (same code, message).
 */
import type { RetentionPolicy } from '../../storage/types.ts';
import type { ReportFormat } from '../formats.ts';
import type { PracticeReport } from '../model.ts';
import type { BuildInputs } from './inputs.ts';
import type { WireError } from '../../storage/threaded/protocol.ts';

export const REPORT_WORKER_ROLE = 'n3mon-report-worker';

/** How a worker opens its own reader of the series store (registry.ts openStoreReader). */
export interface StoreSpec {
  backend: string;
  dataDir: string;
  retention: RetentionPolicy;
  /** The collector config's `storage` object (plain data). */
  settings?: Readonly<Record<string, unknown>>;
}

export interface ReportWorkerData {
  role: typeof REPORT_WORKER_ROLE;
  store: StoreSpec;
  logLevel: string;
  /** Module exporting runReportWorker, and the tsx loader to register first when it is TypeScript. */
  entry: string;
  tsx: string | undefined;
}

export type Job = { op: 'build'; inputs: BuildInputs } | { op: 'render'; report: PracticeReport; formats: ReportFormat[] };

export type JobRequest = Job & { id: number };

export interface BuildAnswer {
  report: PracticeReport;
  hasData: boolean;
}

export type RenderAnswer = Array<{ ext: ReportFormat; body: Uint8Array }>;

export type JobReply = { op: 'reply'; id: number; ok: true; value: BuildAnswer | RenderAnswer } | { op: 'reply'; id: number; ok: false; error: WireError };

/** A pino line of the worker's logger, re-emitted by the main thread's logger. */
export interface WorkerLogLine {
  op: 'log';
  line: string;
}
