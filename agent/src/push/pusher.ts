/**
 * The pusher: sends spooled samples to the collector, one batch at a time, and deletes them from
 * the spool only when the collector acknowledges the batch. What each answer means:
 *
 *   200 with a matching IngestResponse  ack: delete the batch's rows, reset back-off, note clock skew;
 *                                        each sample it lists as `refused` is set aside alone
 *                                        (./refused.ts), logged once per check and rule, counted
 *   400                                  the batch can never be accepted (an older collector refuses
 *                                        a batch for one bad sample): set aside in `rejected`,
 *                                        logged as error with the collector's problems; go on
 *   413                                  split: release the batch and use half the batch size from
 *                                        now on (a single sample that is still too big is set aside)
 *   429, 503                             wait Retry-After (seconds or HTTP date), else back off
 *   401, 403                             re-read the credential file (a server enrolled again goes on at
 *                                        once); else log error once (until a push succeeds), back off,
 *                                        keep everything
 *   other, network error, timeout        back off (full jitter, capped at maxBackoffMs)
 *
 * Which samples form the next batch — and how a backlog drains without starving live data — is
 * the lane rule in ./lanes.ts. A batch keeps its id until acknowledged, set aside or split, across
 * restarts too, so a resend after a lost answer is deduplicated by the collector.
 */
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import type { Logger } from '../../../shared/src/log.ts';
import { systemClock, type Clock } from '../../../shared/src/clock.ts';
import { INGEST_LIMITS, INGEST_PATH, IngestResponse } from '../../../shared/src/wire.ts';
import { checker } from '../../../shared/src/validate.ts';
import type { Spool, SpooledBatch } from '../spool/spool.ts';
import { backoffDelayMs, parseRetryAfter } from './backoff.ts';
import { INITIAL_LANE_STATE, planBatch, type LaneState } from './lanes.ts';
import { httpTransport, type IngestTransport } from './transport.ts';
import { createRefusalLog, sortRefused } from './refused.ts';
import { credentialSource, type CredentialSource } from './credential.ts';
import { createRotation } from './rotation.ts';

const gzip = promisify(gzipCb);
const isIngestResponse = checker(IngestResponse);
/** Date headers have 1 s resolution and clocks drift: retry future-refused batches this much after they should fit. */
const FUTURE_RETRY_MARGIN_MS = 60_000;

/**
 * What the agent logs (once, as an error) when the collector refuses it. 401: the token itself is
 * not valid (revoked, expired, never issued). 403: the token is valid but not allowed this way —
 * with mutual TLS, a client certificate that is missing or names another agent; the collector's
 * reason is in the log line's `message`.
 */
export const AUTH_REFUSED = {
  401: 'collector refuses the agent token (revoked or expired): the agent keeps measuring and spooling but sends nothing until it has a valid token; enrol it again (n3mon enrol --collector URL --code CODE) or put a new token in the config',
  403: 'collector refuses this agent although its token is valid (403; the reason is in message — e.g. a client certificate that is missing or names another agent): the agent keeps measuring and spooling but sends nothing until that is put right',
} as const;
export interface PusherOptions {
  spool: Spool;
  /** Collector base URL; the pusher posts to `<url>/api/v1/ingest`. */
  url: string;
  /** The agent token; or `credential` (a credential file, renewed before it expires: ./rotation.ts). */
  token?: string;
  credential?: CredentialSource;
  batchSamples: number;
  /** Wait between pushes when less than a batch is pending. */
  intervalMs: number;
  /** Deadline of one request (connect, upload, answer). */
  timeoutMs: number;
  maxBackoffMs: number;
  /** First back-off ceiling; default min(1000, maxBackoffMs). */
  baseBackoffMs?: number;
  /** Deadline of the final push when stopping; default min(5000, timeoutMs). */
  finalPushTimeoutMs?: number;
  log: Logger;
  clock?: Clock;
  random?: () => number;
  transport?: IngestTransport;
}

