/**
 * Accepting a checked batch: dedupe by batch id, write through the store (durable when it
 * resolves), record the batch id (with its newest sample time) and the agent's last-seen in the
 * state database, tell the observers, answer.
 *
 * Order matters for "nothing acknowledged is lost, nothing stored twice": the batch id is recorded
 * only after the store has it. A crash in between means the agent repeats the batch and the store
 * overwrites the same (series, ts) — stored once either way. Two requests with the same batch id
 * at once: the second waits for the first and is then answered as a duplicate. The same batch on
 * two collectors at once (a retry through the load balancer): both store it, only one records its id
 * (BatchRepo.record is an insert-if-absent), and the other answers it as a duplicate.
 */
import { N3monError, isN3monError } from '../../../shared/src/errors.ts';
import type { Clock } from '../../../shared/src/clock.ts';
import type { Logger } from '../../../shared/src/log.ts';
import type { IngestBody, IngestResponse } from '../../../shared/src/wire.ts';
import type { SeriesStore } from '../storage/types.ts';
import type { Meta } from '../meta/index.ts';
import type { IngestObserver } from '../status/provider.ts';
import type { SeriesLimiter } from './series-limit.ts';

export interface IngestCounters {
  samplesAccepted(n: number): void;
  duplicate(samples: number): void;
  /** Samples of new series refused by a series limit. */
  seriesLimited?(samples: number): void;
}

/** The answer, plus the samples (indexes into the body's samples) a series limit refused. */
export interface IngestOutcome extends IngestResponse {
  seriesLimited?: number[];
}

export interface IngestorDeps {
  store: SeriesStore;
  meta: Meta;
  log: Logger;
  clock: Clock;
  observers: readonly IngestObserver[];
  counters?: IngestCounters;
  /** Series limits per agent and practice (./series-limit.ts); none when absent. */
  limiter?: SeriesLimiter;
}

export class Ingestor {
  readonly #deps: IngestorDeps;
  readonly #inflight = new Map<string, Promise<unknown>>();
  /** The last store failure not yet followed by a successful write (for /healthz). */
  lastStoreError: { at: number; message: string } | null = null;

  constructor(deps: IngestorDeps) {
    this.#deps = deps;
  }

  /** Batches being written right now. */
  get inflight(): number {
    return this.#inflight.size;
  }

  async ingest(who: { practice: string; agent: string }, body: IngestBody): Promise<IngestOutcome> {
    const key = `${who.practice}\u0000${who.agent}\u0000${body.batchId}`;
    for (let other = this.#inflight.get(key); other !== undefined; other = this.#inflight.get(key)) {
      // The other request answers for its own outcome; we re-check the batch table below.
      await other.then(noop, noop);
    }
    const { meta, clock } = this.#deps;
    if (await meta.batches.has(who.practice, who.agent, body.batchId)) {
      this.#deps.counters?.duplicate(body.samples.length);
      return { batchId: body.batchId, accepted: 0, duplicate: true, serverTime: clock.now() };
    }
    const work = this.#store(who, body);
    this.#inflight.set(key, work);
    try {
      return await work;
    } finally {
      this.#inflight.delete(key);
    }
  }

  async #store(who: { practice: string; agent: string }, whole: IngestBody): Promise<IngestOutcome> {
    const { store, meta, log, clock, observers } = this.#deps;
    const { body, limited } = await this.#limit(who, whole);
    let written: number;
    try {
      // A batch whose every sample was refused stores nothing, but its id is still recorded.
      written = body.samples.length === 0 ? 0 : (await store.write({ practice: who.practice, agent: who.agent, samples: body.samples })).written;
    } catch (err) {
      this.lastStoreError = { at: clock.now(), message: (err as Error).message };
      log.error({ err, practice: who.practice, agent: who.agent, batchId: body.batchId }, 'store write failed; batch not acknowledged');
      throw isN3monError(err) && err.code === 'N3MON_ERR_STORE'
        ? err
        : new N3monError('N3MON_ERR_STORE', 'the store could not write the batch; retry later', { cause: err });
    }
    this.lastStoreError = null;
    const receivedAt = clock.now();
    let highTs: number | undefined;
    for (const s of body.samples) if (highTs === undefined || s.ts > highTs) highTs = s.ts;
    let added: boolean;
    try {
      added = await meta.batches.record({
        practice: who.practice,
        agent: who.agent,
        batchId: body.batchId,
        samples: body.samples.length,
        receivedAt,
        ...(highTs === undefined ? {} : { highTs }),
      });
    } catch (err) {
      log.error(
        { err, practice: who.practice, agent: who.agent, batchId: body.batchId },
        'batch stored but its id not recorded; not acknowledged (a repeat is stored once)',
      );
      throw new N3monError('N3MON_ERR_STORE', 'the batch id could not be recorded; retry later', { cause: err });
    }
    if (!added) {
      // Another collector sharing the state database recorded it first (the same batch retried
      // there at the same time): it was stored once (the series write is idempotent) and counted there.
      this.#deps.counters?.duplicate(body.samples.length);
      return { batchId: body.batchId, accepted: 0, duplicate: true, serverTime: clock.now() };
    }
    this.#deps.counters?.samplesAccepted(written);
    const batch = { practice: who.practice, agent: who.agent, samples: body.samples, receivedAt };
    for (const o of body.samples.length === 0 ? [] : observers) {
      try {
        o.onBatch(batch);
      } catch (err) {
        log.error({ err, observer: o.constructor.name }, 'ingest observer failed; batch is stored and acknowledged');
      }
    }
    const out: IngestOutcome = { batchId: body.batchId, accepted: written, duplicate: false, serverTime: clock.now() };
    if (limited.length > 0) out.seriesLimited = limited;
    return out;
  }

  /** The body without the samples a series limit refuses, and their indexes. */
  async #limit(who: { practice: string; agent: string }, body: IngestBody): Promise<{ body: IngestBody; limited: number[] }> {
    const limiter = this.#deps.limiter;
    if (limiter === undefined || body.samples.length === 0) return { body, limited: [] };
    const { refused, limit } = await limiter.admit(who.practice, who.agent, body.samples);
    if (refused.length === 0) return { body, limited: refused };
    this.#deps.counters?.seriesLimited?.(refused.length);
    this.#deps.log.warn(
      { practice: who.practice, agent: who.agent, batchId: body.batchId, refused: refused.length, limit },
      'samples of new series refused: series limit reached',
    );
    const out: IngestBody['samples'] = [];
    let r = 0;
    body.samples.forEach((s, i) => {
      if (refused[r] === i) r++;
      else out.push(s);
    });
    return { body: { batchId: body.batchId, samples: out }, limited: refused };
  }
}

function noop(): void {}
