// POST /api/v1/ingest against the real SQLite store: happy path, gzip, duplicates, hostile bodies.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INGEST_LIMITS } from '../../../shared/src/wire.ts';
import { systemClock } from '../../../shared/src/clock.ts';
import { createLogger } from '../../../shared/src/log.ts';
import { Ingestor } from '../../../collector/src/ingest/ingestor.ts';
import type { SeriesStore } from '../../../collector/src/storage/types.ts';
import { bearer, gz, rtt, startHarness, type Harness } from './harness.ts';

let h: Harness;
let token: string;
const now = () => Date.now();

beforeAll(async () => {
  h = await startHarness();
  token = await h.token('A81001', 'srv1');
});
afterAll(async () => h?.close());

async function stored(target: string): Promise<number> {
  const series = await h.store.findSeries({ practice: 'A81001', metric: 'icmp_rtt_avg_ms', labels: { target } });
  let n = 0;
  for (const s of series) n += (await h.store.raw(s.id, now() - 3_600_000, now() + 3_600_000)).length;
  return n;
}

describe('ingest happy path', () => {
  it('stores a plain JSON batch under the practice and agent of the token', async () => {
    const t = now() - 60_000;
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: bearer(token),
      payload: { batchId: 'plain-1', samples: [rtt('192.0.2.1', t, 1.5), rtt('192.0.2.1', t + 1000, 2.5)] },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ batchId: 'plain-1', accepted: 2, duplicate: false });
    expect(Math.abs(body.serverTime - now())).toBeLessThan(5000);
    const [series] = await h.store.findSeries({ practice: 'A81001', agent: 'srv1', metric: 'icmp_rtt_avg_ms', labels: { target: '192.0.2.1' } });
    expect(series?.labels).toEqual({ check: 'icmp:192.0.2.1', role: 'lan-gateway', target: '192.0.2.1' });
    expect(await h.store.raw(series!.id, t, t + 2000)).toEqual([
      { ts: t, value: 1.5 },
      { ts: t + 1000, value: 2.5 },
    ]);
    expect((await h.meta.agents.list('A81001')).find((a) => a.name === 'srv1')?.lastSeen).toBeGreaterThan(now() - 5000);
  });

  it('accepts Content-Encoding: gzip', async () => {
    const t = now() - 30_000;
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: { ...bearer(token), 'content-type': 'application/json', 'content-encoding': 'gzip' },
      payload: gz({ batchId: 'gz-1', samples: [rtt('192.0.2.2', t, 7)] }),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ accepted: 1, duplicate: false });
    expect(await stored('192.0.2.2')).toBe(1);
  });

  it('acknowledges a repeated batch id without storing it again', async () => {
    const t = now() - 20_000;
    const body = { batchId: 'dup-1', samples: [rtt('192.0.2.3', t, 1)] };
    const first = await h.app.inject({ method: 'POST', url: '/api/v1/ingest', headers: bearer(token), payload: body });
    // Same id, different content: the id decides, nothing new is stored.
    const again = await h.app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: bearer(token),
      payload: { ...body, samples: [rtt('192.0.2.3', t + 1000, 2)] },
    });
    expect(first.json()).toMatchObject({ accepted: 1, duplicate: false });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ batchId: 'dup-1', accepted: 0, duplicate: true });
    expect(await stored('192.0.2.3')).toBe(1);
    // The same batch id from another agent is another batch.
    const other = await h.app.inject({ method: 'POST', url: '/api/v1/ingest', headers: bearer(await h.token('A81001', 'srv2')), payload: body });
    expect(other.json()).toMatchObject({ accepted: 1, duplicate: false });
  });

  it('stores concurrent identical batches once and answers one of them as the duplicate', async () => {
    const t = now() - 10_000;
    const body = { batchId: 'race-1', samples: Array.from({ length: 500 }, (_, i) => rtt('192.0.2.4', t - i * 10, i)) };
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => h.app.inject({ method: 'POST', url: '/api/v1/ingest', headers: bearer(token), payload: body })),
    );
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200]);
    const bodies = answers.map((a) => a.json() as { accepted: number; duplicate: boolean });
    expect(bodies.filter((b) => !b.duplicate)).toEqual([expect.objectContaining({ accepted: 500 })]);
    expect(bodies.filter((b) => b.duplicate)).toHaveLength(3);
    expect(await stored('192.0.2.4')).toBe(500);
  });

  it('the same batch reaching two collectors at once is stored once, new to one of them and a duplicate to the other', async () => {
    // Two collectors' ingestors on one state database and one series store. Each holds its write until
    // both have arrived, so both have checked the batch id before either records it.
    let arrived = 0;
    let bothArrived!: () => void;
    const both = new Promise<void>((r) => {
      bothArrived = r;
    });
    const store = new Proxy(h.store, {
      get(target, prop) {
        if (prop === 'write') {
          return async (b: Parameters<SeriesStore['write']>[0]) => {
            if (++arrived === 2) bothArrived();
            await both;
            return target.write(b);
          };
        }
        const v = Reflect.get(target, prop) as unknown;
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const collector = () => new Ingestor({ store, meta: h.meta, log: createLogger({ level: 'silent' }), clock: systemClock, observers: [] });
    const t = now() - 20_000;
    const body = { batchId: 'twin-1', samples: Array.from({ length: 20 }, (_, i) => rtt('192.0.2.5', t - i * 10, i)) };
    const since = now();
    const answers = await Promise.all([
      collector().ingest({ practice: 'A81001', agent: 'twin' }, body),
      collector().ingest({ practice: 'A81001', agent: 'twin' }, body),
    ]);
    expect(arrived).toBe(2);
    expect(answers.filter((a) => !a.duplicate)).toEqual([expect.objectContaining({ accepted: 20 })]);
    expect(answers.filter((a) => a.duplicate)).toEqual([expect.objectContaining({ accepted: 0 })]);
    expect(await stored('192.0.2.5')).toBe(20);
    // The batch's newest sample time is kept with its id, for the collectors' shared view of activity.
    expect((await h.meta.batches.activitySince(since)).filter((a) => a.agent === 'twin')).toEqual([
      { practice: 'A81001', agent: 'twin', highWater: t, lastSeen: expect.any(Number) },
    ]);
  });
});

describe('ingest authentication', () => {
  it('no token, an API key, a forged secret and a revoked token are 401', async () => {
    const body = { batchId: 'auth-1', samples: [rtt('192.0.2.9', now(), 1)] };
    const post = (headers: Record<string, string>) => h.app.inject({ method: 'POST', url: '/api/v1/ingest', headers, payload: body });
    expect((await post({})).json().code).toBe('N3MON_ERR_AUTH_MISSING');
    expect((await post(bearer(await h.key('servicedesk')))).json().code).toBe('N3MON_ERR_AUTH_INVALID');
    expect((await post(bearer(`${token.slice(0, 17)}${'x'.repeat(43)}`))).statusCode).toBe(401);
    const doomed = await h.token('A81001', 'doomed');
    expect((await post(bearer(doomed))).statusCode).toBe(200);
    const id = doomed.slice(4, 16);
    expect(await h.meta.credentials.revokeAgentToken(id, Date.now())).toBe(true);
    const revoked = await post(bearer(doomed));
    expect(revoked.statusCode).toBe(401);
    expect(revoked.json()).toMatchObject({ code: 'N3MON_ERR_AUTH_INVALID', message: 'agent token rejected: credential revoked' });
    expect(revoked.headers['www-authenticate']).toBe('Bearer realm="n3mon", error="invalid_token"');
  });
});

const t = () => now() - 5000;
const good = () => ({ metric: 'icmp_rtt_avg_ms', labels: { check: 'icmp:gw', role: 'lan-gateway', target: '198.51.100.1' }, ts: t(), value: 1 });
const json = { 'content-type': 'application/json' };

interface Hostile {
  name: string;
  headers?: Record<string, string>;
  payload: () => string | Buffer;
  status: number;
  /** For a 4xx; a 200 lists the sample's problems in `refused` and stores nothing of it. */
  code?: string;
  problems?: (string | RegExp)[];
}

const HOSTILE: Hostile[] = [
  {
    name: 'unknown field',
    payload: () => JSON.stringify({ batchId: 'h', samples: [{ ...good(), unit: 'ms' }] }),
    status: 200,
    problems: ['samples[0].unit: unknown key (allowed: metric, labels, ts, value)'],
  },
  {
    name: 'string for a number',
    payload: () => JSON.stringify({ batchId: 'h', samples: [{ ...good(), value: '12.5' }] }),
    status: 200,
    problems: ['samples[0].value: must be number (got string "12.5")'],
  },
  {
    name: 'NaN in the raw text',
    payload: () => `{"batchId":"h","samples":[{"metric":"m","labels":{},"ts":${t()},"value":NaN}]}`,
    status: 400,
    code: 'N3MON_ERR_INGEST_INVALID',
    problems: [/^\(root\): not valid JSON \(/],
  },
  {
    name: '1e999 (Infinity)',
    payload: () => `{"batchId":"h","samples":[{"metric":"m","labels":{},"ts":${t()},"value":1e999}]}`,
    status: 200,
    problems: ['samples[0].value: must be number (got Infinity)'],
  },
  {
    name: 'absurd timestamp',
    payload: () => JSON.stringify({ batchId: 'h', samples: [{ ...good(), ts: 99_999_999_999_999 }] }),
    status: 200,
    problems: [/^samples\[0\]\.ts: 99999999999999 \(5138-11-16T09:46:39\.999Z\) is more than 10 minutes ahead of the collector's clock/],
  },
  {
    name: 'timestamp in 1970',
    payload: () => JSON.stringify({ batchId: 'h', samples: [{ ...good(), ts: 1000 }] }),
    status: 200,
    problems: [/^samples\[0\]\.ts: 1000 \(1970-01-01T00:00:01\.000Z\) is more than 400 days before/],
  },
  {
    name: 'too many samples',
    payload: () => JSON.stringify({ batchId: 'h', samples: Array.from({ length: INGEST_LIMITS.maxSamples + 1 }, good) }),
    status: 400,
    code: 'N3MON_ERR_INGEST_INVALID',
    problems: [`samples: must not have more than ${INGEST_LIMITS.maxSamples} items (got ${INGEST_LIMITS.maxSamples + 1}); send smaller batches`],
  },
  {
    name: 'too many labels',
    payload: () => JSON.stringify({ batchId: 'h', samples: [{ ...good(), labels: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`l${i}`, 'v'])) }] }),
    status: 200,
    problems: ['samples[0].labels: must not have more than 16 properties'],
  },
  {
    name: 'over-long strings',
    payload: () =>
      JSON.stringify({
        batchId: 'b'.repeat(129),
        samples: [{ ...good(), metric: 'm'.repeat(129), labels: { target: 'x'.repeat(257), ['k'.repeat(65)]: 'v' } }],
      }),
    status: 400,
    code: 'N3MON_ERR_INGEST_INVALID',
    problems: [
      'batchId: must not have more than 128 characters',
      'samples[0].metric: must not have more than 128 characters',
      'samples[0].labels.target: must not have more than 256 characters',
      `samples[0].labels.${'k'.repeat(65)}: key must not have more than 64 characters`,
    ],
  },
  {
    name: 'reserved labels',
    payload: () => JSON.stringify({ batchId: 'h', samples: [{ ...good(), labels: { practice: 'B82002', agent: 'x' } }] }),
    status: 200,
    problems: [
      'samples[0].labels.practice: reserved label; the collector sets it from the token',
      'samples[0].labels.agent: reserved label; the collector sets it from the token',
    ],
  },
  {
    name: '__proto__ key',
    payload: () => `{"batchId":"h","samples":[{"metric":"m","labels":{"__proto__":{"polluted":"yes"}},"ts":${t()},"value":1}]}`,
    status: 400,
    code: 'N3MON_ERR_INGEST_INVALID',
    problems: ['(root): "__proto__" keys are not accepted'],
  },
  {
    name: '__proto__ key spelled with escapes',
    payload: () => `{"batchId":"h","\\u005f_proto__":{"x":1},"samples":[]}`,
    status: 400,
    code: 'N3MON_ERR_INGEST_INVALID',
    problems: ['(root): "__proto__" keys are not accepted'],
  },
  {
    name: 'invalid JSON',
    payload: () => '{"batchId":"h","samples":[',
    status: 400,
    code: 'N3MON_ERR_INGEST_INVALID',
    problems: [/^\(root\): not valid JSON \(/],
  },
  {
    name: 'JSON that is not an object',
    payload: () => '[1,2,3]',
    status: 400,
    code: 'N3MON_ERR_INGEST_INVALID',
    problems: ['(root): must be object (got an array)'],
  },
  { name: 'empty body', payload: () => '', status: 400, code: 'N3MON_ERR_INGEST_INVALID' },
  {
    name: 'gzip header that is not gzip',
    headers: { 'content-encoding': 'gzip' },
    payload: () => '{"batchId":"h"}',
    status: 400,
    code: 'N3MON_ERR_INGEST_INVALID',
    problems: [/^\(root\): not valid gzip/],
  },
  {
    name: 'wrong content type',
    headers: { 'content-type': 'text/plain' },
    payload: () => JSON.stringify({ batchId: 'h', samples: [good()] }),
    status: 415,
    code: 'N3MON_ERR_UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'unsupported content encoding',
    headers: { 'content-encoding': 'br' },
    payload: () => JSON.stringify({ batchId: 'h', samples: [good()] }),
    status: 415,
    code: 'N3MON_ERR_UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'gzip bomb (16 MiB of spaces in 16 KiB)',
    headers: { 'content-encoding': 'gzip' },
    payload: () => gzipSync(Buffer.alloc(16 * 1024 * 1024, 0x20), { level: 9 }),
    status: 413,
    code: 'N3MON_ERR_INGEST_TOO_LARGE',
  },
  {
    name: 'plain body over 8 MiB',
    payload: () => JSON.stringify({ batchId: 'h', samples: [], pad: 'x'.repeat(INGEST_LIMITS.maxBodyBytes) }),
    status: 413,
    code: 'N3MON_ERR_INGEST_TOO_LARGE',
  },
];

describe('hostile ingest bodies', () => {
  it.each(HOSTILE)('$name → $status $code', async (c) => {
    const before = h.store.stats().samplesWritten;
    const res = await h.app.inject({ method: 'POST', url: '/api/v1/ingest', headers: { ...bearer(token), ...json, ...c.headers }, payload: c.payload() });
    expect(res.statusCode).toBe(c.status);
    const body = res.json();
    if (c.status === 200) {
      // One bad sample: refused alone (with its first problem), nothing stored.
      expect(body).toMatchObject({ accepted: 0 });
      const lines = (body.refused as Array<{ index: number; problem: string }>).map((r) => r.problem);
      expect(lines).toHaveLength(1);
      const first = c.problems?.[0];
      if (typeof first === 'string') expect(lines[0]?.startsWith(first)).toBe(true);
      else if (first !== undefined) expect(lines[0]).toMatch(first);
      expect(h.store.stats().samplesWritten).toBe(before);
      return;
    }
    expect(body).toMatchObject({ statusCode: c.status, code: c.code });
    expect(typeof body.error).toBe('string');
    expect(typeof body.message).toBe('string');
    if (c.problems !== undefined) {
      expect(body.problems).toHaveLength(c.problems.length);
      c.problems.forEach((p, i) => (typeof p === 'string' ? expect(body.problems[i]).toBe(p) : expect(body.problems[i]).toMatch(p)));
    }
    expect(h.store.stats().samplesWritten).toBe(before);
  });

  it('a bad envelope lists at most 50 problems, then how many more', async () => {
    const samples = Array.from({ length: 120 }, () => ({ ...good(), value: 'x' }));
    const res = await h.app.inject({ method: 'POST', url: '/api/v1/ingest', headers: bearer(token), payload: { batchId: 'many', samples, extra: 1 } });
    expect(res.statusCode).toBe(400);
    expect(res.json().problems).toHaveLength(51);
    expect(res.json().problems[0]).toBe('extra: unknown key (allowed: batchId, samples)');
    expect(res.json().problems[50]).toBe('…and 71 more');
    expect(res.json().message).toBe('121 problem(s) in the ingest body');
  });

  it('stores the good samples of a batch with bad ones, lists the refused, and stores a repeat once', async () => {
    const ts = t();
    const samples = [
      rtt('192.0.2.60', ts, 1),
      { ...rtt('192.0.2.60', ts + 1, 2), labels: { __site: 'x' } },
      rtt('192.0.2.60', ts + 2, 3),
      { ...rtt('192.0.2.60', ts + 3, 4), ts: now() + INGEST_LIMITS.maxFutureMs + 3_600_000 },
    ];
    const post = () => h.app.inject({ method: 'POST', url: '/api/v1/ingest', headers: bearer(token), payload: { batchId: 'mixed-1', samples } });
    const res = await post();
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ batchId: 'mixed-1', accepted: 2, duplicate: false });
    expect(res.json().refused).toEqual([
      { index: 1, rule: 'label_reserved', problem: 'samples[1].labels.__site: reserved label name (names starting with __ are reserved)' },
      { index: 3, rule: 'ts_future', problem: expect.stringMatching(/^samples\[3\]\.ts: \d+ \(.*\) is more than 10 minutes ahead of the collector's clock/) },
    ]);
    expect(await stored('192.0.2.60')).toBe(2);
    const again = await post();
    expect(again.json()).toMatchObject({ accepted: 0, duplicate: true, refused: [{ index: 1 }, { index: 3 }] });
    expect(await stored('192.0.2.60')).toBe(2);
  });

  it('still serves after all of them, and stored none of their samples', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/api/v1/ingest', headers: bearer(token), payload: { batchId: 'after-hostile', samples: [good()] } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ accepted: 1 });
    expect(await h.store.findSeries({ practice: 'A81001', metric: 'm' })).toEqual([]);
    const health = await h.app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
  });
});
