/** Agents (practice + name) and when each last delivered a batch; batch ids for dedupe. */
import type { SqliteDb } from './db.ts';

export interface AgentRow {
  practice: string;
  name: string;
  createdAt: number;
  /** Collector clock (epoch ms) at the agent's last acknowledged batch; null when never. */
  lastSeen: number | null;
  /** From its User-Agent (n3mon-agent/<version>), at its last authenticated push; null before. */
  version?: string | null;
  /** e.g. linux-x64, win32-x64. */
  platform?: string | null;
  /** Client address of its last authenticated push. */
  address?: string | null;
}

interface Raw {
  practice: string;
  name: string;
  created_at: number;
  last_seen: number | null;
  version: string | null;
  platform: string | null;
  address: string | null;
}

const fromRaw = (r: Raw): AgentRow => ({
  practice: r.practice,
  name: r.name,
  createdAt: r.created_at,
  lastSeen: r.last_seen,
  version: r.version,
  platform: r.platform,
  address: r.address,
});
const AGENT_COLS = 'practice, name, created_at, last_seen, version, platform, address';

export interface AgentClient {
  version: string | null;
  platform: string | null;
  address: string;
}

export class AgentRepo {
  readonly #ensure;
  readonly #list;
  readonly #all;
  readonly #client;

  constructor(db: SqliteDb) {
    this.#ensure = db.prepare('INSERT INTO agents (practice, name, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
    this.#list = db.prepare<[string], Raw>(`SELECT ${AGENT_COLS} FROM agents WHERE practice = ? ORDER BY name`);
    this.#all = db.prepare<[], Raw>(`SELECT ${AGENT_COLS} FROM agents`);
    // Written only when something changed: one cheap read-only statement per push otherwise.
    this.#client = db.prepare(
      'UPDATE agents SET version = coalesce(@version, version), platform = coalesce(@platform, platform), address = @address WHERE practice = @practice AND name = @name AND (version IS NOT coalesce(@version, version) OR platform IS NOT coalesce(@platform, platform) OR address IS NOT @address)',
    );
  }

  /** Record the version, platform and address an agent pushed from (./enrolment.ts columns). */
  noteClient(practice: string, name: string, c: AgentClient): boolean {
    return this.#client.run({ practice, name, version: c.version, platform: c.platform, address: c.address }).changes === 1;
  }

  ensure(practice: string, name: string, now: number): boolean {
    return this.#ensure.run(practice, name, now).changes === 1;
  }

  list(practice: string): AgentRow[] {
    return this.#list.all(practice).map(fromRaw);
  }

  all(): AgentRow[] {
    return this.#all.all().map(fromRaw);
  }
}

export interface BatchRecord {
  practice: string;
  agent: string;
  batchId: string;
  samples: number;
  receivedAt: number;
}

export class BatchRepo {
  readonly #has;
  readonly #insert;
  readonly #touch;
  readonly #prune;
  readonly #record;

  constructor(db: SqliteDb) {
    this.#has = db
      .prepare<[string, string, string], { one: number }>('SELECT 1 AS one FROM ingest_batches WHERE practice = ? AND agent = ? AND batch_id = ?')
      .pluck();
    this.#insert = db.prepare('INSERT INTO ingest_batches (practice, agent, batch_id, received_at, samples) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING');
    this.#touch = db.prepare('UPDATE agents SET last_seen = max(coalesce(last_seen, 0), ?) WHERE practice = ? AND name = ?');
    this.#prune = db.prepare('DELETE FROM ingest_batches WHERE received_at < ?');
    this.#record = db.transaction((b: BatchRecord): boolean => {
      const added = this.#insert.run(b.practice, b.agent, b.batchId, b.receivedAt, b.samples).changes === 1;
      this.#touch.run(b.receivedAt, b.practice, b.agent);
      return added;
    });
  }

  has(practice: string, agent: string, batchId: string): boolean {
    return this.#has.get(practice, agent, batchId) !== undefined;
  }

  /** Record an acknowledged batch and the agent's last-seen time, in one transaction. False if the id was already recorded. */
  record(b: BatchRecord): boolean {
    return this.#record.immediate(b);
  }

  /** Forget batch ids received before `before` (epoch ms). Returns how many. */
  prune(before: number): number {
    return this.#prune.run(before).changes;
  }
}
