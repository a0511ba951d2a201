// The test load balancer (test/helpers/lb-proxy.ts) does what the failover test relies on, against
// real sockets: round-robin over two upstreams; Authorization, Cookie and Set-Cookie passed through
// and X-Forwarded-For added; an upstream that refuses connections is skipped (and counted) while the
// other answers; an ingest POST whose connection drops mid-request is tried again on the other
// upstream, any other POST is not (502); an upstream's 503 is passed back as it is, never retried.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLbProxy, UPSTREAM_HEADER, type LbProxy } from '../../helpers/lb-proxy.ts';

interface Upstream {
  url: string;
  server: Server;
  /** What it received: method, path, the headers the test looks at, body. */
  seen: { method: string; path: string; auth?: string; cookie?: string; xff?: string; body: string }[];
  /** How it answers: 'ok' (200 with a cookie), 'unavailable' (503), 'drop' (destroys the connection once the body is read). */
  mode: 'ok' | 'unavailable' | 'drop';
}

async function upstream(): Promise<Upstream> {
  const u = { seen: [], mode: 'ok' } as unknown as Upstream;
  const sockets = new Set<Socket>();
  u.server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      u.seen.push({
        method: req.method ?? '',
        path: req.url ?? '',
        auth: req.headers.authorization,
        cookie: req.headers.cookie,
        xff: req.headers['x-forwarded-for'] as string | undefined,
        body,
      });
      if (u.mode === 'drop') return void req.socket.destroy();
      if (u.mode === 'unavailable') return void res.writeHead(503, { 'content-type': 'application/json' }).end('{"reason":"state database unavailable"}');
      res.writeHead(200, { 'content-type': 'text/plain', 'set-cookie': 'n3mon_session=abc; HttpOnly; Path=/' }).end(`hello from ${u.url}`);
    });
  });
  u.server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => u.server.listen(0, '127.0.0.1', r));
  u.url = `http://127.0.0.1:${(u.server.address() as AddressInfo).port}`;
  const close = u.server.close.bind(u.server);
  u.server.close = ((cb?: (err?: Error) => void) => {
    for (const s of sockets) s.destroy();
    return close(cb);
  }) as Server['close'];
  return u;
}

const closeServer = (s: Server): Promise<void> => new Promise((r) => s.close(() => r()));

let a: Upstream;
let b: Upstream;
let lb: LbProxy;
beforeAll(async () => {
  a = await upstream();
  b = await upstream();
});
// A fresh proxy per test: the upstreams a test marked down stay out of the next test's way.
beforeEach(async () => {
  lb = await startLbProxy({ upstreams: [a.url, b.url], failTimeoutMs: 60_000 });
});
afterEach(async () => {
  await lb.close();
});
afterAll(async () => {
  if (a?.server.listening) await closeServer(a.server);
  if (b?.server.listening) await closeServer(b.server);
});

describe('the test load balancer', () => {
  it('spreads requests round-robin and passes Authorization, cookies and X-Forwarded-For', async () => {
    const answeredBy: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${lb.url}/api/v1/practices?n=${i}`, { headers: { authorization: 'Bearer n3k_test', cookie: 'n3mon_session=xyz' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('set-cookie')).toBe('n3mon_session=abc; HttpOnly; Path=/');
      answeredBy.push(res.headers.get(UPSTREAM_HEADER) ?? '');
      await res.text();
    }
    expect(answeredBy).toEqual(['0', '1', '0', '1', '0', '1']);
    expect(a.seen).toHaveLength(3);
    expect(b.seen).toHaveLength(3);
    for (const s of [...a.seen, ...b.seen]) {
      expect(s.auth).toBe('Bearer n3k_test');
      expect(s.cookie).toBe('n3mon_session=xyz');
      expect(s.xff).toBe('127.0.0.1');
    }
    expect(lb.stats().map((s) => s.answered)).toEqual([3, 3]);
    expect(lb.retries()).toBe(0);
  });

  it("passes an upstream's 503 back as it is and does not retry it", async () => {
    a.mode = 'unavailable';
    b.mode = 'unavailable';
    const before = lb.retries();
    const res = await fetch(`${lb.url}/api/v1/ingest`, { method: 'POST', body: '{"batchId":"x"}' });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ reason: 'state database unavailable' });
    expect(lb.retries()).toBe(before);
    a.mode = 'ok';
    b.mode = 'ok';
  });

  it('tries an ingest POST again on the other upstream when the connection drops mid-request; not another POST', async () => {
    a.mode = 'drop';
    b.mode = 'drop';
    // The fresh proxy starts with the first upstream: it drops the connection, the second answers.
    const first = a;
    const other = b;
    other.mode = 'ok';
    const seenBefore = other.seen.length;
    const res = await fetch(`${lb.url}/api/v1/ingest`, { method: 'POST', body: '{"batchId":"b-1","samples":[]}' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(`hello from ${other.url}`);
    expect(first.seen.at(-1)?.body).toBe('{"batchId":"b-1","samples":[]}');
    expect(other.seen.slice(seenBefore).map((s) => s.body)).toEqual(['{"batchId":"b-1","samples":[]}']);
    expect(lb.retries()).toBe(1);

    // A POST elsewhere (e.g. an alert ack) that reached an upstream is not sent twice: 502.
    a.mode = 'drop';
    b.mode = 'drop';
    const seenAll = a.seen.length + b.seen.length;
    const failuresBefore = lb.failures();
    const ack = await fetch(`${lb.url}/api/v1/alerts/1/ack`, { method: 'POST', body: '{}' });
    expect(ack.status).toBe(502);
    await ack.text();
    expect(a.seen.length + b.seen.length).toBe(seenAll + 1);
    expect(lb.failures()).toBe(failuresBefore + 1);
    a.mode = 'ok';
    b.mode = 'ok';
  });

  it('skips an upstream that refuses connections (marked down, counted) while the other answers; 502 when none does', async () => {
    await closeServer(a.server);
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${lb.url}/api/v1/ingest`, { method: 'POST', body: `{"batchId":"c-${i}"}` });
      expect(res.status).toBe(200);
      expect(res.headers.get(UPSTREAM_HEADER)).toBe('1');
      await res.text();
    }
    // Refused once, then out of the rotation for failTimeoutMs: later requests go straight to b.
    expect(lb.stats()[0]?.errors).toBe(1);
    expect(lb.stats()[0]?.downUntil).toBeGreaterThan(Date.now());

    await closeServer(b.server);
    const res = await fetch(`${lb.url}/api/v1/practices`);
    expect(res.status).toBe(502);
    expect(await res.text()).toMatch(/no upstream answered/);
  });
});
