/**
 * When each agent last delivered a batch (collector clock), in memory: loaded from the state
 * database at start, then kept up to date from acknowledged batches (written there in the same ingest).
 * With several collectors, batches that landed on another one reach seen() through the activity
 * feed (collector/src/ha/activity-feed.ts: the shared batch table), so every collector answers alike.
 */
import type { AgentRow } from '../meta/index.ts';
import type { IngestObserver, IngestedBatch } from './provider.ts';

export class AgentActivity implements IngestObserver {
  readonly #byPractice = new Map<string, Map<string, number>>();
  /** Latest of any agent per practice (the overview asks for every practice on each request). */
  readonly #practiceMax = new Map<string, number>();

  constructor(rows: readonly AgentRow[] = []) {
    for (const r of rows) if (r.lastSeen !== null) this.seen(r.practice, r.name, r.lastSeen);
  }

  seen(practice: string, agent: string, at: number): void {
    let agents = this.#byPractice.get(practice);
    if (agents === undefined) {
      agents = new Map();
      this.#byPractice.set(practice, agents);
    }
    const prev = agents.get(agent);
    if (prev === undefined || at > prev) agents.set(agent, at);
    const max = this.#practiceMax.get(practice);
    if (max === undefined || at > max) this.#practiceMax.set(practice, at);
  }

  onBatch(b: IngestedBatch): void {
    this.seen(b.practice, b.agent, b.receivedAt);
  }

  /** Latest last-seen of any agent of the practice; null when none ever reported. */
  lastSeen(practice: string): number | null {
    return this.#practiceMax.get(practice) ?? null;
  }

  agentLastSeen(practice: string, agent: string): number | null {
    return this.#byPractice.get(practice)?.get(agent) ?? null;
  }
}
