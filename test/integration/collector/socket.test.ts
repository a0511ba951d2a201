// The collector on a real socket (127.0.0.1, port 0) via startCollector: gzip ingest, limits
// enforced while the body streams in, and a graceful stop that finishes an ingest in flight.
import { request, type IncomingHttpHeaders } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, openSeriesStore, type RunningCollector } from '../../../collector/src/collector.ts';
import { parseCollectorConfig } from '../../../collector/src/config/load.ts';
import { createAgentToken } from '../../../collector/src/auth/credentials.ts';
import { silentLogger } from '../../../shared/src/log.ts';
import { INGEST_LIMITS } from '../../../shared/src/wire.ts';
import { rtt } from './harness.ts';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** POST with the body written by `write` (which may pause); resolves with the answer. */
function post(url: string, headers: Record<string, string | number>, write: (req: ReturnType<typeof request>) => void | Promise<void>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(new URL('/api/v1/ingest', url), { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.setTimeout(20_000, () => req.destroy(new Error('request timed out')));
    Promise.resolve(write(req)).catch(reject);
  });
}

let dir: string;
let c: RunningCollector;
let token: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'n3mon-socket-'));
  const config = parseCollectorConfig(
    { dataDir: dir, listen: { host: '127.0.0.1', port: 0 }, practices: [{ ods: 'A81001', name: 'Example Surgery' }] },
    'test',
  );
  c = await startCollector(config, { log: silentLogger() });
  token = (await createAgentToken(c.meta, { practice: 'A81001', agent: 'srv1' })).token;
});
afterAll(async () => {
  await c?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('collector on a socket', () => {
  it('listens on loopback and takes a gzipped batch', async () => {
    expect(c.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const body = gzipSync(JSON.stringify({ batchId: 'sock-1', samples: [rtt('192.0.2.1', Date.now() - 1000, 4)] }));
    const res = await post(
      c.url,
      { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': body.length },
      (req) => void req.end(body),
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ accepted: 1, duplicate: false });
  });

  it('answers 413 from Content-Length alone, before the body is sent', async () => {
    const res = await post(
      c.url,
      { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': INGEST_LIMITS.maxBodyBytes + 1 },
      (req) => void req.write('{"batchId":'), // and never the rest
    );
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'N3MON_ERR_INGEST_TOO_LARGE' });
  });

  it('stops a chunked body (no Content-Length) at the limit with 413', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    const res = await post(c.url, { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, async (req) => {
      req.on('error', () => undefined); // the server may close before we finish writing: expected here
      for (let i = 0; i < 12 && !req.destroyed; i++) {
        if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
      }
      req.end();
    });
    expect(res.status).toBe(413);
  });

  it('refuses the body of an unauthenticated request without reading it', async () => {
    const res = await post(c.url, { 'content-type': 'application/json', 'content-length': 1_000_000 }, (req) => {
      req.on('error', () => undefined); // the server closes the connection after answering
      req.write('{');
    });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="n3mon"');
  });

  it('a graceful stop finishes an ingest in flight, acknowledges it, then closes the stores', async () => {
    const t0 = Date.now() - 5000;
    const body = Buffer.from(JSON.stringify({ batchId: 'inflight-1', samples: Array.from({ length: 2000 }, (_, i) => rtt('192.0.2.7', t0 - i * 100, i)) }));
    let stopped: Promise<void> | undefined;
    const res = await post(c.url, { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': body.length }, async (req) => {
      req.write(body.subarray(0, 1000));
      await new Promise((r) => setTimeout(r, 100)); // the request is now in flight
      stopped = c.stop();
      await new Promise((r) => setTimeout(r, 100));
      req.end(body.subarray(1000));
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ batchId: 'inflight-1', accepted: 2000, duplicate: false });
    await stopped;
    // A new connection is refused once stopped.
    await expect(post(c.url, {}, (req) => void req.end())).rejects.toThrow(/ECONNREFUSED/);
    // Everything acknowledged is in the store (reopened from disk).
    const config = parseCollectorConfig({ dataDir: dir }, 'reopen');
    const store = openSeriesStore(config, silentLogger());
    try {
      const [series] = await store.findSeries({ practice: 'A81001', labels: { target: '192.0.2.7' } });
      expect((await store.raw(series!.id, t0 - 300_000, t0 + 1)).length).toBe(2000);
    } finally {
      await store.close();
    }
  });
});
