/**
 * Practices in meta.db: from the config (source `config`) or created by `n3mon token create`
 * (`cli`). list() is cached (the overview reads every practice on every request) and reloaded
 * when this connection wrote practices or another one (the CLI) committed anything.
 */
import { deepFreeze } from '../../../shared/src/validate.ts';
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
  readonly #upsertConfig;
  readonly #insertCli;
  readonly #dataVersion;
  #writes = 0;
  #cache: { stamp: string; rows: readonly PracticeRow[] } | undefined;

  constructor(private readonly db: SqliteDb) {
    this.#dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
    this.#get = db.prepare<[string], Raw>('SELECT ods, name, sites, source, created_at FROM practices WHERE ods = ?');
    this.#list = db.prepare<[], Raw>('SELECT ods, name, sites, source, created_at FROM practices ORDER BY ods');
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

  /** Every practice, ordered by ODS code: a fresh array of frozen rows (the rows are shared). */
  list(): PracticeRow[] {
    // data_version changes when another connection commits; #writes when this one writes practices.
    const stamp = `${this.#dataVersion.get()}:${this.#writes}`;
    if (this.#cache?.stamp !== stamp) this.#cache = { stamp, rows: deepFreeze(this.#list.all().map(fromRaw)) };
    return this.#cache.rows.slice();
  }

  /** Every ODS code, ordered. */
  codes(): string[] {
    return this.list().map((p) => p.ods);
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
    this.#writes++;
  }

  /** Create the practice (name = ODS code) unless it exists. True when it was created. */
  ensure(ods: string, now: number): boolean {
    const created = this.#insertCli.run(ods, ods, now).changes === 1;
    if (created) this.#writes++;
    return created;
  }
}
