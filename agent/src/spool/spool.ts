/**
 * The spool: every sample is written here (committed) before any push, and deleted only when
 * the collector acknowledges the batch that carried it. It survives restarts and kill -9.
 *
 * Batches: a batch is a contiguous run of sample seqs. Forming one persists its boundaries and a
 * fresh id (`<spoolId>-<counter>`, never reused) in the same transaction, so after a restart the
 * very same batch (same id, same samples) is sent again and the collector's batchId dedupe makes
 * the resend harmless. If a disk-budget drop deletes rows of the in-flight batch, that record is
 * forgotten and the remaining rows go out later under a new id — an id never names two contents.
 *
 * Disk budget: see ./budget.ts. Drops are counted in the persisted agent_dropped_samples_total and
 * logged at warn with counts.
 */
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../../shared/src/log.ts';
import { systemClock, type Clock } from '../../../shared/src/clock.ts';
import type { WireSample } from '../../../shared/src/wire.ts';
import type { BatchSelection, Lane, QueueView } from '../push/lanes.ts';
import type { SpoolBudget } from './budget.ts';
import { openSpoolDb, prepare, SPOOL_FILE, type Db, type SampleRow, type Statements } from './db.ts';
import { canonicalLabels } from '../../../shared/src/labels.ts';
import { SeriesInterner } from './series.ts';
import { checkOf, countByCheck, insertSetAside, listRejected, rejectedByCheck, type RejectedBatch, type RejectInfo, type SetAsideSample } from './set-aside.ts';

export type { RejectedBatch, RejectInfo, SetAsideSample };

export interface SpoolOptions {
  dir: string;
  maxBytes: number;
  log: Logger;
  clock?: Clock;
}

export interface SpooledBatch {
  readonly batchId: string;
  readonly lane: Lane;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly samples: readonly WireSample[];
}

export interface SpoolStats {
  /** Samples waiting for an acknowledgement. */
  samples: number;
  /** ts of the oldest waiting sample; undefined when empty. */
  oldestTs: number | undefined;
  /** Highest seq ever spooled. */
  newestSeq: number;
  droppedTotal: number;
  rejectedBatchesTotal: number;
  rejectedSamplesTotal: number;
  /** Samples set aside (refused by the collector or by the agent's own check), per check id. */
  rejectedByCheck: Record<string, number>;
  /** Bytes of database pages in use (what the budget governs). */
  usedBytes: number;
  /** Bytes of the spool's files on disk (database + WAL). */
  fileBytes: number;
  maxBytes: number;
}

interface InflightRecord {
  batchId: string;
  lane: Lane;
  firstSeq: number;
  lastSeq: number;
  count: number;
}

const MAX_DROP_ROUNDS = 20;

export class Spool {
  readonly dir: string;
  readonly spoolId: string;
  private readonly db: Db;
  private readonly st: Statements;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly budget: SpoolBudget;
  private readonly pageSize: number;
  private readonly series: SeriesInterner;
  private count: number;
  private newest: number;
  /** undefined: not loaded yet; null: none. */
  private current: SpooledBatch | null | undefined;
  private closed = false;

  constructor(opts: SpoolOptions) {
    this.dir = opts.dir;
    this.log = opts.log;
    this.clock = opts.clock ?? systemClock;
    ({ db: this.db, budget: this.budget, pageSize: this.pageSize } = openSpoolDb(opts.dir, opts.maxBytes));
    this.st = prepare(this.db);
    let id = this.st.metaGet.get('spool_id');
    if (id === undefined) {
      id = randomBytes(6).toString('hex');
      this.st.metaSet.run('spool_id', id);
    }
    this.spoolId = id;
    this.series = new SeriesInterner(this.st);
    this.count = this.st.sampleCount.get() ?? 0;
    this.newest = this.st.newestSeq.get() ?? 0;
    this.log.info({ dir: opts.dir, spoolId: id, samples: this.count, maxBytes: opts.maxBytes }, 'spool open');
  }

  /** Commits the samples in one transaction, then enforces the disk budget. */
  append(samples: readonly WireSample[]): void {
    if (samples.length === 0) return;
    this.assertOpen();
    this.write(() => this.insertSamples(samples));
    this.count += samples.length;
    this.enforceBudget();
  }

  /** Sets samples aside one by one (never spooled; the agent's own check refused them). */
  setAside(items: readonly SetAsideSample[]): void {
    if (items.length === 0) return;
    this.assertOpen();
    this.write(() => insertSetAside(this.st, this.clock.now(), items));
    this.enforceBudget();
  }

