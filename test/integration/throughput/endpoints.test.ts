/**
 * The collector's throughput endpoints, through a real socket on 127.0.0.1 (a collector from
 * startCollector), with plain HTTP requests and with the probe's own transfers: agent-token auth
 * before any byte moves, the byte cap (413), the per-agent budget and the global concurrency cap
 * (429 with Retry-After), payloads and answers, the probe's outcomes for each refusal, and both
 * directions over HTTPS through a TLS-terminating proxy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { silentLogger } from '../../../shared/src/log.ts';
import { systemClock, type Clock } from '../../../shared/src/clock.ts';
import { parseCollectorConfig } from '../../../collector/src/config/load.ts';
import { startCollector, type RunningCollector } from '../../../collector/src/collector.ts';
import { createAgentToken } from '../../../collector/src/auth/credentials.ts';
import { download, upload, type TransferOptions } from '../../../agent/src/probes/throughput/transfer.ts';
import { createThroughputProbe } from '../../../agent/src/probes/throughput/probe.ts';
import { ThroughputCheck } from '../../../agent/src/probes/throughput/schema.ts';
import { parseWithSchema } from '../../../shared/src/validate.ts';
import { THROUGHPUT_READINGS } from '../../../shared/src/throughput.ts';
import { makeCerts } from '../probes/http/lab.ts';

const ODS = 'T00002';
const MAX_BYTES = 3_000_000;

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One request on its own connection; `body` chunks are written one after another (chunked). */
function request(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: Buffer[]; end?: boolean } = {},
): { done: Promise<Answer>; req: http.ClientRequest } {
  const req = http.request(url, { method: opts.method ?? 'GET', headers: { connection: 'close', ...opts.headers }, agent: false });
  const done = new Promise<Answer>((resolve, reject) => {
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  for (const chunk of opts.body ?? []) req.write(chunk);
  if (opts.end !== false) req.end();
  return { done, req };
}

const json = (a: Answer) =>
  JSON.parse(a.body.toString('utf8')) as { code: string; message: string; problems?: string[]; bytes?: number; durationMs?: number; marks?: unknown[] };

describe('throughput endpoints', () => {
  let collector: RunningCollector;
  const dir = mkdtempSync(join(tmpdir(), 'n3mon-throughput-'));
  let url: string;
  const token = async (agent: string) => (await createAgentToken(collector.meta, { practice: ODS, agent })).token;
  const auth = (t: string) => ({ authorization: `Bearer ${t}` });
  const transferOpts = (t: string, bytes: number, maxDurationMs = 10_000): TransferOptions => ({
    base: url,
    token: t,
    bytes,
    maxDurationMs,
    signal: new AbortController().signal,
    clock: systemClock,
  });

  beforeAll(async () => {
    const config = parseCollectorConfig(
      {
        listen: { host: '127.0.0.1', port: 0 },
        dataDir: dir,
        practices: [{ ods: ODS, name: 'Endpoint Test Surgery' }],
        storage: { synchronous: 'normal' },
        throughput: { maxBytes: MAX_BYTES, perAgentPerHour: 4, maxConcurrent: 1 },
      },
      'endpoints collector',
    );
    collector = await startCollector(config, { log: silentLogger() });
    url = collector.url;
  }, 30_000);

  afterAll(async () => {
    await collector?.stop({ graceMs: 1000 });
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses without a valid agent token (401), before a byte moves either way', async () => {
    for (const headers of [{}, auth('n3a_not_a_real_token_at_all'), auth('n3k_an_api_key_is_not_an_agent_token')]) {
      const down = await request(`${url}/api/v1/throughput/download?bytes=1000000`, { headers }).done;
      expect(down.status).toBe(401);
      expect(down.headers['www-authenticate']).toMatch(/^Bearer realm="n3mon"/);
      expect(down.body.length).toBeLessThan(1000);
      const up = await request(`${url}/api/v1/throughput/upload?bytes=100000`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/octet-stream' },
        body: [Buffer.alloc(1000)],
      }).done;
      expect(up.status).toBe(401);
      expect(up.headers.connection).toBe('close');
    }
    // The probe says auth_error, in either direction.
    for (const t of [download, upload]) {
      const r = await t(transferOpts('n3a_not_a_real_token_at_all', 100_000));
      expect(r).toMatchObject({ ok: false, outcome: 'auth_error' });
    }
  });

  it('a download is `bytes` of random bytes, octet-stream, no Content-Encoding, not cacheable', async () => {
    const a = await request(`${url}/api/v1/throughput/download?bytes=200000`, { headers: { ...auth(await token('dl')), 'accept-encoding': 'gzip, br' } }).done;
    expect(a.status).toBe(200);
    expect(a.headers['content-type']).toBe('application/octet-stream');
    expect(a.headers['content-encoding']).toBeUndefined();
    expect(a.headers['cache-control']).toBe('no-store');
    expect(a.body.length).toBe(200_000);
    expect(gzipSync(a.body).length).toBeGreaterThan(199_000);
  });

  it("an upload is counted, not kept, and answered with the collector's own timing", async () => {
    const body = Array.from({ length: 30 }, () => Buffer.alloc(10_000, 7));
    const a = await request(`${url}/api/v1/throughput/upload?bytes=300000`, {
      method: 'POST',
      headers: { ...auth(await token('ul')), 'content-type': 'application/octet-stream' },
      body,
    }).done;
    expect(a.status).toBe(200);
    const r = json(a);
    expect(r.bytes).toBe(300_000);
    expect(r.durationMs).toBeGreaterThanOrEqual(0);
    expect(r.marks?.at(-1)).toEqual({ tMs: r.durationMs, bytes: 300_000 });
  });

  it('the byte cap: more than throughput.maxBytes is 413 before anything moves; so is an upload sending more than it declared', async () => {
    const t = await token('cap');
    const down = await request(`${url}/api/v1/throughput/download?bytes=${MAX_BYTES + 1}`, { headers: auth(t) }).done;
    expect(down.status).toBe(413);
    expect(json(down)).toMatchObject({
      code: 'N3MON_ERR_REQUEST_TOO_LARGE',
      message: `a throughput transfer is at most ${MAX_BYTES} bytes (throughput.maxBytes); asked for ${MAX_BYTES + 1}`,
    });
    const up = await request(`${url}/api/v1/throughput/upload?bytes=${MAX_BYTES + 1}`, {
      method: 'POST',
      headers: { ...auth(t), 'content-type': 'application/octet-stream' },
      body: [Buffer.alloc(1000)],
    }).done;
    expect(up.status).toBe(413);
    const length = await request(`${url}/api/v1/throughput/upload?bytes=1000`, {
      method: 'POST',
      headers: { ...auth(t), 'content-type': 'application/octet-stream', 'content-length': '5000' },
      body: [Buffer.alloc(5000)],
    }).done;
    expect(length.status).toBe(413);
    expect(json(length).message).toBe('Content-Length 5000 is more than the declared bytes=1000');
    // Chunked, no length: the collector counts, and refuses at the first byte over.
    const over = request(`${url}/api/v1/throughput/upload?bytes=1000`, {
      method: 'POST',
      headers: { ...auth(t), 'content-type': 'application/octet-stream' },
      body: [Buffer.alloc(800), Buffer.alloc(800)],
      end: false,
    });
    const answer = await over.done;
    expect(answer.status).toBe(413);
    expect(json(answer).message).toBe('more than the declared bytes=1000 arrived');
    over.req.destroy();
    // The probe: sizeBytes over the collector's cap is a mismatch (the check's config, not the link).
    expect(await download(transferOpts(t, MAX_BYTES + 1))).toMatchObject({ ok: false, outcome: 'mismatch' });
  });

  it('bad requests: a missing or bad size (400, path: message), a body that is not octet-stream (415)', async () => {
    const t = await token('bad');
    const missing = await request(`${url}/api/v1/throughput/download`, { headers: auth(t) }).done;
    expect(missing.status).toBe(400);
    expect(json(missing).problems).toEqual(['query.bytes: missing required key']);
    const word = await request(`${url}/api/v1/throughput/upload?bytes=lots`, {
      method: 'POST',
      headers: { ...auth(t), 'content-type': 'application/octet-stream' },
      body: [Buffer.alloc(10)],
    }).done;
    expect(word.status).toBe(400);
    expect(json(word).problems).toEqual(['query.bytes: must be integer (got string "lots")']);
    const zero = await request(`${url}/api/v1/throughput/download?bytes=0&maxMs=5`, { headers: auth(t) }).done;
    expect(json(zero).problems).toEqual(['query.bytes: must be >= 1']);
    // Not silently reinterpreted: "1.5" is not the integer 1, "0x10" is not 16, "" is not 0.
    for (const [text, shown] of [
      ['1.5', '"1.5"'],
      ['0x10', '"0x10"'],
      ['', '""'],
    ] as const) {
      const odd = await request(`${url}/api/v1/throughput/download?bytes=${text}`, { headers: auth(t) }).done;
      expect(odd.status).toBe(400);
      expect(json(odd).problems).toEqual([`query.bytes: must be integer (got string ${shown})`]);
    }
    const asJson = await request(`${url}/api/v1/throughput/upload?bytes=100`, {
      method: 'POST',
      headers: { ...auth(t), 'content-type': 'application/json' },
      body: [Buffer.from('{}')],
    }).done;
    expect(asJson.status).toBe(415);
  });

  it('the global cap: while one transfer runs (throughput.maxConcurrent: 1), another agent gets 429 with Retry-After', async () => {
    const holder = request(`${url}/api/v1/throughput/upload?bytes=100000`, {
      method: 'POST',
      headers: { ...auth(await token('holder')), 'content-type': 'application/octet-stream' },
      body: [Buffer.alloc(1000)],
      end: false,
    });
    // The holder's upload is admitted once its first bytes are in; wait until the slot is taken.
    let busy: Answer | undefined;
    for (let i = 0; i < 50 && busy?.status !== 429; i++) {
      await new Promise((r) => setTimeout(r, 20));
      busy = await request(`${url}/api/v1/throughput/download?bytes=1000`, { headers: auth(await token(`other${i}`)) }).done;
    }
    expect(busy?.status).toBe(429);
    expect(busy?.headers['retry-after']).toBe('60');
    expect(json(busy as Answer)).toMatchObject({
      code: 'N3MON_ERR_RATE_LIMITED',
      message: '1 throughput transfers in progress (throughput.maxConcurrent: 1); retry later',
    });
    expect(await download(transferOpts(await token('probe-busy'), 1000))).toMatchObject({ ok: false, outcome: 'unavailable' });
    holder.req.end();
    const done = await holder.done;
    expect(done.status).toBe(200);
    expect(json(done).bytes).toBe(1000);
    expect((await request(`${url}/api/v1/throughput/download?bytes=1000`, { headers: auth(await token('after')) }).done).status).toBe(200);
  });

  it('the per-agent budget: the transfer after throughput.perAgentPerHour is 429 with the seconds until one leaves the hour', async () => {
    const t = await token('budget');
    for (let i = 0; i < 4; i++) expect((await request(`${url}/api/v1/throughput/download?bytes=1000`, { headers: auth(t) }).done).status).toBe(200);
    const limited = await request(`${url}/api/v1/throughput/download?bytes=1000`, { headers: auth(t) }).done;
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(3500);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(3600);
    expect(json(limited).message).toMatch(/^this agent started 4 throughput transfers in the last hour \(throughput.perAgentPerHour: 4\); retry in \d+ s$/);
    const r = await upload(transferOpts(t, 100_000));
    expect(r).toMatchObject({ ok: false, outcome: 'unavailable' });
    expect(!r.ok && r.message).toMatch(/^upload: HTTP 429 N3MON_ERR_RATE_LIMITED: .*\(Retry-After: \d+ s\)$/);
  });

  it('each direction stops after maxDurationMs and ends cleanly: fewer bytes, still measured', async () => {
    // Clocks that move 1 s on every look: "maxDurationMs has passed" after the first chunk or two,
    // however fast this machine moves bytes (a real 5 ms moved 3 MB on loopback on a fast one).
    const stepping = (): Clock => {
      let t = 0;
      return { now: () => Date.now(), monotonic: () => (t += 1000) };
    };
    const dir = mkdtempSync(join(tmpdir(), 'n3mon-throughput-stop-'));
    const config = parseCollectorConfig(
      { listen: { host: '127.0.0.1', port: 0 }, dataDir: dir, storage: { synchronous: 'normal' }, throughput: { maxBytes: MAX_BYTES } },
      'stepping clock',
    );
    const c = await startCollector(config, { log: silentLogger(), clock: stepping() });
    try {
      const t = (await createAgentToken(c.meta, { practice: ODS, agent: 'short' })).token;
      for (const transfer of [download, upload]) {
        const r = await transfer({ base: c.url, token: t, bytes: MAX_BYTES, maxDurationMs: 2000, signal: new AbortController().signal, clock: stepping() });
        expect(r.ok, JSON.stringify(r)).toBe(true);
        if (!r.ok) continue;
        expect(r.stoppedEarly).toBe(true);
        expect(r.bytes).toBeGreaterThan(0);
        expect(r.bytes).toBeLessThan(MAX_BYTES);
        expect(r.marks.at(-1)?.bytes).toBe(r.bytes);
      }
    } finally {
      await c.stop({ graceMs: 1000 });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the probe, for real: both directions against the collector, samples in bit/s', async () => {
    const parsed = parseWithSchema(ThroughputCheck, { kind: 'throughput', sizeBytes: 2_000_000, offCoreHoursOnly: false, warmupMs: 0 });
    if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
    const probe = createThroughputProbe(parsed.value, { log: silentLogger(), collector: { url, token: await token('probe') } });
    const r = await probe.run({ signal: new AbortController().signal, timeoutMs: 60_000, log: silentLogger(), clock: systemClock });
    expect(r.outcome, r.message).toBe('success');
    expect(r.samples.map((s) => s.metric)).toEqual(['throughput_down_bps', 'throughput_up_bps']);
    for (const s of r.samples) expect(s.value).toBeGreaterThan(1_000_000); // loopback: far above 1 Mbit/s, whatever the load
    // A fast path is measured: when 2 MB is over too soon to time, the sample says it is a lower bound (never `mismatch`).
    for (const s of r.samples) expect([undefined, ...Object.values(THROUGHPUT_READINGS)]).toContain(s.labels?.reading);
  });

  it('is in the OpenAPI document with agent-token security and its refusals', async () => {
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { security: unknown; responses: Record<string, unknown>; requestBody?: { content: Record<string, unknown> } }>>;
    };
    const down = doc.paths['/api/v1/throughput/download']?.get;
    const up = doc.paths['/api/v1/throughput/upload']?.post;
    expect(down?.security).toEqual([{ agentToken: [] }]);
    expect(up?.security).toEqual([{ agentToken: [] }]);
    expect(Object.keys(down?.responses ?? {}).sort()).toEqual(['200', '400', '401', '404', '413', '429', '503']);
    expect(Object.keys(up?.requestBody?.content ?? {})).toEqual(['application/octet-stream']);
    expect(doc.paths['/api/v1/throughput/download']?.head).toBeUndefined();
  });

  it("over HTTPS (a TLS reverse proxy in front, as deployed): both directions measure with collector.caFile's CA; without it, tls_error", async () => {
    const certs = makeCerts();
    const collectorPort = Number(new URL(url).port);
    const proxy = tls.createServer({ cert: certs.valid.cert, key: certs.valid.key }, (client) => {
      const upstream = net.connect(collectorPort, '127.0.0.1');
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const base = `https://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
      const t = await token('tls');
      const ca = Buffer.from(certs.valid.cert);
      const down = await download({ ...transferOpts(t, 500_000), base, ca });
      expect(down).toMatchObject({ ok: true, bytes: 500_000, stoppedEarly: false });
      const up = await upload({ ...transferOpts(t, 500_000), base, ca });
      // The collector says how late its timestamps can be (x-n3mon-receiver-lag-ms).
      expect(up).toMatchObject({ ok: true, bytes: 500_000, stoppedEarly: false, receiverLagMs: expect.any(Number) });
      const untrusted = await download({ ...transferOpts(t, 500_000), base });
      expect(untrusted).toMatchObject({ ok: false, outcome: 'tls_error' });
      expect(untrusted.ok || untrusted.message).toMatch(/self-signed certificate/);
    } finally {
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      certs.cleanup();
    }
  });
});

describe('throughput endpoints switched off', () => {
  it('answer 404 to a valid agent (and still 401 to anyone else)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'n3mon-throughput-off-'));
    const config = parseCollectorConfig(
      { listen: { host: '127.0.0.1', port: 0 }, dataDir: dir, storage: { synchronous: 'normal' }, throughput: { enabled: false } },
      'off',
    );
    const c = await startCollector(config, { log: silentLogger() });
    try {
      const t = (await createAgentToken(c.meta, { practice: ODS, agent: 'srv1' })).token;
      const a = await request(`${c.url}/api/v1/throughput/download?bytes=1000`, { headers: { authorization: `Bearer ${t}` } }).done;
      expect(a.status).toBe(404);
      expect(json(a).message).toBe('throughput tests are disabled on this collector (throughput.enabled: false)');
      expect((await request(`${c.url}/api/v1/throughput/download?bytes=1000`).done).status).toBe(401);
      expect(
        await upload({ base: c.url, token: t, bytes: 100_000, maxDurationMs: 5000, signal: new AbortController().signal, clock: systemClock }),
      ).toMatchObject({ ok: false, outcome: 'unavailable' });
    } finally {
      await c.stop({ graceMs: 1000 });
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
