/**
 * The I/O of the throughput probe: one download and one upload against the collector's endpoints
 * (docs/api.md "Throughput test"), each on a fresh connection (no pool) that is destroyed at the
 * end. Both resolve (never reject) with the progress marks of the payload or an outcome.
 *
 * Each direction sends for at most maxDurationMs and then ENDS its body cleanly, so the last mark
 * is always the true end of the payload (every byte delivered; nothing held back by TCP) and the
 * rate has a clean end point. Bytes already queued on a slow link still arrive after that.
 *
 * - download: GET …/download?bytes=N&maxMs=M; the collector stops sending M ms after its first
 *   write; the agent records a mark per read of the body.
 * - upload: POST …/upload?bytes=N, chunked, random bytes written as the socket drains; the agent
 *   stops writing maxDurationMs after the connection is up and ends the body. The collector counts
 *   and times what arrives and answers with its marks (the agent's own write times would measure
 *   its socket buffer, not the link).
 */
import { randomFillSync } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { Clock } from '../../../../shared/src/clock.ts';
import type { Outcome } from '../../../../shared/src/outcomes.ts';
import { checker } from '../../../../shared/src/validate.ts';
import {
  ProgressRecorder,
  RECEIVER_LAG_HEADER,
  THROUGHPUT_CONTENT_TYPE,
  THROUGHPUT_PATHS,
  UploadResult,
  watchReceiverLag,
  type ProgressMark,
} from '../../../../shared/src/throughput.ts';
import { errorCode, errorMessage, outcomeForFailure } from '../http/outcome.ts';
import type { FailureStage } from '../http/phases.ts';
import { describeRefusal, outcomeForStatus } from './outcome.ts';

export interface TransferOptions {
  /** Collector base URL (env.collector.url). */
  base: string;
  token: string;
  bytes: number;
  maxDurationMs: number;
  signal: AbortSignal;
  clock: Clock;
  /** Extra CA for an https collector with a private CA (collector.caFile). */
  ca?: Buffer;
  /** Client certificate and key for a collector that requires mutual TLS (collector.clientCertFile/clientKeyFile). */
  cert?: Buffer;
  key?: Buffer;
}

export type TransferResult =
  /**
   * `stoppedEarly`: fewer than `bytes` moved (maxDurationMs ran out first). `elapsedMs`: on the
   * agent's clock, from the connection being up to the last byte read (download) or the answer
   * (upload) — longer than the payload's own time, so bytes / elapsedMs is a lower bound of the
   * rate when the marks are too few to time. `receiverLagMs`: the receiving side's longest
   * event-loop delay while the bytes arrived (undefined: a collector that does not say).
   */
  | { ok: true; marks: ProgressMark[]; bytes: number; stoppedEarly: boolean; elapsedMs: number; receiverLagMs?: number }
  /** `status`: the collector's HTTP status when it refused the transfer. */
  | { ok: false; outcome: Outcome; message: string; status?: number };

export type Transfer = (opts: TransferOptions) => Promise<TransferResult>;

const CHUNK_BYTES = 64 * 1024;
/** Most of an answer body read (an error, or the upload's result with up to 1000 marks). */
const MAX_ANSWER_BYTES = 256 * 1024;
const isUploadResult = checker(UploadResult);

export function endpointOf(base: string, which: 'download' | 'upload', query: { bytes: number; maxMs?: number }): URL {
  const url = new URL(THROUGHPUT_PATHS[which].slice(1), base.endsWith('/') ? base : `${base}/`);
  url.searchParams.set('bytes', String(query.bytes));
  if (query.maxMs !== undefined) url.searchParams.set('maxMs', String(query.maxMs));
  return url;
}

/** A request on its own connection, with the stage it has reached and a single settle. */
function open(o: TransferOptions, which: 'download' | 'upload', onSettle: (r: TransferResult) => void) {
  const url = endpointOf(o.base, which, which === 'download' ? { bytes: o.bytes, maxMs: o.maxDurationMs } : { bytes: o.bytes });
  const tls = url.protocol === 'https:';
  const headers: Record<string, string> = { authorization: `Bearer ${o.token}`, connection: 'close', 'user-agent': 'n3mon-agent (throughput)' };
  if (which === 'download') headers['accept-encoding'] = 'identity';
  else headers['content-type'] = THROUGHPUT_CONTENT_TYPE;
  const options = {
    method: which === 'download' ? 'GET' : 'POST',
    headers,
    agent: false as const,
    ...(tls && o.ca !== undefined ? { ca: o.ca } : {}),
    ...(tls && o.cert !== undefined ? { cert: o.cert, key: o.key } : {}),
  };
  const req = tls ? https.request(url, options) : http.request(url, options);
  const state = { stage: 'connect' as FailureStage, settled: false, connectedAt: 0, onConnected: (): void => undefined };
  const settle = (r: TransferResult): void => {
    if (state.settled) return;
    state.settled = true;
    o.signal.removeEventListener('abort', onAbort);
    req.destroy();
    onSettle(r);
  };
  const onAbort = (): void => settle({ ok: false, outcome: 'timeout', message: `${which}: the check timed out (${state.stage})` });
  const fail = (err: unknown): void => {
    const code = errorCode(err);
    settle({ ok: false, outcome: outcomeForFailure({ stage: state.stage, code }), message: `${which} ${state.stage}: ${code}: ${errorMessage(err)}` });
  };
  req.on('socket', (socket: Socket) => {
    const up = (): void => {
      state.stage = 'request';
      state.connectedAt = o.clock.monotonic();
      state.onConnected();
    };
    if (tls) {
      socket.once('connect', () => (state.stage = 'tls'));
      socket.once('secureConnect', up);
    } else {
      socket.once('connect', up);
    }
  });
  if (o.signal.aborted) queueMicrotask(onAbort);
  else o.signal.addEventListener('abort', onAbort, { once: true });
  return { req, state, settle, fail };
}

