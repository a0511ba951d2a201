/**
 * The spool's `series` table in memory: each distinct metric + label set is stored once and its
 * samples name it by id (~25 bytes a sample). The label set's key is the canonical form the
 * collector's store uses too (shared/src/labels.ts canonicalLabels).
 */
import { canonicalLabels } from '../../../shared/src/labels.ts';
import type { Statements } from './db.ts';

export interface SeriesRef {
  metric: string;
  labels: Readonly<Record<string, string>>;
}

export class SeriesInterner {
  readonly #st: Statements;
  readonly #ids = new Map<string, number>();
  readonly #byId = new Map<number, SeriesRef>();

  constructor(st: Statements) {
    this.#st = st;
    this.reload();
  }

  /** The id of a series, inserting it (in the caller's transaction) when new. */
  idOf(metric: string, labels: Readonly<Record<string, string>>): number {
    const key = canonicalLabels(labels);
    const known = this.#ids.get(`${metric}\u0000${key}`);
    if (known !== undefined) return known;
    const id = Number(this.#st.seriesInsert.run(metric, key).lastInsertRowid);
    this.#remember(id, metric, key);
    return id;
  }

  get(id: number): SeriesRef | undefined {
    return this.#byId.get(id);
  }

  /** Forgets what is cached and reads the table again (after a rolled-back transaction). */
  reload(): void {
    this.#ids.clear();
    this.#byId.clear();
    for (const row of this.#st.seriesAll.all()) this.#remember(row.id, row.metric, row.labels);
  }

  #remember(id: number, metric: string, key: string): void {
    this.#ids.set(`${metric}\u0000${key}`, id);
    this.#byId.set(id, { metric, labels: Object.freeze(JSON.parse(key) as Record<string, string>) });
  }
}
