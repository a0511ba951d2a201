// The pusher against a scripted collector on a real loopback socket, with a real spool.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openSpool, type Spool } from '../../../agent/src/spool/spool.ts';
import { createPusher, type Pusher, type PusherOptions } from '../../../agent/src/push/pusher.ts';
import { silentLogger } from '../../../shared/src/log.ts';
import { INGEST_LIMITS, type WireSample } from '../../../shared/src/wire.ts';
import { captureLog } from '../../unit/agent/helpers/fakes.ts';
import { freePort, stubCollector, TOKEN, until, type Answer, type StubCollector } from './helpers/stub-collector.ts';

const MiB = 1024 * 1024;
const dirs: string[] = [];
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'n3mon-push-'));
  dirs.push(d);
  return d;
}

let v = 0;
function samples(n: number, extra: Record<string, string> = {}): WireSample[] {
  return Array.from({ length: n }, () => {
    const i = v++;
    return {
      metric: 'tcp_connect_ms',
      labels: { check: `tcp:10.200.0.${i % 7}:443`, role: 'national-app', target: `10.200.0.${i % 7}:443`, ...extra },
      ts: 1_700_000_000_000 + i,
      value: i,
    };
  });
}

function start(spool: Spool, stub: { url: string }, opts: Partial<PusherOptions> = {}): Pusher {
  const pusher = createPusher({
    spool,
    url: stub.url,
    token: TOKEN,
    batchSamples: 300,
    intervalMs: 50,
    timeoutMs: 2000,
    maxBackoffMs: 200,
    baseBackoffMs: 20,
    log: silentLogger(),
    ...opts,
  });
  pusher.start();
  cleanups.push(() => pusher.stop());
  return pusher;
}

function openTmpSpool(dir = tmp()): Spool {
  const spool = openSpool({ dir, maxBytes: 64 * MiB, log: silentLogger() });
  cleanups.push(() => spool.close());
  return spool;
}

async function serve(script: Parameters<typeof stubCollector>[0], opts: Parameters<typeof stubCollector>[1] = {}): Promise<StubCollector> {
  const stub = await stubCollector(script, opts);
  cleanups.push(() => stub.close());
  return stub;
}

