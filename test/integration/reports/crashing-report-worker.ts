/**
 * A report worker entry for workers.test.ts: the real worker (collector/src/reports/workers/),
 * except that the thread exits — a crash, as an out-of-memory or a native fault would end it —
 * when it is handed the build of CRASH_ON.
 */
import { parentPort } from 'node:worker_threads';
import { runReportWorker as realWorker } from '../../../collector/src/reports/workers/worker.ts';
import type { JobRequest } from '../../../collector/src/reports/workers/protocol.ts';

export const CRASH_ON = { ods: 'B82002', month: '2026-10' };

export function runReportWorker(): void {
  // Registered before the real worker's listener, so it runs first.
  parentPort?.on('message', (req: JobRequest) => {
    if (req.op === 'build' && req.inputs.ods === CRASH_ON.ods && req.inputs.month === CRASH_ON.month) process.exit(70);
  });
  realWorker();
}
