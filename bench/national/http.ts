/**
 * A small keep-alive HTTP client for the national simulation (node:http: cheaper per request than
 * fetch, and the connection count per collector is bounded by the agent pool). A request resolves
 * with its status and body, or with an error code (ECONNRESET, ETIMEDOUT…): failure is data here,
 * counted by the caller; nothing is retried.
 */
import { Agent, request } from 'node:http';

export interface Reply {
  /** HTTP status, or 0 when no answer came (see `error`). */
  status: number;
  body: string;
  error?: string;
}

export interface Client {
  send(o: {
    url: string;
    method: 'GET' | 'POST';
    headers?: Record<string, string>;
    body?: Buffer | string;
    timeoutMs: number;
    signal?: AbortSignal;
  }): Promise<Reply>;
  close(): void;
}

export function httpClient(connectionsPerHost: number): Client {
  const agent = new Agent({ keepAlive: true, maxSockets: connectionsPerHost });
  return {
    send: (o) =>
      new Promise<Reply>((resolve) => {
        const req = request(
          o.url,
          { method: o.method, agent, headers: o.headers, timeout: o.timeoutMs, ...(o.signal === undefined ? {} : { signal: o.signal }) },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
            res.on('error', (err: NodeJS.ErrnoException) => resolve({ status: 0, body: '', error: err.code ?? err.message }));
          },
        );
        req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
        req.on('error', (err: NodeJS.ErrnoException) => resolve({ status: 0, body: '', error: err.code ?? err.message }));
        req.end(o.body);
      }),
    close: () => agent.destroy(),
  };
}

/** The next of `urls`, round-robin (the proxy's part: agents land on either collector). */
export function roundRobin(urls: readonly string[]): () => string {
  let n = 0;
  return () => urls[n++ % urls.length] as string;
}
