/**
 * Test servers and certificates for the http probe, all on 127.0.0.1 (ports chosen by the OS).
 * Certificates are made by the real `openssl` at test time: a self-signed one valid for 10 days
 * and an expired one (Jan 2020), both for IP:127.0.0.1 and DNS:localhost.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';

export interface CertPair {
  certFile: string;
  cert: string;
  key: string;
}

export interface Certs {
  dir: string;
  valid: CertPair;
  expired: CertPair;
  cleanup(): void;
}

const SAN = 'subjectAltName=IP:127.0.0.1,DNS:localhost';

export function makeCerts(): Certs {
  const dir = mkdtempSync(join(tmpdir(), 'n3mon-http-certs-'));
  const run = (args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  run(['req', '-x509', ...ec, '-keyout', 'valid.key', '-out', 'valid.pem', '-days', '10', '-subj', '/CN=localhost', '-addext', SAN]);
  // `req -x509` cannot back-date; `ca -selfsign` takes explicit dates.
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '01\n');
  writeFileSync(
    join(dir, 'ca.cnf'),
    [
      '[ca]',
      'default_ca = d',
      '[d]',
      'database = ./index.txt',
      'new_certs_dir = .',
      'serial = ./serial',
      'default_md = sha256',
      'policy = p',
      'copy_extensions = copy',
      'unique_subject = no',
      '[p]',
      'commonName = supplied',
      '',
    ].join('\n'),
  );
  run(['req', '-new', ...ec, '-keyout', 'expired.key', '-out', 'expired.csr', '-subj', '/CN=localhost', '-addext', SAN]);
  run([
    'ca',
    '-batch',
    '-config',
    'ca.cnf',
    '-selfsign',
    '-keyfile',
    'expired.key',
    '-in',
    'expired.csr',
    '-out',
    'expired.pem',
    '-notext',
    '-startdate',
    '20200101000000Z',
    '-enddate',
    '20200201000000Z',
  ]);
  const pair = (name: string): CertPair => ({
    certFile: join(dir, `${name}.pem`),
    cert: readFileSync(join(dir, `${name}.pem`), 'utf8'),
    key: readFileSync(join(dir, `${name}.key`), 'utf8'),
  });
  return { dir, valid: pair('valid'), expired: pair('expired'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Started {
  port: number;
  url(path?: string, host?: string): string;
  /** Connections the server still has open. */
  openConnections(): Promise<number>;
  close(): Promise<void>;
}

type Server = http.Server | https.Server | net.Server;

async function listen(server: Server, scheme: 'http' | 'https'): Promise<Started> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: (path = '/', host = '127.0.0.1') => `${scheme}://${host}:${port}${path}`,
    openConnections: () => new Promise<number>((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n)))),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export function startHttp(handler: http.RequestListener): Promise<Started> {
  return listen(http.createServer(handler), 'http');
}

export function startHttps(pair: CertPair, handler: http.RequestListener): Promise<Started> {
  return listen(https.createServer({ cert: pair.cert, key: pair.key }, handler), 'https');
}

/** A raw TCP server: `onSocket` decides what (if anything) to say. */
export function startRaw(onSocket: (s: net.Socket) => void, scheme: 'http' | 'https' = 'http'): Promise<Started> {
  return listen(net.createServer(onSocket), scheme);
}

/** A port that was just free: connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/**
 * Answers after `headerDelayMs` with the headers (flushed), then after `bodyDelayMs` with the body.
 * Timers are cleared if the client goes away.
 */
export function delayed(opts: { headerDelayMs: number; bodyDelayMs: number; status?: number; body?: string }): http.RequestListener {
  return (req, res) => {
    const timers: NodeJS.Timeout[] = [];
    res.on('close', () => timers.forEach(clearTimeout));
    timers.push(
      setTimeout(() => {
        const body = opts.body ?? 'ok';
        res.writeHead(opts.status ?? 200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
        res.flushHeaders();
        if (req.method === 'HEAD') {
          res.end();
          return;
        }
        timers.push(setTimeout(() => res.end(body), opts.bodyDelayMs));
      }, opts.headerDelayMs),
    );
  };
}
