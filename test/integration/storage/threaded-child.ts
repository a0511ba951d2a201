/**
 * Child process for store-threaded.test.ts, using the SQLite store in its worker thread
 * (storage/threaded/) as the collector does.
 *
 *   crash DIR   writes crash-writer.ts's batches, four in flight, printing `ack <n>` after each
 *               write resolved, until the parent SIGKILLs it (bounded: 60 s)
 *   linger DIR  writes one batch, prints `acked`, and never closes the store: the process must
 *               still exit by itself (an idle store's worker does not keep it alive)
 *
 * usage: node --import tsx threaded-child.ts crash|linger DIR
 */
import { openThreadedSqliteStore } from '../../../collector/src/storage/threaded/index.ts';
import { createLogger } from '../../../shared/src/log.ts';
import { crashBatch } from './crash-writer.ts';

async function main(): Promise<void> {
  const [mode, dir] = process.argv.slice(2);
  const store = openThreadedSqliteStore({
    dir: dir as string,
    retention: { rawDays: 400, minuteDays: 400, hourDays: 800 },
    log: createLogger({ level: 'warn', destination: process.stderr as unknown as import('pino').DestinationStream }),
    synchronous: 'full',
  });
  if (mode === 'linger') {
    await store.write({ practice: 'A81001', agent: 'main', samples: crashBatch(0) });
    process.stdout.write('acked\n');
    return;
  }
  const started = Date.now();
  let next = 0;
  const writer = async (): Promise<void> => {
    while (Date.now() - started < 60_000) {
      const n = next++;
      await store.write({ practice: 'A81001', agent: 'main', samples: crashBatch(n) });
      process.stdout.write(`ack ${n}\n`);
    }
  };
  await Promise.all([writer(), writer(), writer(), writer()]);
  await store.close();
}

if (process.argv[1]?.endsWith('threaded-child.ts') === true) await main();
