/**
 * A collector as production composes it (startCollector: SQLite store, meta.db, alerting, reports,
 * the dashboard) with config overrides, served on real loopback sockets: plain http and, for the HTTPS cases, a TLS server
 * with a certificate openssl makes at test time that hands each request to the same app
 * (`app.routing`, so `req.protocol` is 'https' from the TLS socket itself). Requests go through
 * node:http/https so Set-Cookie and every header arrive exactly as a browser would see them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { startCollector } from '../../../collector/src/collector.ts';
import { parseCollectorConfig } from '../../../collector/src/config/load.ts';
import type { Meta } from '../../../collector/src/meta/index.ts';
import { createApiKey } from '../../../collector/src/auth/credentials.ts';
import { UserStore } from '../../../collector/src/ui/users.ts';
import type { TypedApp } from '../../../collector/src/context.ts';
import { silentLogger } from '../../../shared/src/log.ts';
import { makeCerts, type Certs } from '../probes/http/lab.ts';

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface SecureApp {
  app: TypedApp;
  meta: Meta;
  /** http://127.0.0.1:PORT */
  http: string;
  /** https://127.0.0.1:PORT, when started with tls */
  https?: string;
  key(role: 'servicedesk' | 'practice', practice?: string): Promise<string>;
  user(username: string, role: 'admin' | 'servicedesk' | 'practice', password: string, practice?: string): Promise<void>;
  get(url: string, headers?: Record<string, string>): Promise<Answer>;
  post(url: string, body: unknown, headers?: Record<string, string>): Promise<Answer>;
  del(url: string, headers?: Record<string, string>): Promise<Answer>;
  close(): Promise<void>;
}

export const PRACTICES = [
  { ods: 'A81001', name: 'Example Surgery', sites: [] },
  { ods: 'B82002', name: 'Riverside Medical Centre', sites: [] },
];

function request(url: string, method: string, headers: Record<string, string>, body: string | undefined, ca: string | undefined): Promise<Answer> {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      u,
      {
        method,
        headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(ca === undefined ? {} : { ca }),
        agent: false,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        res.on('error', reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${url}: no answer within 30 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

export async function startSecureApp(opts: { config?: Record<string, unknown>; tls?: boolean } = {}): Promise<SecureApp> {
  const dir = mkdtempSync(join(tmpdir(), 'n3mon-secure-'));
  const log = silentLogger();
  const config = parseCollectorConfig({ dataDir: dir, listen: { port: 0 }, practices: PRACTICES, storage: { synchronous: 'normal' }, ...opts.config }, 'test');
  const running = await startCollector(config, { log });
  const { app, meta } = running;
  const httpUrl = running.url;
  let certs: Certs | undefined;
  let tlsServer: https.Server | undefined;
  let httpsUrl: string | undefined;
  if (opts.tls === true) {
    certs = makeCerts();
    tlsServer = https.createServer({ key: certs.valid.key, cert: certs.valid.cert }, (req, res) => app.routing(req, res));
    await new Promise<void>((resolve, reject) => {
      tlsServer?.once('error', reject);
      tlsServer?.listen(0, '127.0.0.1', () => resolve());
    });
    httpsUrl = `https://127.0.0.1:${(tlsServer.address() as AddressInfo).port}`;
  }
  const ca = certs?.valid.cert;
  const users = await UserStore.open(meta.state);
  return {
    app,
    meta,
    http: httpUrl,
    ...(httpsUrl === undefined ? {} : { https: httpsUrl }),
    key: async (role, practice) => (await createApiKey(meta, { role, ...(practice === undefined ? {} : { practice }) })).key,
    user: async (username, role, password, practice) => {
      await users.create({ username, role, password, ...(practice === undefined ? {} : { practice }) });
    },
    get: (url, headers = {}) => request(url, 'GET', headers, undefined, ca),
    post: (url, body, headers = {}) => request(url, 'POST', headers, JSON.stringify(body), ca),
    del: (url, headers = {}) => request(url, 'DELETE', headers, undefined, ca),
    async close() {
      if (tlsServer !== undefined) {
        tlsServer.closeAllConnections();
        await new Promise<void>((resolve) => tlsServer?.close(() => resolve()));
      }
      await running.stop({ graceMs: 1000 });
      certs?.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The one Set-Cookie header of an answer. */
export function setCookieOf(a: Answer): string {
  const c = a.headers['set-cookie'];
  if (c === undefined || c.length !== 1) throw new Error(`expected one Set-Cookie, got ${JSON.stringify(c)} (HTTP ${a.status} ${a.body})`);
  return c[0] as string;
}