/** Reads at most `max` bytes of an answer body as text. */
function readAnswer(res: http.IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      if (size >= max) return;
      parts.push(chunk);
      size += chunk.length;
    });
    res.once('end', () => resolve(Buffer.concat(parts).subarray(0, max).toString('utf8')));
    res.once('error', reject);
    res.once('close', () => {
      if (!res.complete) reject(Object.assign(new Error('connection closed before the end of the answer'), { code: 'ECONNRESET' }));
    });
  });
}

function refused(which: string, res: http.IncomingMessage, body: string): TransferResult {
  const status = res.statusCode ?? 0;
  const retryAfter = res.headers['retry-after'];
  return {
    ok: false,
    outcome: outcomeForStatus(status),
    status,
    message: `${which}: ${describeRefusal(status, body, Array.isArray(retryAfter) ? retryAfter[0] : retryAfter)}`,
  };
}

export const download: Transfer = (o) =>
  new Promise((resolve) => {
    const { req, state, settle, fail } = open(o, 'download', resolve);
    const progress = new ProgressRecorder();
    let received = 0;
    const lag = watchReceiverLag();
    req.once('close', () => lag.stop());
    req.on('error', fail);
    req.on('response', (res) => {
      state.stage = 'transfer';
      if (res.statusCode !== 200) {
        readAnswer(res, MAX_ANSWER_BYTES).then((body) => settle(refused('download', res, body)), fail);
        return;
      }
      const encoding = res.headers['content-encoding'];
      if (encoding !== undefined && encoding !== 'identity') {
        settle({
          ok: false,
          outcome: 'protocol_error',
          message: `download: the payload came with Content-Encoding ${encoding}; a compressed payload would overstate the rate`,
        });
        return;
      }
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        progress.record(o.clock.monotonic(), received);
      });
      res.once('end', () => {
        const elapsedMs = o.clock.monotonic() - state.connectedAt;
        if (received <= o.bytes)
          settle({ ok: true, marks: progress.marks(), bytes: received, stoppedEarly: received < o.bytes, elapsedMs, receiverLagMs: lag.stop() });
        else settle({ ok: false, outcome: 'protocol_error', message: `download: ${received} bytes arrived, more than the ${o.bytes} asked for` });
      });
      res.on('error', fail);
      res.once('close', () => {
        if (!res.complete)
          settle({ ok: false, outcome: 'protocol_error', message: `download: the connection closed after ${received} bytes, before the end of the payload` });
      });
    });
    req.end();
  });

export const upload: Transfer = (o) =>
  new Promise((resolve) => {
    const { req, state, settle, fail } = open(o, 'upload', resolve);
    let sent = 0;
    let stopAt: number | undefined;
    let answered = false;
    let ended = false;
    const pump = (): void => {
      while (!state.settled && !answered && !ended) {
        if (sent >= o.bytes || (stopAt !== undefined && o.clock.monotonic() >= stopAt)) {
          ended = true;
          req.end();
          return;
        }
        const n = Math.min(CHUNK_BYTES, o.bytes - sent);
        sent += n;
        if (!req.write(randomFillSync(Buffer.allocUnsafe(n)))) {
          req.once('drain', pump);
          return;
        }
      }
    };
    // The sending time is counted from the connection being up (writes before it only queue).
    state.onConnected = () => {
      stopAt = o.clock.monotonic() + o.maxDurationMs;
      const timer = setTimeout(pump, o.maxDurationMs);
      req.once('close', () => clearTimeout(timer));
    };
    // An error after the answer arrived (EPIPE, a reset as the collector closes a refused upload) changes nothing: the answer decides.
    req.on('error', (err) => {
      if (!answered) fail(err);
    });
    req.on('response', (res) => {
      answered = true;
      state.stage = 'transfer';
      const elapsedMs = o.clock.monotonic() - state.connectedAt;
      const lagHeader = Number(res.headers[RECEIVER_LAG_HEADER]);
      readAnswer(res, MAX_ANSWER_BYTES).then((body) => {
        if (res.statusCode !== 200) {
          settle(refused('upload', res, body));
          return;
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(body);
        } catch (err) {
          settle({ ok: false, outcome: 'protocol_error', message: `upload: the answer is not JSON (${errorMessage(err)})` });
          return;
        }
        if (!isUploadResult(parsed) || parsed.bytes > sent) {
          settle({ ok: false, outcome: 'protocol_error', message: 'upload: the answer is not an upload result (or counts more bytes than were sent)' });
          return;
        }
        settle({
          ok: true,
          marks: parsed.marks,
          bytes: parsed.bytes,
          stoppedEarly: sent < o.bytes,
          elapsedMs,
          ...(Number.isFinite(lagHeader) && lagHeader >= 0 ? { receiverLagMs: lagHeader } : {}),
        });
      }, fail);
    });
    pump();
  });
