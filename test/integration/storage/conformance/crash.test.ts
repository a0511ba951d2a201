/**
 * Conformance (every backend): kill -9 of a process in the middle of writing and maintaining: every write whose promise had
 * resolved (the child prints `ack n` only then) is in the store after reopening, and the rollup
 * tiers it left are consistent with the raw samples (a crash mid-maintain corrupts nothing).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alignUp, HOUR_MS, MINUTE_MS, summarisePoints } from '../../../../collector/src/storage/summary.ts';
import { CRASH_SERIES, CRASH_STEP_MS, CRASH_T0, crashBatch } from '../crash-writer.ts';
import { runAndKill } from '../store-helpers.ts';
import { BACKENDS } from './backends.ts';

describe.each(BACKENDS)('$name store: crash safety (kill -9)', (b) => {
  describe.skipIf(b.skip())('', () => {
    beforeAll(() => b.setup(), 30_000);
    afterAll(() => b.teardown());
    for (const mode of b.crashModes) {
      it(`${mode}: every acknowledged write survives, tiers stay consistent`, async () => {
        const t = await b.fresh();
        await t.store.close(); // the child owns the data until it dies
        try {
          // Kill somewhere after 150–400 acknowledged batches (maintain has run 15–40 times by then).
          const killAfter = 150 + Math.floor(Math.random() * 250);
          const { acked, signal, stderr } = await runAndKill(join(import.meta.dirname, '..', 'crash-writer.ts'), t.writerArgs(mode), killAfter, 30_000);
          expect(stderr).not.toMatch(/maintain failed/);
          expect(signal).toBe('SIGKILL');
          expect(acked.size).toBeGreaterThanOrEqual(killAfter);
          const last = Math.max(...acked);

          const store = await t.reopen();
          const series = await store.findSeries({ practice: 'A81001' });
          const byTarget = new Map(series.map((s) => [s.labels.target, s.id]));
          const end = CRASH_T0 + (last + 1) * CRASH_STEP_MS;
          const stored = new Map<string, Map<number, number>>();
          for (const [target, id] of byTarget)
            stored.set(target!, new Map((await store.raw(id, CRASH_T0 - HOUR_MS, end + HOUR_MS)).map((p) => [p.ts, p.value])));
          let missing = 0;
          for (const n of acked) {
            for (const s of crashBatch(n)) if (stored.get(s.labels.target!)?.get(s.ts) !== s.value) missing++;
          }
          expect(missing).toBe(0);

          // Tiers as the child left them (possibly mid-maintain) agree with raw samples…
          const ids = [byTarget.get('10.200.0.0')!, byTarget.get('late')!];
          // (`to` aligns up to the step, so compare whole buckets: batches that committed after
          // the last ack may be there too.)
          const exact = async (stepMs: number) =>
            new Map(
              await Promise.all(
                ids.map(
                  async (id) =>
                    [
                      id,
                      summarisePoints(
                        (await store.raw(id, CRASH_T0, alignUp(end, stepMs))).map((p) => [p.ts, p.value] as const),
                        stepMs,
                      ),
                    ] as const,
                ),
              ),
            );
          const plain = (m: Map<string, ReturnType<typeof summarisePoints>>) =>
            [...m]
              .flatMap(([id, bs]) => bs.map((b) => `${id} ${b.start} ${b.count} ${b.sum} ${b.min} ${b.max} ${Buffer.from(b.sketch.encode()).toString('hex')}`))
              .join('\n');
          for (const stepMs of [MINUTE_MS, HOUR_MS]) {
            expect(plain(await store.aggregate({ seriesIds: ids, from: CRASH_T0, to: end, stepMs }))).toBe(plain(await exact(stepMs)));
          }
          // …and so do they after this process finishes the rollups.
          await store.maintain(end + HOUR_MS);
          expect(store.stats().dirtyMinutes).toBe(0);
          for (const stepMs of [MINUTE_MS, HOUR_MS]) {
            expect(plain(await store.aggregate({ seriesIds: ids, from: CRASH_T0, to: end, stepMs }))).toBe(plain(await exact(stepMs)));
          }
          expect(series.length).toBe(CRASH_SERIES + 1); // + the late samples' series
        } finally {
          await t.cleanup();
        }
      });
    }
  });
});
