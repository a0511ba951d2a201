/**
 * Who builds and renders practice reports for the ReportService: in this thread (the default;
 * the CLI and tests) or in the report worker pool (workers/: the collector), one interface.
 */
import { buildPracticeReport, type BuildOptions, type ReportSources } from './build.ts';
import { renderPracticeFormats, type ReportFormat } from './formats.ts';
import type { PracticeReport } from './model.ts';
import { reportZone } from './month.ts';

export interface PracticeBuild {
  report: PracticeReport;
  /** False when the store holds no sample of the practice in the month. */
  hasData: boolean;
}

export interface RenderedFile {
  ext: ReportFormat;
  body: Buffer;
}

export interface ReportBuilder {
  /** Practice-months it works on at once (a month's generation keeps this many in flight). */
  readonly concurrency: number;
  build(ods: string, month: string, opts?: BuildOptions): Promise<PracticeBuild>;
  render(report: PracticeReport, formats: readonly ReportFormat[]): Promise<RenderedFile[]>;
}

export function inProcessBuilder(sources: ReportSources): ReportBuilder {
  return {
    concurrency: 1,
    async build(ods, month, opts = {}) {
      const b = await buildPracticeReport(sources, ods, month, opts);
      return { report: b.report, hasData: b.hasData };
    },
    async render(report, formats) {
      return (await renderPracticeFormats(report, formats, reportZone())).map((r) => ({ ext: r.ext, body: r.body }));
    },
  };
}

/** `fn` over `items`, at most `limit` at a time, in order of start; resolves when all are done. `fn` must not reject. */
export async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
}
