/**
 * Series limits, above the storage interface so they hold for every backend: a sample of a series
 * (metric + label set) its agent has not sent before is admitted only while the agent has fewer
 * than `maxSeriesPerAgent` series and its practice fewer than `maxSeriesPerPractice`; beyond that
 * it is refused alone (rule `series_limit`), while samples of known series keep flowing and other
 * practices are untouched. A stolen agent token can therefore grow the store's series index (which
 * lives in memory) by at most the practice's limit.
 *
 * The index kept here: per practice, per agent, a Set of 53-bit hashes of (metric, label set) —
 * ~40 bytes a series. It is loaded from the store (`findSeries({ practice })`) the first time a
 * practice sends after start-up, and again, at most every `refreshMs`, when the practice is at a
 * limit (so series that retention removed from the store free their room). The hash is keyed with
 * a random seed per process and is independent of the labels' order, without allocating on the
 * hot path; a collision can only admit a series uncounted, never refuse a known one.
 */
import { randomInt } from 'node:crypto';
import type { Clock } from '../../../shared/src/clock.ts';
import type { Logger } from '../../../shared/src/log.ts';
import type { WireSample } from '../../../shared/src/wire.ts';
import type { SeriesStore } from '../storage/types.ts';

export interface SeriesLimits {
  maxSeriesPerAgent: number;
  maxSeriesPerPractice: number;
}

export interface SeriesLimiterDeps {
  store: Pick<SeriesStore, 'findSeries'>;
  limits: SeriesLimits;
  clock: Clock;
  log: Logger;
  /** How stale a practice's index may be before a refusal reloads it from the store. Default 15 min. */
  refreshMs?: number;
}

interface PracticeSeries {
  agents: Map<string, Set<number>>;
  total: number;
  loadedAt: number;
  /** A sample was refused since the last load. */
  atLimit: boolean;
}

export interface Admission {
  /** Indexes (into the samples given, ascending) of samples refused by a limit. */
  refused: number[];
  /** Which limit refused the first one. */
  limit?: 'agent' | 'practice';
}

const NONE: number[] = [];

export class SeriesLimiter {
  readonly #deps: SeriesLimiterDeps;
  readonly #refreshMs: number;
  readonly #practices = new Map<string, PracticeSeries>();
  readonly #loading = new Map<string, Promise<PracticeSeries>>();
  readonly #hash = new SeriesHasher();

  constructor(deps: SeriesLimiterDeps) {
    this.#deps = deps;
    this.#refreshMs = deps.refreshMs ?? 15 * 60_000;
  }

  /** Series tracked (for /metrics): bounded by practices × maxSeriesPerPractice. */
  get tracked(): number {
    let n = 0;
    for (const p of this.#practices.values()) n += p.total;
    return n;
  }

  /** Admits the samples' series (remembering new ones) and lists the samples refused by a limit. */
  async admit(practice: string, agent: string, samples: readonly WireSample[]): Promise<Admission> {
    let state = this.#practices.get(practice) ?? (await this.#load(practice));
    if (state.atLimit && this.#deps.clock.monotonic() - state.loadedAt >= this.#refreshMs) state = await this.#load(practice);
    let mine = state.agents.get(agent);
    if (mine === undefined) {
      mine = new Set();
      state.agents.set(agent, mine);
    }
    const { maxSeriesPerAgent, maxSeriesPerPractice } = this.#deps.limits;
    let refused = NONE;
    let limit: Admission['limit'];
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i] as WireSample;
      const h = this.#hash.of(s.metric, s.labels);
      if (mine.has(h)) continue;
      if (mine.size < maxSeriesPerAgent && state.total < maxSeriesPerPractice) {
        mine.add(h);
        state.total++;
        continue;
      }
      if (refused === NONE) {
        refused = [];
        limit = mine.size >= maxSeriesPerAgent ? 'agent' : 'practice';
      }
      refused.push(i);
    }
    if (refused.length > 0) state.atLimit = true;
    return limit === undefined ? { refused } : { refused, limit };
  }

  /** Loads a practice's series from the store; one load per practice at a time. */
  #load(practice: string): Promise<PracticeSeries> {
    const pending = this.#loading.get(practice);
    if (pending !== undefined) return pending;
    const work = (async () => {
      const started = this.#deps.clock.monotonic();
      const found = await this.#deps.store.findSeries({ practice });
      const agents = new Map<string, Set<number>>();
      for (const s of found) {
        let set = agents.get(s.agent);
        if (set === undefined) agents.set(s.agent, (set = new Set()));
        set.add(this.#hash.of(s.metric, s.labels));
      }
      let total = 0;
      for (const set of agents.values()) total += set.size;
      const state: PracticeSeries = { agents, total, loadedAt: this.#deps.clock.monotonic(), atLimit: false };
      this.#practices.set(practice, state);
      this.#deps.log.debug({ practice, series: total, ms: Math.round(state.loadedAt - started) }, 'series limit: practice index loaded from the store');
      return state;
    })();
    this.#loading.set(practice, work);
    const forget = (): void => void this.#loading.delete(practice);
    work.then(forget, forget);
    return work;
  }
}

/**
 * A 53-bit hash of (metric, label set), independent of the labels' order (the pairs' hashes are
 * summed), seeded per instance. Two 32-bit lanes, murmur-style mixing (as in cyrb53).
 */
export class SeriesHasher {
  readonly #seed1 = randomInt(0, 2 ** 32);
  readonly #seed2 = randomInt(0, 2 ** 32);
  #a = 0;
  #b = 0;

  of(metric: string, labels: Readonly<Record<string, string>>): number {
    let sa = 0;
    let sb = 0;
    for (const k in labels) {
      this.#pair(k, labels[k] as string);
      sa = (sa + this.#a) | 0;
      sb = (sb + this.#b) | 0;
    }
    this.#pair(metric, '');
    let h1 = Math.imul(this.#a ^ sa, 2654435761);
    let h2 = Math.imul(this.#b ^ sb, 1597334677);
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return 4294967296 * (2097151 & h2) + (h1 >>> 0);
  }

  /** Hash of `k \0 v` into #a, #b. Label names cannot contain \0, so the split is unambiguous. */
  #pair(k: string, v: string): void {
    let h1 = 0xdeadbeef ^ this.#seed1;
    let h2 = 0x41c6ce57 ^ this.#seed2;
    for (let i = 0; i < k.length; i++) {
      const c = k.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 1597334677);
    }
    h1 = Math.imul(h1, 2654435761);
    h2 = Math.imul(h2, 1597334677);
    for (let i = 0; i < v.length; i++) {
      const c = v.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 1597334677);
    }
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    this.#a = h1;
    this.#b = h2;
  }
}
