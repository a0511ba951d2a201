/**
 * What the collector's worker threads share — the store's (storage/threaded/) and the reports'
 * (reports/workers/): finding a worker's entry module from TypeScript source or from a build, and
 * re-emitting a worker's pino lines through the main thread's logger.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { Logger } from '../../shared/src/log.ts';

/**
 * The entry module of a worker whose spawning module is `here` (its import.meta.url) and, from
 * TypeScript source (tests, benches), the tsx loader the worker must register first. In a build
 * the spawning module sits in dist/ or dist/chunks/ and the entry is dist/<built> (scripts/build.mjs).
 */
export function workerModule(here: string, entries: { source: string; built: string }): { entry: string; tsx: string | undefined } {
  if (!here.endsWith('.ts')) return { entry: new URL(here.includes('/chunks/') ? `../${entries.built}` : `./${entries.built}`, here).href, tsx: undefined };
  // tsx's ESM API (its CommonJS twin cannot register from a worker). Test runners that transform
  // the spawning module may not provide import.meta.resolve.
  const tsx =
    typeof import.meta.resolve === 'function'
      ? import.meta.resolve('tsx/esm/api')
      : pathToFileURL(
          createRequire(here)
            .resolve('tsx/esm/api')
            .replace(/\.cjs$/, '.mjs'),
        ).href;
  return { entry: new URL(entries.source, here).href, tsx };
}

/** A pino line from a worker (`worker` names it), re-emitted through `log` (bindings and level kept). */
export function relayWorkerLog(log: Logger, line: string, worker: string): void {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch (err) {
    log.warn({ err, worker, line: line.slice(0, 500) }, 'a worker thread wrote a log line that is not JSON');
    return;
  }
  const { level, msg, ...fields } = rec;
  const name = typeof level === 'number' ? log.levels.labels[level] : undefined;
  const emit = name !== undefined && name in log ? (log[name as 'info'] as Logger['info']).bind(log) : log.info.bind(log);
  emit(fields, typeof msg === 'string' ? msg : '');
}