export interface PusherStats {
  requests: number;
  batchesAcked: number;
  samplesAcked: number;
  duplicatesAcked: number;
  batchesRejected: number;
  /** Samples the collector refused in batches it otherwise stored (set aside alone). */
  samplesRefused: number;
  /** … of which kept to retry later (from the collector's near future). */
  samplesHeld: number;
  splits: number;
  failures: number;
  consecutiveFailures: number;
  /** HTTP status of the last answer, or the transport error code. */
  last: string | undefined;
  lastAckAt: number | undefined;
  /** Agent clock minus collector clock (ms), from the last acknowledged push. */
  clockSkewMs: number | undefined;
  batchSamples: number;
}

export interface Pusher {
  start(): void;
  /** Cuts an idle wait short (not a back-off): push what is spooled now. */
  wake(): void;
  /** Lets a request in flight finish (bounded), makes one final bounded push, closes the transport. */
  stop(): Promise<void>;
  stats(): PusherStats;
}

interface ErrorBody {
  code?: unknown;
  message?: unknown;
  problems?: unknown;
}

export function createPusher(opts: PusherOptions): Pusher {
  const { spool, log } = opts;
  const clock = opts.clock ?? systemClock;
  const endpoint = new URL(INGEST_PATH.slice(1), opts.url.endsWith('/') ? opts.url : `${opts.url}/`);
  const refusalLog = createRefusalLog(log);
  const transport = opts.transport ?? httpTransport();
  const credential = opts.credential ?? credentialSource({ token: opts.token });
  const rotation = createRotation({ baseUrl: opts.url, transport, credential, timeoutMs: opts.timeoutMs, log, clock });
  /** A refused token is logged once (error) until a push is accepted again. */
  let authRefused = false;
  const backoff = { baseMs: opts.baseBackoffMs ?? Math.min(1000, opts.maxBackoffMs), maxMs: opts.maxBackoffMs };
  const finalPushTimeoutMs = opts.finalPushTimeoutMs ?? Math.min(5000, opts.timeoutMs);
  const abortRequests = new AbortController();
  let stopRequested = false;
  let current: Promise<{ delayMs: number; idle: boolean }> | undefined;
  const stats: PusherStats = {
    requests: 0,
    batchesAcked: 0,
    samplesAcked: 0,
    duplicatesAcked: 0,
    batchesRejected: 0,
    samplesRefused: 0,
    samplesHeld: 0,
    splits: 0,
    failures: 0,
    consecutiveFailures: 0,
    last: undefined,
    lastAckAt: undefined,
    clockSkewMs: undefined,
    batchSamples: opts.batchSamples,
  };
  let lanes: LaneState = INITIAL_LANE_STATE;
  let loop: Promise<void> | undefined;
  let wakeIdle: (() => void) | undefined;
  let cutSleep: (() => void) | undefined;

  function retryLater(): number {
    stats.failures++;
    stats.consecutiveFailures++;
    return Math.max(10, backoffDelayMs(stats.consecutiveFailures - 1, backoff, opts.random));
  }

  function nextBatch(): SpooledBatch | undefined {
    const resend = spool.inflight();
    if (resend !== undefined) return resend;
    const plan = planBatch(lanes, spool.view(), stats.batchSamples);
    lanes = plan.state;
    return plan.selection === undefined ? undefined : spool.formBatch(plan.selection);
  }

  /** One push attempt. Returns how long to wait before the next, and whether that wait is idle. */
  async function step(timeoutMs: number): Promise<{ delayMs: number; idle: boolean }> {
    const batch = nextBatch();
    if (batch === undefined) return { delayMs: opts.intervalMs, idle: true };
    const body = await gzip(JSON.stringify({ batchId: batch.batchId, samples: batch.samples }));
    const t0 = clock.now();
    stats.requests++;
    let reply;
    try {
      reply = await transport.send({ url: endpoint, token: credential.current(), body, timeoutMs, signal: abortRequests.signal });
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'EIO';
      stats.last = code;
      const delayMs = retryLater();
      log.warn(
        { code, err: (err as Error).message, batchId: batch.batchId, attempt: stats.consecutiveFailures, retryInMs: delayMs },
        'collector unreachable; will retry',
      );
      return { delayMs, idle: false };
    }
    const t1 = clock.now();
    stats.last = String(reply.status);
    const fields = { status: reply.status, batchId: batch.batchId, samples: batch.samples.length, lane: batch.lane };

    if (reply.status >= 200 && reply.status < 300) {
      const ack = parseJson(reply.body);
      if (!isIngestResponse(ack) || ack.batchId !== batch.batchId) {
        const delayMs = retryLater();
        log.error({ ...fields, body: reply.body.slice(0, 200), retryInMs: delayMs }, 'collector answered without a valid acknowledgement; batch kept');
        return { delayMs, idle: false };
      }
      const sorted = sortRefused(batch, ack);
      if (sorted === undefined) spool.ack(batch);
      else {
        spool.settle(batch, sorted.setAside, sorted.retry);
        stats.samplesRefused += sorted.setAside.length;
        stats.samplesHeld += sorted.retry.length;
        refusalLog.note(batch.batchId, sorted.setAside);
      }
      stats.batchesAcked++;
      stats.samplesAcked += batch.samples.length - (sorted === undefined ? 0 : sorted.setAside.length + sorted.retry.length);
      if (ack.duplicate) stats.duplicatesAcked++;
      stats.consecutiveFailures = 0;
      stats.lastAckAt = t1;
      stats.clockSkewMs = Math.round((t0 + t1) / 2 - ack.serverTime);
      if (authRefused) log.info({ ...fields, file: credential.file }, 'collector accepts the agent token again; sending the backlog');
      authRefused = false;
      await rotation.afterAck(reply.headers, abortRequests.signal, stats.clockSkewMs);
      log.debug({ ...fields, accepted: ack.accepted, duplicate: ack.duplicate, refused: ack.refused?.length ?? 0, rttMs: t1 - t0 }, 'batch acknowledged');
      if (sorted !== undefined && sorted.retry.length > 0) {
        // Samples from the collector's near future wait until its clock has caught up.
        const delayMs = Math.min(opts.maxBackoffMs, Math.max(opts.intervalMs, sorted.retryAfterMs));
        log.warn(
          { ...fields, held: sorted.retry.length, retryInMs: delayMs },
          'collector refuses samples from its near future (agent clock ahead?); kept, will retry',
        );
        return { delayMs, idle: false };
      }
      const more = spool.inflight() !== undefined || spool.view().pending >= stats.batchSamples;
      return more ? { delayMs: 0, idle: false } : { delayMs: opts.intervalMs, idle: true };
    }

    const err = (parseJson(reply.body) ?? {}) as ErrorBody;
    const code = typeof err.code === 'string' ? err.code : undefined;
    const message = typeof err.message === 'string' ? err.message : reply.body.slice(0, 200);
    const problems = Array.isArray(err.problems) ? err.problems.filter((p): p is string => typeof p === 'string') : [];

    if (reply.status === 400) {
      const aheadMs = msAheadOfCollector(batch, reply.headers.date, clock.now(), stats.clockSkewMs);
      if (aheadMs !== undefined) {
        // Not "never": samples the collector sees as from the future become acceptable as its
        // clock catches up (an agent clock that was ahead and got corrected). Keep and retry.
        const delayMs = Math.min(opts.maxBackoffMs, Math.max(1000, aheadMs + FUTURE_RETRY_MARGIN_MS));
        stats.failures++;
        stats.consecutiveFailures++;
        log.error(
          { ...fields, code, aheadMs, retryInMs: delayMs, problems: problems.slice(0, 5) },
          'collector refuses samples from its future (agent clock ahead?); batch kept, will retry',
        );
        return { delayMs, idle: false };
      }
    }
    if (reply.status === 400 || (reply.status === 413 && batch.samples.length === 1)) {
      spool.reject(batch, { status: reply.status, reason: `${code ?? 'HTTP ' + reply.status}: ${message}`, problems });
      stats.batchesRejected++;
      stats.consecutiveFailures = 0;
      log.error(
        { ...fields, code, message, problems: problems.slice(0, 20), problemCount: problems.length },
        "collector can never accept this batch; set aside in the spool's rejected table",
      );
      return { delayMs: 0, idle: false };
    }
    if (reply.status === 413) {
      spool.release(batch);
      stats.splits++;
      stats.batchSamples = Math.max(1, Math.floor(batch.samples.length / 2));
      log.warn({ ...fields, code, batchSamples: stats.batchSamples }, 'collector says the batch is too large; sending smaller batches');
      return { delayMs: 0, idle: false };
    }
    if (reply.status === 429 || reply.status === 503) {
      const retryAfterMs = parseRetryAfter(reply.headers['retry-after'], clock.now());
      const backoffMs = retryLater();
      const delayMs = retryAfterMs ?? backoffMs;
      log.warn({ ...fields, code, retryAfter: reply.headers['retry-after'], retryInMs: delayMs }, 'collector busy; will retry');
      return { delayMs, idle: false };
    }
    const auth = reply.status === 401 || reply.status === 403;
    if (auth && credential.reload()) {
      log.info({ ...fields, file: credential.file }, 'agent token changed in the credential file; sending with it');
      return { delayMs: 0, idle: false };
    }
    const delayMs = retryLater();
    if (auth) {
      const first = !authRefused;
      authRefused = true;
      log[first ? 'error' : 'debug'](
        { ...fields, code, message, retryInMs: delayMs, pending: spool.view().pending, file: credential.file },
        AUTH_REFUSED[reply.status === 401 ? 401 : 403],
      );
      return { delayMs, idle: false };
    }
    log[reply.status < 500 ? 'error' : 'warn']({ ...fields, code, message, retryInMs: delayMs }, 'collector failed; will retry');
    return { delayMs, idle: false };
  }

  function sleep(ms: number, idle: boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        wakeIdle = undefined;
        cutSleep = undefined;
        resolve();
      };
      const t = setTimeout(done, ms);
      cutSleep = done;
      if (idle) wakeIdle = done;
    });
  }

  async function run(): Promise<void> {
    while (!stopRequested) {
      let next: { delayMs: number; idle: boolean };
      try {
        current = step(opts.timeoutMs);
        next = await current;
      } catch (err) {
        next = { delayMs: retryLater(), idle: false };
        log.error({ err }, 'push attempt failed unexpectedly; will retry');
      } finally {
        current = undefined;
      }
      if (stopRequested) break;
      if (next.delayMs > 0) await sleep(next.delayMs, next.idle);
    }
  }

  return {
    start() {
      if (loop !== undefined) throw new Error('pusher already started');
      log.info({ url: endpoint.href, batchSamples: opts.batchSamples }, 'pusher started');
      loop = run();
    },
    wake() {
      wakeIdle?.();
    },
    async stop() {
      if (stopRequested) return;
      stopRequested = true;
      cutSleep?.();
      // A request in flight may finish within the final-push deadline; after that it is aborted.
      let inTime = true;
      const inFlight = current;
      if (inFlight !== undefined) {
        inTime = await Promise.race([
          inFlight.then(
            () => true,
            () => true,
          ),
          delay(finalPushTimeoutMs).then(() => false),
        ]);
        if (!inTime) abortRequests.abort();
      }
      await loop;
      if (inTime && spool.isOpen) {
        try {
          const r = await step(finalPushTimeoutMs);
          log.info({ pending: spool.view().pending, last: stats.last, drained: r.idle }, 'final push done');
        } catch (err) {
          log.warn({ err }, 'final push failed; samples stay in the spool');
        }
      }
      transport.close();
    },
    stats: () => ({ ...stats }),
  };
}

/**
 * How far the batch's newest sample lies beyond what the collector accepts as "now" (its clock
 * from the answer's Date header, else from the last measured skew), when that is within a minute
 * of the limit or past it; undefined when the batch is not near the collector's future limit.
 */
export function msAheadOfCollector(batch: SpooledBatch, dateHeader: string | undefined, agentNow: number, skewMs: number | undefined): number | undefined {
  const fromHeader = dateHeader === undefined ? Number.NaN : Date.parse(dateHeader);
  const collectorNow = Number.isNaN(fromHeader) ? agentNow - (skewMs ?? 0) : fromHeader;
  let newest = -Infinity;
  for (const s of batch.samples) if (s.ts > newest) newest = s.ts;
  const aheadMs = newest - (collectorNow + INGEST_LIMITS.maxFutureMs);
  return aheadMs > -FUTURE_RETRY_MARGIN_MS ? Math.max(0, Math.round(aheadMs)) : undefined;
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined; // not JSON (a proxy's HTML page): the caller treats it as no acknowledgement
  }
}
