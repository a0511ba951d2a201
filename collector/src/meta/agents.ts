/**
 * Agents (practice + name) and when each last delivered a batch; batch ids for dedupe, safe when
 * several collectors share the state database (the insert decides which one stored a batch).
 */
import type { StateDb } from './state-db.ts';

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
  readonly #db: StateDb;

  constructor(db: StateDb) {
    this.#db = db;
  }

  /** Record the version, platform and address an agent pushed from (./enrolment.ts columns). */
  async noteClient(practice: string, name: string, c: AgentClient): Promise<boolean> {
    // Written only when something changed: one cheap statement that changes nothing per push otherwise.
    const r = await this.#db.run(
      `UPDATE agents SET version = coalesce(@version, version), platform = coalesce(@platform, platform), address = @address
       WHERE practice = @practice AND name = @name
         AND (version IS DISTINCT FROM coalesce(@version, version) OR platform IS DISTINCT FROM coalesce(@platform, platform) OR address IS DISTINCT FROM @address)`,
      { practice, name, version: c.version, platform: c.platform, address: c.address },
    );
    return r.changes === 1;
  }

  async ensure(practice: string, name: string, now: number): Promise<boolean> {
    return (await this.#db.run('INSERT INTO agents (practice, name, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [practice, name, now])).changes === 1;
  }

  async list(practice: string): Promise<AgentRow[]> {
    return (await this.#db.all<Raw>(`SELECT ${AGENT_COLS} FROM agents WHERE practice = ? ORDER BY name`, [practice])).map(fromRaw);
  }

  async all(): Promise<AgentRow[]> {
    return (await this.#db.all<Raw>(`SELECT ${AGENT_COLS} FROM agents ORDER BY practice, name`)).map(fromRaw);
  }
}

export interface BatchRecord {
  practice: string;
  agent: string;
  batchId: string;
  samples: number;
  receivedAt: number;
  /** The newest sample time in the batch (epoch ms); absent for an empty batch. */
  highTs?: number;
}

/** Per agent, over the batches received in a span: the newest sample time and the newest receipt. */
export interface AgentActivityRow {
  practice: string;
  agent: string;
  /** max(high_ts): the newest sample time in those batches (epoch ms; 0 when only batches from before high_ts were kept). */
  highWater: number;
  /** max(received_at): collector clock at the newest of those batches. */
  lastSeen: number;
}

export class BatchRepo {
  readonly #db: StateDb;

  constructor(db: StateDb) {
    this.#db = db;
  }

  async has(practice: string, agent: string, batchId: string): Promise<boolean> {
    return (
      (await this.#db.get('SELECT 1 AS one FROM ingest_batches WHERE practice = ? AND agent = ? AND batch_id = ?', [practice, agent, batchId])) !== undefined
    );
  }

  /**
   * Record an acknowledged batch and the agent's last-seen time, in one transaction. False if the
   * id was already recorded, by this collector or by another one that got the same batch at the same
   * time (the insert is an upsert: only one of them inserts; the series write is idempotent).
   */
  async record(b: BatchRecord): Promise<boolean> {
    return this.#db.tx(async (tx) => {
      const added =
        (
          await tx.run(
            'INSERT INTO ingest_batches (practice, agent, batch_id, received_at, samples, high_ts) VALUES (@practice, @agent, @batchId, @receivedAt, @samples, @highTs) ON CONFLICT DO NOTHING',
            { practice: b.practice, agent: b.agent, batchId: b.batchId, receivedAt: b.receivedAt, samples: b.samples, highTs: b.highTs ?? null },
          )
        ).changes === 1;
      await tx.run('UPDATE agents SET last_seen = @at WHERE practice = @practice AND name = @agent AND (last_seen IS NULL OR last_seen < @at)', {
        at: b.receivedAt,
        practice: b.practice,
        agent: b.agent,
      });
      return added;
    });
  }

  /** Per agent, the newest sample time and receipt over the batches received at or after `receivedFrom` (epoch ms). */
  async activitySince(receivedFrom: number): Promise<AgentActivityRow[]> {
    return this.#db.all<AgentActivityRow>(
      `SELECT practice, agent, coalesce(max(high_ts), 0) AS "highWater", max(received_at) AS "lastSeen"
       FROM ingest_batches WHERE received_at >= ? GROUP BY practice, agent ORDER BY practice, agent`,
      [receivedFrom],
    );
  }

  /** Forget batch ids received before `before` (epoch ms). Returns how many. */
  async prune(before: number): Promise<number> {
    return (await this.#db.run('DELETE FROM ingest_batches WHERE received_at < ?', [before])).changes;
  }
}
