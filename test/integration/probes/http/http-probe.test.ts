/**
 * The http probe against real servers on 127.0.0.1: HTTPS with certificates made by openssl at
 * test time, plain HTTP, servers that delay, refuse, stay silent, lie or redirect. Bounds on
 * timings are generous (the delays are known, the machine may be busy): they show that phases
 * reflect where the time went, not how fast this machine is.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpProbe } from '../../../../agent/src/probes/http/index.ts';
import type { ProbeResult, RunContext } from '../../../../agent/src/probes/types.ts';
import { systemClock } from '../../../../shared/src/clock.ts';
import { createLogger, silentLogger, type Logger } from '../../../../shared/src/log.ts';
import { parseWithSchema } from '../../../../shared/src/validate.ts';
import { skipUnlessLab } from '../../../helpers/lab-guard.ts';
import { closedPort, delayed, makeCerts, startHttp, startHttps, startRaw, type Certs, type Started } from './lab.ts';

const skip = skipUnlessLab({ files: ['/usr/bin/openssl'] });

async function probe(check: Record<string, unknown>, opts: { timeoutMs?: number; log?: Logger } = {}): Promise<ProbeResult & { wallMs: number }> {
  const parsed = parseWithSchema(httpProbe.schema, { kind: 'http', role: 'national-app', ...check });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  expect(httpProbe.validate?.(parsed.value)).toEqual([]);
  const log = opts.log ?? silentLogger();
  const p = httpProbe.create(parsed.value, { log, clock: systemClock, collector: { url: 'http://127.0.0.1:1', token: 'unused' } });
  const timeoutMs = opts.timeoutMs ?? 5000;
  const ctx: RunContext = { signal: AbortSignal.timeout(timeoutMs), timeoutMs, log, clock: systemClock };
  const t0 = performance.now();
  const r = await p.run(ctx);
  return { ...r, wallMs: performance.now() - t0 };
}

function values(r: ProbeResult): Record<string, number> {
  return Object.fromEntries(r.samples.map((s) => [s.labels?.phase === undefined ? s.metric : `phase.${s.labels.phase}`, s.value]));
}

const sumPhases = (v: Record<string, number>): number =>
  Object.entries(v)
    .filter(([k]) => k.startsWith('phase.'))
    .reduce((a, [, x]) => a + x, 0);
const daysUntil = (iso: string): number => (Date.parse(iso) - Date.now()) / 86_400_000;

describe.skipIf(skip)('http probe against real servers', () => {
  let certs: Certs;
  const servers: Started[] = [];
  const track = async (s: Promise<Started>): Promise<Started> => {
    const started = await s;
    servers.push(started);
    return started;
  };

  beforeAll(() => {
    certs = makeCerts();
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    certs?.cleanup();
  });

  it('https: phases reflect a 300 ms first byte and a 200 ms body, add up to the total, and the 10-day certificate shows', async () => {
    const srv = await track(startHttps(certs.valid, delayed({ headerDelayMs: 300, bodyDelayMs: 200, body: 'service up' })));
    const r = await probe({ target: srv.url('/health'), tls: { caFile: certs.valid.certFile }, expectBodyContains: 'up' });
    expect(r.outcome).toBe('success');
    const v = values(r);
    expect(Object.keys(v).sort()).toEqual([
      'http_status_code',
      'http_total_ms',
      'phase.connect',
      'phase.tls',
      'phase.transfer',
      'phase.ttfb',
      'tls_cert_expiry_days',
    ]);
    // The server waits 300 ms before the headers, then 200 ms before the body. The first byte is
    // seen a little late when the machine is busy, which moves time from transfer to ttfb, never
    // out of their sum.
    expect(v['phase.ttfb']).toBeGreaterThanOrEqual(295);
    expect(v['phase.ttfb']).toBeLessThan(300 + 2000);
    expect(v['phase.ttfb']! + v['phase.transfer']!).toBeGreaterThanOrEqual(495);
    expect(v['phase.transfer']).toBeGreaterThanOrEqual(150);
    expect(v['phase.transfer']).toBeLessThan(200 + 2000);
    expect(v['phase.tls']).toBeGreaterThan(0);
    expect(Math.abs(sumPhases(v) - v.http_total_ms!)).toBeLessThan(0.01);
    expect(v.http_total_ms).toBeLessThanOrEqual(r.wallMs);
    expect(v.http_status_code).toBe(200);
    expect(v.tls_cert_expiry_days).toBeGreaterThan(9.9);
    expect(v.tls_cert_expiry_days).toBeLessThanOrEqual(10);
  });

  it('a name gets a dns phase (localhost, from /etc/hosts)', async () => {
    const srv = await track(startHttps(certs.valid, delayed({ headerDelayMs: 0, bodyDelayMs: 0 })));
    const r = await probe({ target: srv.url('/', 'localhost'), ipFamily: 4, tls: { caFile: certs.valid.certFile } });
    expect(r.outcome).toBe('success');
    const v = values(r);
    expect(v['phase.dns']).toBeGreaterThanOrEqual(0);
    expect(Math.abs(sumPhases(v) - v.http_total_ms!)).toBeLessThan(0.01);
  });

  it('an expired certificate is a tls_error that still reports how long ago it expired', async () => {
    const srv = await track(startHttps(certs.expired, delayed({ headerDelayMs: 0, bodyDelayMs: 0 })));
    const r = await probe({ target: srv.url(), tls: { caFile: certs.expired.certFile } });
    expect(r.outcome).toBe('tls_error');
    expect(r.message).toContain('CERT_HAS_EXPIRED');
    const v = values(r);
    expect(v.tls_cert_expiry_days).toBeCloseTo(daysUntil('2020-02-01T00:00:00Z'), 1);
    expect(v.http_status_code).toBeUndefined();
    expect(v.http_total_ms).toBeUndefined();
    expect(v['phase.tls']).toBeGreaterThan(0);
  });

  it('insecureSkipVerify accepts the expired certificate but still measures its expiry', async () => {
    const srv = await track(startHttps(certs.expired, delayed({ headerDelayMs: 0, bodyDelayMs: 0 })));
    const r = await probe({ target: srv.url(), tls: { insecureSkipVerify: true } });
    expect(r.outcome).toBe('success');
    expect(values(r).tls_cert_expiry_days).toBeLessThan(-2000);
  });

  it('an untrusted (self-signed, no caFile) certificate is a tls_error with its expiry', async () => {
    const srv = await track(startHttps(certs.valid, delayed({ headerDelayMs: 0, bodyDelayMs: 0 })));
    const r = await probe({ target: srv.url() });
    expect(r.outcome).toBe('tls_error');
    expect(r.message).toContain('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(values(r).tls_cert_expiry_days).toBeGreaterThan(9.9);
  });

  it('the request is never sent to a server whose certificate was refused', async () => {
    let requests = 0;
    const srv = await track(
      startHttps(certs.valid, (_req, res) => {
        requests++;
        res.end();
      }),
    );
    const r = await probe({ target: srv.url(), headers: { Authorization: 'Bearer must-not-leak' } });
    expect(r.outcome).toBe('tls_error');
    expect(requests).toBe(0);
  });

  it('a closed port is refused, quickly and with no samples', async () => {
    const r = await probe({ target: `http://127.0.0.1:${await closedPort()}/` });
    expect(r.outcome).toBe('refused');
    expect(r.samples).toEqual([]);
  });

  it('a server that never answers is a timeout, ended by the AbortSignal', async () => {
    const srv = await track(startRaw((s) => s.on('data', () => undefined)));
    const r = await probe({ target: srv.url() }, { timeoutMs: 400 });
    expect(r.outcome).toBe('timeout');
    expect(r.wallMs).toBeLessThan(400 + 1500);
    const v = values(r);
    expect(v['phase.connect']).toBeGreaterThanOrEqual(0);
    expect(v.http_total_ms).toBeUndefined();
  });

  it('a TLS handshake that never completes is a timeout too', async () => {
    const srv = await track(startRaw((s) => s.on('data', () => undefined), 'https'));
    const r = await probe({ target: srv.url() }, { timeoutMs: 400 });
    expect(r.outcome).toBe('timeout');
    expect(r.message).toMatch(/^tls: ABORT_ERR/);
  });

  it('a wrong status is a mismatch; 401 is an auth_error unless expected', async () => {
    const srv = await track(
      startHttp((req, res) => {
        res.statusCode = req.url === '/down' ? 503 : 401;
        res.end('no');
      }),
    );
    const down = await probe({ target: srv.url('/down') });
    expect(down.outcome).toBe('mismatch');
    expect(down.message).toBe('status 503 not in 200-399');
    expect(values(down).http_status_code).toBe(503);
    expect(values(down).http_total_ms).toBeGreaterThan(0);
    expect((await probe({ target: srv.url('/login') })).outcome).toBe('auth_error');
    expect((await probe({ target: srv.url('/login'), expectStatus: [401] })).outcome).toBe('success');
  });

  it('body text: found is success, missing is a mismatch', async () => {
    const srv = await track(startHttp((_req, res) => res.end('<html>Spine OK</html>')));
    expect((await probe({ target: srv.url(), expectBodyContains: 'Spine OK' })).outcome).toBe('success');
    const miss = await probe({ target: srv.url(), expectBodyContains: 'EPS OK' });
    expect(miss.outcome).toBe('mismatch');
    expect(miss.message).toBe('body does not contain the expected text');
  });

  it('plain http on an IP literal: no dns and no tls phase, no certificate', async () => {
    const srv = await track(startHttp(delayed({ headerDelayMs: 100, bodyDelayMs: 50 })));
    const r = await probe({ target: srv.url('/') });
    expect(r.outcome).toBe('success');
    const v = values(r);
    expect(Object.keys(v).sort()).toEqual(['http_status_code', 'http_total_ms', 'phase.connect', 'phase.transfer', 'phase.ttfb']);
    expect(v['phase.ttfb']).toBeGreaterThanOrEqual(95);
    expect(v['phase.ttfb']! + v['phase.transfer']!).toBeGreaterThanOrEqual(145);
    expect(v['phase.transfer']).toBeGreaterThanOrEqual(25);
    expect(Math.abs(sumPhases(v) - v.http_total_ms!)).toBeLessThan(0.01);
  });

  it('HEAD works and reads no body', async () => {
    const methods: string[] = [];
    const srv = await track(
      startHttp((req, res) => {
        methods.push(req.method ?? '');
        res.setHeader('content-length', '5');
        res.end(req.method === 'HEAD' ? undefined : 'hello');
      }),
    );
    const r = await probe({ target: srv.url(), method: 'HEAD' });
    expect(r.outcome).toBe('success');
    expect(methods).toEqual(['HEAD']);
  });

  it('a malformed answer is a protocol_error', async () => {
    const srv = await track(startRaw((s) => s.once('data', () => s.end('SSH-2.0-OpenSSH_9.2\r\n'))));
    expect((await probe({ target: srv.url() })).outcome).toBe('protocol_error');
  });

  it('every run opens its own connection and leaves none open', async () => {
    let connections = 0;
    const counter = await track(
      startRaw((s) => {
        connections++;
        s.once('data', () => s.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nkeep-alive: timeout=60\r\n\r\nok'));
      }),
    );
    for (let i = 0; i < 3; i++) expect((await probe({ target: counter.url() })).outcome).toBe('success');
    expect(connections).toBe(3);
    await expect.poll(() => counter.openConnections(), { timeout: 2000 }).toBe(0);
  });

  it('reads at most maxBodyBytes of an endless body, then hangs up', async () => {
    let closed = false;
    const srv = await track(
      startHttp((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        const chunk = Buffer.alloc(16 * 1024, 0x78);
        const timer = setInterval(() => res.write(chunk), 1);
        res.on('close', () => {
          clearInterval(timer);
          closed = true;
        });
      }),
    );
    const r = await probe({ target: srv.url(), maxBodyBytes: 256 * 1024 });
    expect(r.outcome).toBe('success');
    await expect.poll(() => closed, { timeout: 2000 }).toBe(true);
  });

  it('follows redirects when asked, on fresh connections, and not past the limit', async () => {
    const srv = await track(
      startHttp((req, res) => {
        const n = Number(/^\/r(\d+)$/.exec(req.url ?? '')?.[1] ?? NaN);
        if (Number.isNaN(n)) return void res.end('landed');
        res.writeHead(302, { location: n === 0 ? '/done' : `/r${n - 1}` }).end();
      }),
    );
    expect(values(await probe({ target: srv.url('/r0') })).http_status_code).toBe(302); // not followed by default; 3xx is in 200-399
    const followed = await probe({ target: srv.url('/r1'), followRedirects: 2, expectBodyContains: 'landed' });
    expect(followed.outcome).toBe('success');
    expect(values(followed).http_status_code).toBe(200);
    // Two hops: the phases add up to the total but for the moment between them (closing one
    // connection, reading Location); they never count anything twice.
    const gap = values(followed).http_total_ms! - sumPhases(values(followed));
    expect(gap).toBeGreaterThanOrEqual(-0.01);
    expect(gap).toBeLessThan(100);
    const loop = await probe({ target: srv.url('/r5'), followRedirects: 2 });
    expect(loop).toMatchObject({ outcome: 'mismatch', message: 'more than 2 redirect(s)' });
  });

  it('sends Authorization to the origin, not to another origin a redirect points at, and never logs it', async () => {
    const seen: (string | undefined)[] = [];
    const other = await track(
      startHttp((req, res) => {
        seen.push(req.headers.authorization);
        res.end('other');
      }),
    );
    const origin = await track(
      startHttp((req, res) => {
        seen.push(req.headers.authorization);
        res.writeHead(302, { location: other.url('/') }).end();
      }),
    );
    const lines: string[] = [];
    const log = createLogger({ level: 'trace', destination: new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString()), cb()) }) });
    const secret = 'Bearer practice-secret-123';
    const r = await probe({ target: origin.url('/'), followRedirects: 1, headers: { Authorization: secret } }, { log });
    expect(r.outcome).toBe('success');
    expect(seen).toEqual([secret, undefined]);
    const failing = await probe({ target: `http://127.0.0.1:${await closedPort()}/`, headers: { Authorization: secret } }, { log });
    expect(failing.outcome).toBe('refused');
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain('practice-secret-123');
  });
});
