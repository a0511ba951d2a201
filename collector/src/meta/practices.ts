/**
 * Practices in the state database: from the config (source `config`) or created by `n3mon token
 * create` / enrolment (`cli`). list() is cached (the overview reads every practice on every
 * request): the cache is checked against the `practices` change counter, which every write of the
 * list bumps in the same transaction, so a practice added by another collector or by the CLI is
 * seen at the next list() on either engine (one indexed read per call).
 */
import { deepFreeze } from '../../../shared/src/validate.ts';
import type { StateDb } from './state-db.ts';

export interface Site {
  name: string;
}

export interface PracticeRow {
  ods: string;
  name: string;
  sites: Site[];
  source: 'config' | 'cli';
  createdAt: number;
}

interface Raw {
  ods: string;
  name: string;
  sites: string;
  source: 'config' | 'cli';
  created_at: number;
}

function fromRaw(r: Raw): PracticeRow {
  return { ods: r.ods, name: r.name, sites: JSON.parse(r.sites) as Site[], source: r.source, createdAt: r.created_at };
}

const COLS = 'ods, name, sites, source, created_at';
const BUMP = `INSERT INTO change_counters (name, n) VALUES ('practices', 1) ON CONFLICT (name) DO UPDATE SET n = change_counters.n + 1`;

export class PracticeRepo {
  readonly #db: StateDb;
  #cache: { stamp: number; rows: readonly PracticeRow[]; byOds: ReadonlyMap<string, PracticeRow> } | undefined;

  constructor(db: StateDb) {
    this.#db = db;
  }

  async get(ods: string): Promise<PracticeRow | undefined> {
    const r = await this.#db.get<Raw>(`SELECT ${COLS} FROM practices WHERE ods = ?`, [ods]);
    return r === undefined ? undefined : fromRaw(r);
  }

  /** Every practice, ordered by ODS code: a fresh array of frozen rows (the rows are shared). */
  async list(): Promise<PracticeRow[]> {
    const stamp = (await this.#db.get<{ n: number }>(`SELECT n FROM change_counters WHERE name = 'practices'`))?.n ?? 0;
    if (this.#cache?.stamp !== stamp) {
      const rows = deepFreeze((await this.#db.all<Raw>(`SELECT ${COLS} FROM practices ORDER BY ods`)).map(fromRaw));
      this.#cache = { stamp, rows, byOds: new Map(rows.map((r) => [r.ods, r])) };
    }
    return this.#cache.rows.slice();
  }

  /** Every ODS code, ordered. */
  async codes(): Promise<string[]> {
    return (await this.list()).map((p) => p.ods);
  }

  /**
   * The list as last read by list() (empty before), for synchronous readers that can wait for the
   * next list() to see another collector's change: metrics gauges, a practice's name in a message.
   */
  known(): readonly PracticeRow[] {
    return this.#cache?.rows ?? [];
  }

  /** A practice from known(). */
  knownRow(ods: string): PracticeRow | undefined {
    return this.#cache?.byOds.get(ods);
  }

  /**
   * Make the database agree with the config's practices (names, sites). Practices missing from the
   * config are kept: they may hold data and tokens.
   */
  async syncFromConfig(practices: readonly { ods: string; name: string; sites: readonly Site[] }[], now: number): Promise<void> {
    await this.#db.tx(async (tx) => {
      for (const p of practices) {
        await tx.run(
          `INSERT INTO practices (ods, name, sites, source, created_at) VALUES (@ods, @name, @sites, 'config', @now)
           ON CONFLICT (ods) DO UPDATE SET name = excluded.name, sites = excluded.sites, source = 'config'`,
          { ods: p.ods, name: p.name, sites: JSON.stringify(p.sites.map((s) => ({ name: s.name }))), now },
        );
      }
      await tx.run(BUMP);
    });
    await this.list();
  }

  /** Create the practice (name = ODS code) unless it exists. True when it was created. */
  async ensure(ods: string, now: number): Promise<boolean> {
    return this.#db.tx(async (tx) => {
      const created =
        (
          await tx.run(`INSERT INTO practices (ods, name, sites, source, created_at) VALUES (?, ?, '[]', 'cli', ?) ON CONFLICT (ods) DO NOTHING`, [
            ods,
            ods,
            now,
          ])
        ).changes === 1;
      if (created) await tx.run(BUMP);
      return created;
    });
  }
}
