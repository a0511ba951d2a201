/**
 * A small real HTTP server on 127.0.0.1 serving the pulled-config contract (shared/src/pulled-config.ts)
 * the way the collector's routes do: the agent token, `ETag: "<etag>"`, If-None-Match → 304,
 * 404 when nothing is assigned, results POSTed and checked against ConfigApplyResult. It also takes
 * the agent's ingest POSTs (200, counted) so the agent under test has somewhere to push. The
 * collector's own routes are tested by its helper; the end-to-end test runs the real pair.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AGENT_CONFIG_PATH, AGENT_CONFIG_RESULT_PATH, ConfigApplyResult, type PulledConfig } from '../../../shared/src/pulled-config.ts';
import { problemsOf } from '../../../shared/src/validate.ts';

export const TOKEN = 'n3a_config-pull-test-token-0123';

export interface ContractServer {
  url: string;
  port: number;
  /** What GET answers: a config (200/304), a status (404, 503…). */
  answer: { config: PulledConfig } | { status: number };
  /** Every GET's If-None-Match (undefined when none) and the status sent. */
  gets: { ifNoneMatch: string | undefined; status: number }[];
  results: ConfigApplyResult[];
  /** Problems found in what the agent sent (must stay empty). */
  problems: string[];
  ingests: number;
  /** Listen (again) on the same port. */
  listen(): Promise<void>;
  close(): Promise<void>;
}

let n = 0;
/** A PulledConfig as the collector renders one (etag changes with the checks). */
export function pulled(version: number, checks: Record<string, unknown>[], practice = 'A81001'): PulledConfig {
  return { version, etag: `v${version}-${++n}`, practice, checks, sources: ['template:practice-baseline'] };
}

export async function contractServer(port = 0): Promise<ContractServer> {
  let server: Server | undefined;
  const s: ContractServer = {
    url: '',
    port,
    answer: { status: 404 },
    gets: [],
    results: [],
    problems: [],
    ingests: 0,
    listen,
    close,
  };

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        s.problems.push(`${req.method} ${req.url}: bad authorization`);
        res.writeHead(401).end();
        return;
      }
      if (req.method === 'POST' && req.url === '/api/v1/ingest') {
        s.ingests++;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: 0, duplicate: false }));
        return;
      }
      if (req.method === 'POST' && req.url === AGENT_CONFIG_RESULT_PATH) {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
        s.problems.push(...problemsOf(ConfigApplyResult, body).map((p) => `result: ${p}`));
        s.results.push(body as ConfigApplyResult);
        res.writeHead(204).end();
        return;
      }
      if (req.method === 'GET' && req.url === AGENT_CONFIG_PATH) {
        const inm = req.headers['if-none-match'];
        const a = s.answer;
        if ('status' in a) {
          s.gets.push({ ifNoneMatch: inm, status: a.status });
          res.writeHead(a.status, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'N3MON_ERR_NOT_FOUND', message: `status ${a.status}` }));
          return;
        }
        const tag = `"${a.config.etag}"`;
        const status = inm === tag ? 304 : 200;
        s.gets.push({ ifNoneMatch: inm, status });
        if (status === 304) res.writeHead(304, { etag: tag }).end();
        else res.writeHead(200, { etag: tag, 'content-type': 'application/json' }).end(JSON.stringify(a.config));
        return;
      }
      s.problems.push(`unexpected ${req.method} ${req.url}`);
      res.writeHead(404).end();
    });
  }

  async function listen(): Promise<void> {
    server = createServer(handle);
    await new Promise<void>((resolve, reject) => {
      server?.once('error', reject);
      server?.listen(s.port, '127.0.0.1', () => resolve());
    });
    s.port = (server.address() as AddressInfo).port;
    s.url = `http://127.0.0.1:${s.port}`;
  }

  async function close(): Promise<void> {
    const srv = server;
    server = undefined;
    if (srv === undefined) return;
    srv.closeAllConnections();
    await new Promise<void>((resolve) => srv.close(() => resolve()));
  }

  await listen();
  return s;
}
