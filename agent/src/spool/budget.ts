/**
 * The spool's disk budget (spool.maxBytes) split into its parts. The budget covers every file
 * of the spool: the database, its write-ahead log and (in exclusive mode there is none, but we
 * reserve for it anyway) the shared-memory index.
 *
 *   maxBytes = wal + shm reserve + slack for one append + database pages (high-water mark)
 *
 * After every append the spool compares the pages in use with `highBytes`; above it, it drops
 * (rejected batches first, then the oldest samples) until in use ≤ `lowBytes`, so drops come in
 * chunks of ~10 % of the budget rather than a few rows on every append. Freed pages stay in the
 * file and are reused, so the file never grows past the high-water mark.
 */
export interface SpoolBudget {
  maxBytes: number;
  /** journal_size_limit and the auto-checkpoint size, in bytes. */
  walBytes: number;
  walAutocheckpointPages: number;
  /** Pages in use may not exceed this … */
  highBytes: number;
  /** … and a drop brings them down to this. */
  lowBytes: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;
const SHM_RESERVE_BYTES = 32 * KiB;

export function spoolBudget(maxBytes: number, pageSize: number): SpoolBudget {
  const walBytes = Math.min(4 * MiB, Math.max(64 * KiB, Math.floor(maxBytes / 16)));
  // WAL may overshoot its checkpoint size by one transaction; checkpoint at half the limit.
  const walAutocheckpointPages = Math.max(4, Math.floor(walBytes / 2 / pageSize));
  const highBytes = maxBytes - 2 * walBytes - SHM_RESERVE_BYTES;
  if (highBytes < 16 * pageSize) throw new RangeError(`spool.maxBytes ${maxBytes} is too small`);
  return { maxBytes, walBytes, walAutocheckpointPages, highBytes, lowBytes: Math.floor(highBytes * 0.9) };
}
