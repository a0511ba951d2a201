/** Practices in meta.db: from the config (source `config`) or created by `n3mon token create` (`cli`). */
import type { SqliteDb } from './db.ts';

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

export class PracticeRepo {
  readonly #get;
  readonly #list;
  readonly #codes;
  readonly #upsertConfig;
  readonly #insertCli;

  constructor(private readonly db: SqliteDb) {
    this.#get = db.prepare<[string], Raw>('SELECT ods, name, sites, source, created_at FROM practices WHERE ods = ?');
    this.#list = db.prepare<[], Raw>('SELECT ods, name, sites, source, created_at FROM practices ORDER BY ods');
    this.#codes = db.prepare<[], string>('SELECT ods FROM practices ORDER BY ods').pluck();
    this.#upsertConfig = db.prepare(
      `INSERT INTO practices (ods, name, sites, source, created_at) VALUES (@ods, @name, @sites, 'config', @now)
       ON CONFLICT (ods) DO UPDATE SET name = excluded.name, sites = excluded.sites, source = 'config'`,
    );
    this.#insertCli = db.prepare(`INSERT INTO practices (ods, name, sites, source, created_at) VALUES (?, ?, '[]', 'cli', ?) ON CONFLICT (ods) DO NOTHING`);
  }

  get(ods: string): PracticeRow | undefined {
    const r = this.#get.get(ods);
    return r === undefined ? undefined : fromRaw(r);
  }

  /** Every practice, ordered by ODS code. */
  list(): PracticeRow[] {
    return this.#list.all().map(fromRaw);
  }

  /** Every ODS code, ordered. */
  codes(): string[] {
    return this.#codes.all();
  }

  /**
   * Make meta.db agree with the config's practices (names, sites). Practices missing from the
   * config are kept: they may hold data and tokens.
   */
  syncFromConfig(practices: readonly { ods: string; name: string; sites: readonly Site[] }[], now: number): void {
    const tx = this.db.transaction(() => {
      for (const p of practices) this.#upsertConfig.run({ ods: p.ods, name: p.name, sites: JSON.stringify(p.sites.map((s) => ({ name: s.name }))), now });
    });
    tx.immediate();
  }

  /** Create the practice (name = ODS code) unless it exists. True when it was created. */
  ensure(ods: string, now: number): boolean {
    return this.#insertCli.run(ods, ods, now).changes === 1;
  }
}
