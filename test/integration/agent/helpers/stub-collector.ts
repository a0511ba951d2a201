/**
 * A small stand-in for the collector's ingest endpoint on a real loopback socket, scripted per
 * request (the pusher is what is under test). It checks every body the way the collector does:
 * bearer token, gzip, JSON, IngestBody schema — and stores each batchId once, like the real one.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { IngestBody, type WireSample } from '../../../../shared/src/wire.ts';
import { problemsOf } from '../../../../shared/src/validate.ts';

export interface Received {
  n: number;
  at: number;
  batchId: string;
  samples: WireSample[];
  /** What the script answered (status), or 'dropped' when the socket was destroyed. */
  answer: number | 'dropped' | 'hang';
}

export type Answer =
  | { status: 200 }
  | { status: number; headers?: Record<string, string>; body?: unknown }
  | { drop: true } // read the body, store it, then destroy the socket: the ack is lost
  | { hang: true };

export interface StubCollector {
  url: string;
  port: number;
  received: Received[];
  /** batchId → samples, each batch stored once (the collector's dedupe). */
  stored: Map<string, WireSample[]>;
  /** Problems found in bodies (must stay empty). */
  bodyProblems: string[];
  listen(): Promise<void>;
  close(): Promise<void>;
}

export const TOKEN = 'agent-token-0123456789';

export async function stubCollector(
  script: (req: { n: number; batchId: string; samples: WireSample[] }) => Answer,
  opts: { port?: number; serverTimeOffsetMs?: number } = {},
): Promise<StubCollector> {
  const received: Received[] = [];
  const stored = new Map<string, WireSample[]>();
  const bodyProblems: string[] = [];
  const hanging: ServerResponse[] = [];
  let port = opts.port ?? 0;
  let server: Server | undefined;

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const n = received.length;
      const problem = (p: string): void => void bodyProblems.push(`request ${n}: ${p}`);
      if (req.method !== 'POST' || req.url !== '/api/v1/ingest') problem(`${req.method} ${req.url}`);
      if (req.headers.authorization !== `Bearer ${TOKEN}`) problem('bad authorization');
      if (req.headers['content-encoding'] !== 'gzip') problem('not gzip');
      let body: unknown;
      try {
        body = JSON.parse(gunzipSync(Buffer.concat(chunks)).toString('utf8'));
      } catch (err) {
        problem(`unreadable body: ${(err as Error).message}`);
      }
      bodyProblems.push(...problemsOf(IngestBody, body).map((p) => `request ${n}: ${p}`));
      const { batchId, samples } = body as IngestBody;
      const answer = script({ n, batchId, samples });
      const rec: Received = { n, at: Date.now(), batchId, samples, answer: 'status' in answer ? answer.status : 'drop' in answer ? 'dropped' : 'hang' };
      received.push(rec);
      const store = (): boolean => {
        const duplicate = stored.has(batchId);
        if (!duplicate) stored.set(batchId, samples);
        return duplicate;
      };
      if ('drop' in answer) {
        store();
        req.socket.destroy();
      } else if ('hang' in answer) {
        hanging.push(res);
      } else if (answer.status === 200) {
        const duplicate = store();
        const serverTime = Date.now() - (opts.serverTimeOffsetMs ?? 0);
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ batchId, accepted: duplicate ? 0 : samples.length, duplicate, serverTime }));
      } else {
        const a = answer as { status: number; headers?: Record<string, string>; body?: unknown };
        res
          .writeHead(a.status, { 'content-type': 'application/json', ...a.headers })
          .end(JSON.stringify(a.body ?? { statusCode: a.status, code: 'N3MON_ERR_TEST', error: 'Test', message: `scripted ${a.status}` }));
      }
    });
  }

  const stub: StubCollector = {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    received,
    stored,
    bodyProblems,
    listen: () =>
      new Promise<void>((resolve, reject) => {
        server = createServer(handle);
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          port = (server?.address() as AddressInfo).port;
          resolve();
        });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging.splice(0)) res.destroy();
        if (server === undefined) return resolve();
        server.closeAllConnections();
        server.close(() => resolve());
        server = undefined;
      }),
  };
  return stub;
}

/** A loopback port that nothing listens on (yet): listen on 0, note the port, close. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Polls `cond` every 10 ms until true or `timeoutMs` (then throws with `what`). */
export async function until(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
