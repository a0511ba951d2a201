/**
 * Buffers rows and inserts them with multi-row statements (`VALUES (…),(…),…`): one statement
 * call per many rows is several times cheaper than one per row through better-sqlite3.
 */
import type Database from 'better-sqlite3';

type Param = number | string | Uint8Array | null;

export class BatchInsert {
  private readonly many: Database.Statement<unknown[]>;
  private readonly one: Database.Statement<unknown[]>;
  private readonly buf: Param[];
  private len = 0;

  /** `head` is e.g. `INSERT OR REPLACE INTO t (a, b, c)`; `columns` the number of columns. */
  constructor(db: Database.Database, head: string, columns: number, rowsPerStatement = 64) {
    const row = `(${new Array(columns).fill('?').join(',')})`;
    this.many = db.prepare(`${head} VALUES ${new Array(rowsPerStatement).fill(row).join(',')}`);
    this.one = db.prepare(`${head} VALUES ${row}`);
    this.buf = new Array<Param>(columns * rowsPerStatement).fill(null);
    this.columns = columns;
  }

  private readonly columns: number;

  /** Adds one row (exactly `columns` values); runs a statement whenever the buffer is full. */
  push(...values: Param[]): void {
    for (const v of values) this.buf[this.len++] = v;
    if (this.len === this.buf.length) {
      this.many.run(this.buf);
      this.len = 0;
    }
  }

  /** Inserts what is buffered. Call before the transaction ends. */
  flush(): void {
    for (let i = 0; i < this.len; i += this.columns) this.one.run(this.buf.slice(i, i + this.columns));
    this.len = 0;
  }
}