  /**
   * The collector stored the batch except the refused samples: delete the batch's rows, set each
   * refused sample aside alone, and spool `retry` again (samples from the collector's near future,
   * kept for a later batch). One transaction.
   */
  settle(batch: SpooledBatch, refused: readonly SetAsideSample[], retry: readonly WireSample[]): void {
    this.assertOpen();
    const deleted = this.write(() => {
      const n = this.st.deleteRange.run(batch.firstSeq, batch.lastSeq).changes;
      this.forgetInflight(batch.batchId);
      insertSetAside(this.st, this.clock.now(), refused);
      this.insertSamples(retry);
      return n;
    });
    this.count += retry.length - deleted;
    this.enforceBudget();
  }

  private insertSamples(samples: readonly WireSample[]): void {
    for (const s of samples) {
      const info = this.st.sampleInsert.run(this.series.idOf(s.metric, s.labels), s.ts, s.value);
      this.newest = Number(info.lastInsertRowid);
    }
  }

  private write<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn)();
    } catch (err) {
      // Rolled back (disk full, I/O error): series interned in this transaction are gone too.
      this.series.reload();
      this.newest = this.st.newestSeq.get() ?? 0;
      this.current = undefined;
      throw err;
    }
  }

  /** What the batch planner needs (see ../push/lanes.ts). */
  view(): QueueView {
    return {
      pending: this.count,
      newestSeq: this.newest,
      hasAtOrBelow: (seq) => this.st.anyAtOrBelow.get(seq) !== undefined,
      hasAbove: (seq) => this.st.anyAbove.get(seq) !== undefined,
    };
  }

  /** The batch that was formed but not yet acknowledged (also after a restart), if any. */
  inflight(): SpooledBatch | undefined {
    this.assertOpen();
    if (this.current === undefined) this.current = this.loadInflight();
    return this.current ?? undefined;
  }

  /** Forms and persists a new in-flight batch. Only one batch is in flight at a time. */
  formBatch(sel: BatchSelection): SpooledBatch | undefined {
    if (this.inflight() !== undefined) throw new Error('spool: a batch is already in flight');
    const rows = this.st.range.all(sel.afterSeq, sel.throughSeq, sel.limit);
    const first = rows[0];
    const last = rows[rows.length - 1];
    if (first === undefined || last === undefined) return undefined;
    const batch = this.db.transaction(() => {
      const n = Number(this.st.metaGet.get('batch_counter') ?? '0') + 1;
      this.st.metaSet.run('batch_counter', String(n));
      const rec: InflightRecord = { batchId: `${this.spoolId}-${n}`, lane: sel.lane, firstSeq: first.seq, lastSeq: last.seq, count: rows.length };
      this.st.metaSet.run('inflight', JSON.stringify(rec));
      return this.toBatch(rec, rows);
    })();
    this.current = batch;
    return batch;
  }

  /** The collector stored the batch: delete its rows. Returns how many were deleted. */
  ack(batch: SpooledBatch): number {
    this.assertOpen();
    const deleted = this.db.transaction(() => {
      const n = this.st.deleteRange.run(batch.firstSeq, batch.lastSeq).changes;
      this.forgetInflight(batch.batchId);
      return n;
    })();
    this.count -= deleted;
    return deleted;
  }

  /** The collector can never accept the batch (400): move it to `rejected` so it blocks nothing. */
  reject(batch: SpooledBatch, info: RejectInfo): void {
    this.assertOpen();
    const deleted = this.db.transaction(() => {
      this.st.rejectedInsert.run(
        batch.batchId,
        this.clock.now(),
        info.status,
        info.reason,
        JSON.stringify(info.problems),
        batch.samples.length,
        JSON.stringify(batch.samples),
      );
      this.addMeta('rejected_batches_total', 1);
      this.addMeta('rejected_samples_total', batch.samples.length);
      countByCheck(this.st, batch.samples.map(checkOf));
      const n = this.st.deleteRange.run(batch.firstSeq, batch.lastSeq).changes;
      this.forgetInflight(batch.batchId);
      return n;
    })();
    this.count -= deleted;
  }

  /** Gives up the in-flight batch without deleting its rows (e.g. to re-send them split in two). Its id is burned. */
  release(batch: SpooledBatch): void {
    this.assertOpen();
    this.forgetInflight(batch.batchId);
  }

  /** The newest rows of the rejected table (whole batches set aside, or single samples). */
  rejected(limit = 100): RejectedBatch[] {
    return listRejected(this.st, limit);
  }

  stats(): SpoolStats {
    this.assertOpen();
    let fileBytes = 0;
    for (const suffix of ['', '-wal', '-shm']) {
      try {
        fileBytes += statSync(join(this.dir, SPOOL_FILE + suffix)).size;
      } catch (err) {
        // -wal/-shm come and go with checkpoints; a missing one simply counts 0 bytes.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log.warn({ err }, 'spool: cannot stat file');
      }
    }
    return {
      samples: this.count,
      oldestTs: this.count === 0 ? undefined : this.st.oldestTs.get(),
      newestSeq: this.newest,
      droppedTotal: this.metaNumber('dropped_total'),
      rejectedBatchesTotal: this.metaNumber('rejected_batches_total'),
      rejectedSamplesTotal: this.metaNumber('rejected_samples_total'),
      rejectedByCheck: rejectedByCheck(this.st),
      usedBytes: this.usedBytes(),
      fileBytes,
      maxBytes: this.budget.maxBytes,
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  private enforceBudget(): void {
    if (this.usedBytes() <= this.budget.highBytes) return;
    let droppedSamples = 0;
    let droppedRejected = 0;
    this.db.transaction(() => {
      for (let round = 0; round < MAX_DROP_ROUNDS && this.usedBytes() > this.budget.lowBytes; round++) {
        const rejected = this.st.rejectedOldest.get();
        if (rejected !== undefined) {
          this.st.rejectedDelete.run(rejected.id);
          droppedRejected += rejected.sample_count;
          continue;
        }
        if (this.count === 0) break;
        const used = this.usedBytes();
        const n = Math.min(this.count, Math.max(1, Math.ceil((this.count * (used - this.budget.lowBytes)) / used)));
        const cutoff = this.st.nthOldestSeq.get(n - 1);
        if (cutoff === undefined) break;
        const deleted = this.st.deleteThrough.run(cutoff).changes;
        this.count -= deleted;
        droppedSamples += deleted;
        const inflight = this.inflight();
        if (inflight !== undefined && inflight.firstSeq <= cutoff) this.forgetInflight(inflight.batchId);
      }
      if (droppedSamples > 0) this.addMeta('dropped_total', droppedSamples);
    })();
    this.log.warn(
      {
        droppedSamples,
        droppedRejectedSamples: droppedRejected,
        droppedTotal: this.metaNumber('dropped_total'),
        samples: this.count,
        usedBytes: this.usedBytes(),
        maxBytes: this.budget.maxBytes,
      },
      'spool over its disk budget: dropped the oldest samples',
    );
  }

  private usedBytes(): number {
    return ((this.st.pageCount.get() ?? 0) - (this.st.freelistCount.get() ?? 0)) * this.pageSize;
  }

  private loadInflight(): SpooledBatch | null {
    const raw = this.st.metaGet.get('inflight');
    if (raw === undefined) return null;
    const rec = JSON.parse(raw) as InflightRecord;
    const rows = this.st.range.all(rec.firstSeq - 1, rec.lastSeq, rec.count + 1);
    if (rows.length !== rec.count) {
      // Only a drop can remove rows of an in-flight batch, and a drop forgets the record; this is
      // a safety net so that an id is never sent with different content.
      this.log.warn({ batchId: rec.batchId, expected: rec.count, found: rows.length }, 'spool: in-flight batch changed; its id is retired');
      this.st.metaDel.run('inflight');
      return null;
    }
    return this.toBatch(rec, rows);
  }

  private forgetInflight(batchId: string): void {
    const cur = this.inflight();
    if (cur !== undefined && cur.batchId === batchId) {
      this.st.metaDel.run('inflight');
      this.current = null;
    }
  }

  private toBatch(rec: InflightRecord, rows: readonly SampleRow[]): SpooledBatch {
    const samples = rows.map((r): WireSample => {
      const series = this.series.get(r.series);
      if (series === undefined) throw new Error(`spool: sample ${r.seq} names unknown series ${r.series}`);
      return { metric: series.metric, labels: series.labels as Record<string, string>, ts: r.ts, value: r.value };
    });
    return Object.freeze({ batchId: rec.batchId, lane: rec.lane, firstSeq: rec.firstSeq, lastSeq: rec.lastSeq, samples: Object.freeze(samples) });
  }

  private metaNumber(key: string): number {
    return Number(this.st.metaGet.get(key) ?? '0');
  }

  private addMeta(key: string, n: number): void {
    this.st.metaSet.run(key, String(this.metaNumber(key) + n));
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('spool is closed');
  }
}

/** Canonical label-set key (shared with the collector's store): {a,b} and {b,a} intern to one series. */
export const labelKey = canonicalLabels;

export function openSpool(opts: SpoolOptions): Spool {
  return new Spool(opts);
}
