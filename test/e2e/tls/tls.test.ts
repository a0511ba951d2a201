// TLS end to end with real processes (docs/tls.md): the built CLI's collector serving HTTPS with a
// certificate from a CA this test makes with openssl, the built CLI's agent delivering to it with
// that CA pinned (collector.caFile), a wrong CA refused with a clear error while the samples stay
// spooled, a renewed certificate picked up on SIGHUP (new handshakes see the new serial, an open
// keep-alive connection keeps working), mutual TLS (no certificate, another agent's certificate
// refused; the agent's own delivers), and plain http to a non-loopback URL refused by check-config
// and at agent start (validation only: nothing is ever sent to a non-loopback address).
import { execFileSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { connect, type TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnLogged as spawnLoggedCli, type LogLine } from '../../helpers/cli.ts';
import { freePort } from '../../helpers/influxd.ts';
import { skipUnlessLab } from '../../helpers/lab-guard.ts';
import { waitFor as until } from '../../helpers/wait.ts';
import { silentLogger } from '../../../shared/src/log.ts';
import { systemClock } from '../../../shared/src/clock.ts';
import { parseWithSchema } from '../../../shared/src/validate.ts';
import { createThroughputProbe } from '../../../agent/src/probes/throughput/probe.ts';
import { AUTH_REFUSED } from '../../../agent/src/push/pusher.ts';
import { ThroughputCheck } from '../../../agent/src/probes/throughput/schema.ts';

const skip = skipUnlessLab({ files: ['/usr/bin/openssl'] });
const dir = mkdtempSync(join(tmpdir(), 'n3mon-tls-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const ODS = 'E2E0TL';
const pem = (name: string): string => join(dir, 'pki', name);

function openssl(...args: string[]): void {
  execFileSync('/usr/bin/openssl', args, { cwd: join(dir, 'pki'), stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA (self-signed, CA:true) and certificates it signs, as in docs/tls.md. */
function makeCa(name: string): void {
  openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
  );
}
function issue(ca: string, name: string, subj: string, serial: string, ext: string): void {
  writeFileSync(pem(`${name}.ext`), `${ext}\n`);
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subj);
  openssl(
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}.key`,
    '-set_serial',
    serial,
    '-days',
    '1',
    '-out',
    `${name}.pem`,
    '-extfile',
    `${name}.ext`,
  );
}

function spawnLogged(args: string[]): { child: ChildProcess; logs: LogLine[] } {
  const spawned = spawnLoggedCli(args);
  children.push(spawned.child);
  return spawned;
}

const waitFor = (cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<true> =>
  until(what, async () => ((await cond()) ? true : undefined), { timeoutMs, intervalMs: 100 });

function stopped(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** One HTTPS request with node:https (fetch cannot pin a CA): status, body and the socket it used. */
function request(
  url: string,
  opts: { ca?: Buffer | string; cert?: string; key?: string; agent?: https.Agent; method?: string; headers?: Record<string, string | number>; body?: Buffer },
): Promise<{ status: number; body: string; socket: TLSSocket; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method: opts.method ?? 'GET', headers: opts.headers, agent: opts.agent ?? false, ca: opts.ca, cert: opts.cert, key: opts.key },
      (res) => {
        let body = '';
        const socket = res.socket as TLSSocket; // released to the agent's pool (and unset here) at the end
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, socket, reused: req.reusedSocket }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** The serial of the certificate a fresh TLS handshake gets from 127.0.0.1:port. */
function serialOfNewHandshake(port: number, ca: Buffer | string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      const serial = s.getPeerCertificate().serialNumber;
      s.end();
      resolve(serial);
    });
    s.on('error', reject);
  });
}

const read = (name: string): string => execFileSync('cat', [pem(name)], { encoding: 'utf8' });

async function startCollector(name: string, tls: string): Promise<{ port: number; url: string; file: string; proc: ReturnType<typeof spawnLogged> }> {
  const port = await freePort();
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `listen: { host: 127.0.0.1, port: ${port}, tls: ${tls} }\ndataDir: ${join(dir, name)}\npractices:\n  - { ods: ${ODS}, name: "TLS Test Surgery" }\n`,
  );
  const proc = spawnLogged(['collector', '--config', file]);
  const url = `https://127.0.0.1:${port}`;
  await waitFor(
    () =>
      request(`${url}/healthz`, { ca: read('ca.pem') }).then(
        (r) => r.status === 200,
        () => false,
      ),
    `${name} healthy over HTTPS`,
  );
  return { port, url, file, proc };
}

async function token(file: string, agent: string): Promise<string> {
  const r = await runCli(['token', 'create', '--practice', ODS, '--agent', agent, '--config', file]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
}

function agentConfig(name: string, collector: string, extra: string[]): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    [
      'collector:',
      `  url: "${collector}"`,
      ...extra.map((l) => `  ${l}`),
      `spool: { dir: "${join(dir, name, 'spool')}" }`,
      'push: { intervalMs: 300, batchSamples: 50, maxBackoffMs: 1000 }',
      'checks:',
      '  - { kind: host, intervalMs: 1000 }',
    ].join('\n') + '\n',
  );
  return file;
}

describe.skipIf(skip)('TLS between agent and collector (built CLI, real processes, a CA made by the test)', () => {
  beforeAll(() => {
    mkdirSync(join(dir, 'pki'));
    makeCa('ca');
    makeCa('other-ca');
    const server = 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth';
    issue('ca', 'server-1', '/CN=collector', '0x1001', server);
    issue('ca', 'server-2', '/CN=collector', '0x1002', server);
    const client = 'extendedKeyUsage=clientAuth';
    issue('ca', 'srv1', `/O=n3mon/CN=${ODS}\\/srv1`, '0x2001', client);
    issue('ca', 'srv2', '/O=n3mon/CN=srv2', '0x2002', `${client}\nsubjectAltName=URI:n3mon:agent:${ODS}/srv2`);
    issue('other-ca', 'srv1-other-ca', `/O=n3mon/CN=${ODS}\\/srv1`, '0x3001', client);
    // The served certificate lives at a fixed path the operator renews in place.
    copyFileSync(pem('server-1.pem'), pem('live.pem'));
    copyFileSync(pem('server-1.key'), pem('live.key'));
  });

  it('the agent delivers over HTTPS with the pinned CA; a wrong CA is refused clearly and samples stay spooled; SIGHUP serves a renewed certificate without dropping an open connection', async () => {
    const c = await startCollector('collector', `{ certFile: "${pem('live.pem')}", keyFile: "${pem('live.key')}" }`);
    expect(c.proc.logs.find((l) => l.msg === 'serving HTTPS')?.serial).toBe('1001');
    const t = await token(c.file, 'srv1');

    // The pinned CA: delivered.
    const good = spawnLogged(['agent', '--log-level', 'debug', '--config', agentConfig('agent-good', c.url, [`token: "${t}"`, `caFile: "${pem('ca.pem')}"`])]);
    const acked = () => good.logs.filter((l) => l.msg === 'batch acknowledged').length;
    await waitFor(() => acked() >= 2, 'batches delivered over HTTPS with collector.caFile');

    // Another CA pinned: refused at the handshake, said plainly, nothing sent, samples kept.
    const bad = spawnLogged([
      'agent',
      '--log-level',
      'debug',
      '--config',
      agentConfig('agent-bad', c.url, [`token: "${t}"`, `caFile: "${pem('other-ca.pem')}"`]),
    ]);
    await waitFor(() => bad.logs.some((l) => l.msg === 'collector unreachable; will retry'), 'the wrong-CA agent tries and fails');
    const failure = bad.logs.find((l) => l.msg === 'collector unreachable; will retry') as LogLine;
    expect(failure.err).toMatch(/^certificate verification failed: .*collector\.caFile/);
    expect(failure.code).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY/);
    expect(bad.logs.some((l) => l.msg === 'batch acknowledged')).toBe(false);
    await stopped(bad.child);
    const stop = bad.logs.find((l) => l.msg === 'agent stopped') as LogLine;
    expect(stop.pending).toBeGreaterThan(0);

    // An open keep-alive connection before the renewal.
    const keepAlive = new https.Agent({ keepAlive: true, maxSockets: 1, ca: read('ca.pem') });
    try {
      const before = await request(`${c.url}/healthz`, { agent: keepAlive });
      expect(before.status).toBe(200);
      expect(before.socket.getPeerCertificate().serialNumber).toBe('1001');

      // Renew in place, SIGHUP.
      copyFileSync(pem('server-2.pem'), pem('live.pem'));
      copyFileSync(pem('server-2.key'), pem('live.key'));
      c.proc.child.kill('SIGHUP');
      await waitFor(() => c.proc.logs.some((l) => l.msg === 'certificate reloaded; new connections use it'), 'reload logged');
      expect(c.proc.logs.find((l) => l.msg === 'certificate reloaded; new connections use it')?.serial).toBe('1002');

      expect(await serialOfNewHandshake(c.port, read('ca.pem'))).toBe('1002');
      const after = await request(`${c.url}/healthz`, { agent: keepAlive });
      expect(after.status).toBe(200);
      expect(after.reused).toBe(true);
      expect(after.socket).toBe(before.socket);
      expect(after.socket.getPeerCertificate().serialNumber).toBe('1001');

      // The agent still delivers (its own keep-alive connection, or a new one with the new certificate).
      const n = acked();
      await waitFor(() => acked() >= n + 2, 'the agent delivers after the reload');
      expect(c.proc.child.exitCode).toBeNull();

      // A broken file on SIGHUP keeps the certificate being served.
      writeFileSync(pem('live.key'), 'not a key\n');
      c.proc.child.kill('SIGHUP');
      await waitFor(() => c.proc.logs.some((l) => l.msg === 'certificate reload failed; still serving the previous certificate'), 'failed reload logged');
      expect(await serialOfNewHandshake(c.port, read('ca.pem'))).toBe('1002');
    } finally {
      keepAlive.destroy();
    }
    await stopped(good.child);
    await stopped(c.proc.child);
  });

  it("mutual TLS: a token without a client certificate, or with another agent's, or one from another CA is refused (403, a clear reason); the agent's own certificate delivers", async () => {
    copyFileSync(pem('server-1.pem'), pem('live.pem'));
    copyFileSync(pem('server-1.key'), pem('live.key'));
    const c = await startCollector(
      'collector-mtls',
      `{ certFile: "${pem('live.pem')}", keyFile: "${pem('live.key')}", caFile: "${pem('ca.pem')}", requireClientCert: true }`,
    );
    const t1 = await token(c.file, 'srv1');
    const t2 = await token(c.file, 'srv2');
    const ingest = (tok: string, cert?: string) =>
      request(`${c.url}/api/v1/ingest`, {
        method: 'POST',
        ca: read('ca.pem'),
        ...(cert === undefined ? {} : { cert: read(`${cert}.pem`), key: read(`${cert}.key`) }),
        headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: gzipSync(JSON.stringify({ batchId: '00000000-0000-4000-8000-000000000001', samples: [] })),
      });

    const none = await ingest(t1);
    expect(none.status).toBe(403);
    expect(JSON.parse(none.body).message).toMatch(/no client certificate.*collector\.clientCertFile/);
    const other = await ingest(t1, 'srv2');
    expect(other.status).toBe(403);
    expect(JSON.parse(other.body).message).toBe(
      `agent ${ODS}/srv1: the client certificate names "srv2", "n3mon:agent:${ODS}/srv2", not this token's agent "${ODS}/srv1"`,
    );
    const foreign = await ingest(t1, 'srv1-other-ca');
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body).message).toMatch(/client certificate not trusted/);
    // The SAN URI form names srv2: its own token with it passes authentication.
    expect((await ingest(t2, 'srv2')).status).not.toBe(403);
    // Readers need no certificate: health and the dashboard stay reachable.
    expect((await request(`${c.url}/healthz`, { ca: read('ca.pem') })).status).toBe(200);

    // The built agent with another agent's certificate: refused, the reason in its log, samples kept.
    const wrong = spawnLogged([
      'agent',
      '--log-level',
      'debug',
      '--config',
      agentConfig('agent-wrong-cert', c.url, [
        `token: "${t1}"`,
        `caFile: "${pem('ca.pem')}"`,
        `clientCertFile: "${pem('srv2.pem')}"`,
        `clientKeyFile: "${pem('srv2.key')}"`,
      ]),
    ]);
    await waitFor(() => wrong.logs.some((l) => l.status === 403), 'the agent with the wrong certificate is refused');
    const refusal = wrong.logs.find((l) => l.status === 403);
    expect(refusal?.message).toMatch(/names "srv2".*not this token's agent/);
    // The agent says the token is valid but the agent is refused — not "revoked or expired".
    expect(refusal?.msg).toBe(AUTH_REFUSED[403]);
    await stopped(wrong.child);
    expect(wrong.logs.find((l) => l.msg === 'agent stopped')?.pending).toBeGreaterThan(0);

    // Its own certificate: delivered.
    const right = spawnLogged([
      'agent',
      '--log-level',
      'debug',
      '--config',
      agentConfig('agent-right-cert', c.url, [
        `token: "${t1}"`,
        `caFile: "${pem('ca.pem')}"`,
        `clientCertFile: "${pem('srv1.pem')}"`,
        `clientKeyFile: "${pem('srv1.key')}"`,
      ]),
    ]);
    await waitFor(() => right.logs.filter((l) => l.msg === 'batch acknowledged').length >= 2, 'the agent with its own certificate delivers');

    // The throughput probe opens its own connections to the collector: it presents the certificate too.
    const check = parseWithSchema(ThroughputCheck, {
      kind: 'throughput',
      sizeBytes: 200_000,
      maxDurationMs: 5000,
      warmupMs: 0,
      direction: 'both',
      offCoreHoursOnly: false,
    });
    if (!check.ok) throw new Error(check.problems.join('\n'));
    const runProbe = (collector: { url: string; token: string; ca?: Buffer; cert?: Buffer; key?: Buffer }) =>
      createThroughputProbe(check.value, { log: silentLogger(), collector }).run({
        signal: new AbortController().signal,
        timeoutMs: 60_000,
        log: silentLogger(),
        clock: systemClock,
      });
    const ca = Buffer.from(read('ca.pem'));
    const withCert = await runProbe({ url: c.url, token: t1, ca, cert: Buffer.from(read('srv1.pem')), key: Buffer.from(read('srv1.key')) });
    expect(withCert.outcome, withCert.message).toBe('success');
    expect(withCert.samples.map((x) => x.metric)).toEqual(['throughput_down_bps', 'throughput_up_bps']);
    const withoutCert = await runProbe({ url: c.url, token: t1, ca });
    expect(withoutCert.outcome).not.toBe('success');
    expect(withoutCert.message).toMatch(/403|no client certificate/);
    await stopped(right.child);
    await stopped(c.proc.child);
  });

  it('plain http to a host that is not loopback: refused by check-config and at agent start unless collector.allowInsecure; loopback is fine', async () => {
    const token = 'n3a_000000000000_placeholder-token-for-validation';
    const remote = agentConfig('agent-remote-http', 'http://192.0.2.10:8080', [`token: "${token}"`]);
    const checked = await runCli(['check-config', remote]);
    expect(checked.code).toBe(1);
    expect(checked.stderr).toContain("collector.url: plain http to 192.0.2.10 refused: the agent's bearer token must not cross a network in clear");
    const started = await runCli(['agent', '--config', remote]);
    expect(started.code).toBe(1);
    expect(started.stderr).toContain('collector.url: plain http to 192.0.2.10 refused');

    const allowed = agentConfig('agent-remote-http-allowed', 'http://192.0.2.10:8080', [`token: "${token}"`, 'allowInsecure: true']);
    const ok = await runCli(['check-config', allowed]);
    expect(ok.code, ok.stderr).toBe(0);
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '[::1]']) {
      const r = await runCli(['check-config', agentConfig(`agent-loop-${host.replace(/\W/g, '')}`, `http://${host}:8080`, [`token: "${token}"`])]);
      expect(r.code, `${host}: ${r.stderr}`).toBe(0);
    }
    const half = await runCli([
      'check-config',
      agentConfig('agent-half-cert', 'https://127.0.0.1:8443', [`token: "${token}"`, `clientCertFile: "${pem('srv1.pem')}"`]),
    ]);
    expect(half.code).toBe(1);
    expect(half.stderr).toContain('collector.clientCertFile: needs collector.clientKeyFile too');
  });

  it("check-config refuses a collector listen.tls whose files are missing or whose key is not the certificate's", async () => {
    const file = join(dir, 'bad-tls.yaml');
    writeFileSync(
      file,
      `listen: { port: 0, tls: { certFile: "${pem('server-1.pem')}", keyFile: "${pem('server-2.key')}", requireClientCert: true } }\ndataDir: ${join(dir, 'unused')}\n`,
    );
    const r = await runCli(['check-config', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`listen.tls.keyFile: ${pem('server-2.key')} is not the key of the certificate in ${pem('server-1.pem')}`);
    expect(r.stderr).toContain('listen.tls.requireClientCert: needs listen.tls.caFile');
    writeFileSync(
      file,
      `listen: { port: 0, tls: { certFile: "${join(dir, 'missing.pem')}", keyFile: "${pem('server-1.key')}" } }\ndataDir: ${join(dir, 'unused')}\n`,
    );
    const missing = await runCli(['check-config', file]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`listen.tls.certFile: cannot read ${join(dir, 'missing.pem')} (ENOENT)`);
  });
});
