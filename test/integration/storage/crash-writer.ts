/**
 * Child process for store-crash.test.ts: writes batches to a store in a loop and prints
 * `ack <n>` on stdout after each write's promise resolved (four writes in flight), while maintain() runs alongside with a
 * clock that keeps up with the data (and some batches carry late samples, so re-rolls happen).
 * The parent kills it with SIGKILL at a random moment. Bounded: stops after MAX_BATCHES or 60 s.
 *
 * usage: node --import tsx crash-writer.ts sqlite DIR full|normal
 *        node --import tsx crash-writer.ts influx URL DATABASE
 */
import { openSqliteStore } from '../../../collector/src/storage/sqlite/index.ts';
import { openInfluxStore } from '../../../collector/src/storage/influx/index.ts';
import type { SeriesStore } from '../../../collector/src/storage/types.ts';
import type { SynchronousMode } from '../../../collector/src/storage/sqlite/schema.ts';
import { createLogger } from '../../../shared/src/log.ts';
import type { WireSample } from '../../../shared/src/wire.ts';

export const CRASH_T0 = Date.UTC(2026, 9, 1);
export const CRASH_SERIES = 40;
/** Data time per batch: each batch is the next 15 s of 40 series. */
export const CRASH_STEP_MS = 15_000;
const MAX_BATCHES = 20_000;

/** The samples of batch n (deterministic, so the parent can check them). */
export function crashBatch(n: number): WireSample[] {
  const out: WireSample[] = [];
  const ts = CRASH_T0 + n * CRASH_STEP_MS;
  for (let s = 0; s < CRASH_SERIES; s++) out.push({ metric: 'icmp_rtt_avg_ms', labels: { target: `10.200.0.${s}` }, ts: ts + s, value: n + s / 100 });
  // Every 7th batch also carries a late sample for 20 minutes ago (dirties a rolled-up minute).
  if (n % 7 === 0 && n > 100) out.push({ metric: 'icmp_rtt_avg_ms', labels: { target: 'late' }, ts: ts - 20 * 60_000, value: n });
  return out;
}

async function main(): Promise<void> {
  const [backend, where, mode] = process.argv.slice(2);
  const retention = { rawDays: 400, minuteDays: 400, hourDays: 800 };
  const log = createLogger({ level: 'warn', destination: process.stderr as unknown as import('pino').DestinationStream });
  let store: SeriesStore;
  if (backend === 'influx') {
    const s = openInfluxStore({ settings: { url: where as string, database: mode as string, createDatabase: false, timeoutMs: 30_000 }, retention, log });
    await s.ready();
    store = s;
  } else {
    store = openSqliteStore({ dir: where as string, retention, log, synchronous: mode as SynchronousMode });
  }
  const started = Date.now();
  let maintaining = false;
  let next = 0;
  // Four writes in flight, as concurrent ingest requests would be (group commit merges them).
  const writer = async (): Promise<void> => {
    while (next < MAX_BATCHES && Date.now() - started < 60_000) {
      const n = next++;
      await store.write({ practice: 'A81001', agent: 'main', samples: crashBatch(n) });
      process.stdout.write(`ack ${n}\n`);
      if (n % 10 === 0 && !maintaining) {
        maintaining = true;
        store.maintain(CRASH_T0 + n * CRASH_STEP_MS).then(
          () => (maintaining = false),
          (err: unknown) => process.stderr.write(`maintain failed: ${String(err)}\n`),
        );
      }
    }
  };
  await Promise.all([writer(), writer(), writer(), writer()]);
  await store.close();
}

if (process.argv[1]?.endsWith('crash-writer.ts') === true) await main();
