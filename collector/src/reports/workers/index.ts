/**
 * Reports on every core: the ReportBuilder that sends builds and renders to the report worker
 * pool (pool.ts). The main thread resolves each build's inputs (inputs.ts: facts, thresholds,
 * calendar, alerts, the practice's series) and does nothing heavier; the workers read the month
 * through their own store connections, compute and render.
 */
import { availableParallelism } from 'node:os';
import type { Logger } from '../../../../shared/src/log.ts';
import type { CollectorConfig } from '../../config/schema.ts';
import type { ReportSources } from '../build.ts';
import type { ReportBuilder, RenderedFile } from '../builder.ts';
import { resolveBuildInputs } from './inputs.ts';
import type { BuildAnswer, RenderAnswer } from './protocol.ts';
import { ReportWorkerPool } from './pool.ts';

export { ReportWorkerPool, type ReportPoolOptions } from './pool.ts';
export type { StoreSpec } from './protocol.ts';

/**
 * Worker threads when `reports.workers` is not set: one per core, at most 4 (each holds a
 * practice-month's buckets). Ingest keeps its share because the workers run at nice 10
 * (worker.ts); measured against cores − 1 in docs/performance.md, "Monthly report".
 */
export function defaultWorkerCount(cores = availableParallelism()): number {
  return Math.min(4, Math.max(1, cores));
}

/** The pool a collector config asks for (`reports.workers`, default one per core); undefined for 0 (the main thread). */
export function reportWorkersFromConfig(config: Pick<CollectorConfig, 'reports' | 'storage' | 'dataDir'>, log: Logger): ReportWorkerPool | undefined {
  const size = config.reports?.workers ?? defaultWorkerCount();
  if (size === 0) return undefined;
  return new ReportWorkerPool({
    size,
    store: { backend: config.storage.backend, dataDir: config.dataDir, retention: config.storage.retention, settings: config.storage },
    log,
  });
}

export function workerBuilder(sources: ReportSources, pool: ReportWorkerPool): ReportBuilder {
  return {
    // One more than the workers: the next practice's inputs are resolved while the workers compute.
    concurrency: pool.size + 1,
    async build(ods, month, opts = {}) {
      const inputs = await resolveBuildInputs(sources, ods, month, opts);
      return (await pool.run({ op: 'build', inputs }, `${ods} ${month} build`)) as BuildAnswer;
    },
    async render(report, formats) {
      const files = (await pool.run({ op: 'render', report, formats: [...formats] }, `${report.practice.ods} ${report.month} render`)) as RenderAnswer;
      return files.map((f): RenderedFile => ({ ext: f.ext, body: Buffer.from(f.body.buffer, f.body.byteOffset, f.body.byteLength) }));
    },
  };
}