describe('pusher', () => {
  it('through refusals, 401, 503/429 with Retry-After, 413, 500, a lost ack and a poisoned batch: every sample once, in order', async () => {
    const spool = openTmpSpool();
    const input = [...samples(1000), ...samples(1, { poison: 'yes' }), ...samples(999)];
    spool.append(input);
    const port = await freePort();
    const script = (req: { n: number; samples: WireSample[] }): Answer => {
      if (req.samples.some((s) => s.labels.poison === 'yes')) {
        return {
          status: 400,
          body: {
            statusCode: 400,
            code: 'N3MON_ERR_INGEST_INVALID',
            error: 'Bad Request',
            message: '1 problem(s)',
            problems: ['samples[0].labels.poison: not allowed here'],
          },
        };
      }
      if (req.n === 0) return { status: 401, body: { statusCode: 401, code: 'N3MON_ERR_AUTH_INVALID', error: 'Unauthorized', message: 'unknown token' } };
      if (req.n === 1) return { status: 503, headers: { 'retry-after': '1' } };
      if (req.n === 2) return { status: 429, headers: { 'retry-after': new Date(Date.now() + 2000).toUTCString() } };
      if (req.samples.length > 150) return { status: 413 };
      if (req.n === 5) return { status: 500 };
      if (req.n === 7) return { drop: true };
      return { status: 200 };
    };
    const stub = await serve(script, { port, serverTimeOffsetMs: 5000 });
    const logs = captureLog('info');
    const pusher = start(spool, stub, { log: logs.log });
    await until(() => pusher.stats().failures >= 2, 'two refused connections');
    await stub.listen();
    await until(() => spool.stats().samples === 0, 'the spool to empty', 20_000);

    expect(stub.bodyProblems).toEqual([]);
    const answers = stub.received.map((r) => r.answer);
    expect(answers.slice(0, 6)).toEqual([401, 503, 429, 413, 200, 500]);
    // Retry-After honoured: 1 s after the 503 (seconds); 1–2 s after the 429 (an HTTP date has 1 s resolution)
    const gap = (i: number): number => (stub.received[i + 1]?.at ?? 0) - (stub.received[i]?.at ?? 0);
    expect(gap(1)).toBeGreaterThanOrEqual(950);
    expect(gap(2)).toBeGreaterThanOrEqual(950);
    // the lost ack was resent under the same batchId and stored once
    const dropped = stub.received.find((r) => r.answer === 'dropped');
    expect(stub.received.filter((r) => r.batchId === dropped?.batchId).map((r) => r.answer)).toEqual(['dropped', 200]);
    // the poisoned batch is set aside with the collector's problems; nothing else is lost
    const [rejected] = spool.rejected();
    expect(rejected?.problems).toEqual(['samples[0].labels.poison: not allowed here']);
    expect(rejected?.samples.some((s) => s.labels.poison === 'yes')).toBe(true);
    const poisoned = new Set(rejected?.samples.map((s) => s.value));
    const deliveredInOrder = [...stub.stored.values()].flat().map((s) => s.value);
    expect(deliveredInOrder).toEqual(input.map((s) => s.value).filter((x) => !poisoned.has(x)));
    expect(logs.find("collector can never accept this batch; set aside in the spool's rejected table")[0]).toMatchObject({
      level: 50,
      code: 'N3MON_ERR_INGEST_INVALID',
    });
    expect(
      logs.find(
        'collector refuses the agent token (revoked or expired): the agent keeps measuring and spooling but sends nothing until it has a valid token; enrol it again (n3mon enrol --collector URL --code CODE) or put a new token in the config',
      )[0]?.level,
    ).toBe(50);
    expect(pusher.stats()).toMatchObject({ batchesRejected: 1, splits: 1, batchSamples: 150 });
    expect(Math.abs((pusher.stats().clockSkewMs ?? 0) - 5000)).toBeLessThan(1000);
  });

  it('a backlog does not starve live samples: each waits behind at most one backlog batch', async () => {
    const spool = openTmpSpool();
    spool.append(samples(30 * 100)); // 30 batches of backlog
    const stub = await serve(() => ({ status: 200 }));
    await stub.listen();
    const live: Array<{ value: number; requestsBefore: number }> = [];
    // answer slowly enough that live samples arrive while the backlog drains
    const slow = {
      send: async (...args: Parameters<NonNullable<PusherOptions['transport']>['send']>) => {
        await new Promise((r) => setTimeout(r, 15));
        return inner.send(...args);
      },
      close: () => inner.close(),
    };
    const { httpTransport } = await import('../../../agent/src/push/transport.ts');
    const inner = httpTransport();
    start(spool, stub, { batchSamples: 100, transport: slow });
    for (let i = 0; i < 10; i++) {
      await until(() => stub.received.length >= 2 + i * 2, `request ${2 + i * 2}`);
      const [s] = samples(1, { live: 'yes' });
      live.push({ value: s!.value, requestsBefore: stub.received.length });
      spool.append([s!]);
    }
    await until(() => spool.stats().samples === 0, 'the spool to empty');
    const backlogDone = stub.received.findLastIndex((r) => r.samples.some((s) => s.labels.live === undefined));
    for (const l of live) {
      const at = stub.received.findIndex((r) => r.samples.some((s) => s.value === l.value));
      // one request may already be in flight when it is spooled, then one backlog batch, then it
      expect(at - l.requestsBefore, `live sample ${l.value}`).toBeLessThanOrEqual(2);
      expect(at).toBeLessThan(backlogDone);
    }
    const backlogValues = stub.received.flatMap((r) => r.samples.filter((s) => s.labels.live === undefined).map((s) => s.value));
    expect(backlogValues).toEqual([...backlogValues].sort((a, b) => a - b));
    expect(new Set([...stub.stored.values()].flat().map((s) => s.value)).size).toBe(3000 + live.length);
  });

  it('after a restart the batch in flight goes again with the same batchId, and is stored once', async () => {
    const dir = tmp();
    let answer: Answer = { status: 503, headers: { 'retry-after': '30' } };
    const stub = await serve(() => answer);
    await stub.listen();
    const spool1 = openSpool({ dir, maxBytes: 64 * MiB, log: silentLogger() });
    spool1.append(samples(500));
    const pusher1 = createPusher({
      spool: spool1,
      url: stub.url,
      token: TOKEN,
      batchSamples: 200,
      intervalMs: 50,
      timeoutMs: 2000,
      maxBackoffMs: 200,
      finalPushTimeoutMs: 500,
      log: silentLogger(),
    });
    pusher1.start();
    await until(() => stub.received.length >= 1, 'the first request');
    await pusher1.stop(); // includes one final push, also answered 503
    spool1.close();
    const firstId = stub.received[0]?.batchId;
    expect(stub.received.map((r) => r.batchId)).toEqual([firstId, firstId]);

    answer = { status: 200 };
    const spool2 = openTmpSpool(dir);
    start(spool2, stub, { batchSamples: 200 });
    await until(() => spool2.stats().samples === 0, 'the spool to empty');
    const after = stub.received.slice(2);
    expect(after[0]?.batchId).toBe(firstId);
    expect(after[0]?.samples).toEqual(stub.received[0]?.samples);
    expect(new Set(after.map((r) => r.batchId)).size).toBe(after.length);
    expect([...stub.stored.values()].flat()).toHaveLength(500);
  });

  it('keeps and retries a batch the collector refuses as from its future, instead of setting it aside', async () => {
    const spool = openTmpSpool();
    const ahead = Date.now() + INGEST_LIMITS.maxFutureMs + 1500; // an agent clock that ran 1.5 s too far ahead
    spool.append(samples(5).map((s, i) => ({ ...s, ts: ahead + i })));
    const stub = await serve(({ samples: batch }) =>
      batch.some((s) => s.ts > Date.now() + INGEST_LIMITS.maxFutureMs)
        ? {
            status: 400,
            body: {
              statusCode: 400,
              code: 'N3MON_ERR_INGEST_INVALID',
              error: 'Bad Request',
              message: '1 problem(s)',
              problems: ["samples[0].ts: … ahead of the collector's clock"],
            },
          }
        : { status: 200 },
    );
    await stub.listen();
    const logs = captureLog('info');
    start(spool, stub, { log: logs.log });
    await until(() => spool.stats().samples === 0, 'the spool to empty');
    expect(stub.received[0]?.answer).toBe(400);
    expect(stub.received.at(-1)?.answer).toBe(200);
    expect(new Set(stub.received.map((r) => r.batchId)).size).toBe(1);
    expect(spool.rejected()).toEqual([]);
    expect(logs.find('collector refuses samples from its future (agent clock ahead?); batch kept, will retry').length).toBeGreaterThan(0);
  });

  it('stop() gives a hanging collector only the final-push deadline, and keeps the batch', async () => {
    const stub = await serve(() => ({ hang: true }));
    await stub.listen();
    const spool = openTmpSpool();
    spool.append(samples(10));
    const pusher = createPusher({
      spool,
      url: stub.url,
      token: TOKEN,
      batchSamples: 100,
      intervalMs: 50,
      timeoutMs: 60_000,
      maxBackoffMs: 1000,
      finalPushTimeoutMs: 300,
      log: silentLogger(),
    });
    pusher.start();
    await until(() => stub.received.length === 1, 'the first request');
    const t0 = Date.now();
    await pusher.stop();
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(spool.stats().samples).toBe(10);
    expect(spool.inflight()?.batchId).toBe(stub.received[0]?.batchId);
  });
});
