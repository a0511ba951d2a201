/**
 * The processes of the config-pull end-to-end test: a collector (the built CLI, `n3mon collector
 * --config`, on a fixed free port so it can be stopped and started again at the same address) and
 * agents (`n3mon agent --config`, `collector.config: pull`), each with EVERYTHING it writes to
 * stdout and stderr kept as text — the test scans it for secrets — and its pino lines parsed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, stopCli, type LogLine } from '../../helpers/cli.ts';
import { waitFor } from '../../helpers/wait.ts';

export interface Proc {
  child: ChildProcess;
  /** Everything the process wrote, stdout and stderr, as text. */
  text(): string;
  /** Its pino lines (stdout lines that are JSON objects). */
  logs: LogLine[];
  stop(): Promise<number | null>;
}

/** Every process the test started, for afterAll (stopped by PID). */
export const started: ChildProcess[] = [];
/** The text of every process the test started, also of those already stopped (for the secret scan). */
export const transcripts: { name: string; text: () => string }[] = [];

export function spawnCaptured(name: string, args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  started.push(child);
  let text = '';
  let rest = '';
  const logs: LogLine[] = [];
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const l of lines) if (l.startsWith('{')) logs.push(JSON.parse(l) as LogLine);
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  transcripts.push({ name, text: () => text });
  return { child, text: () => text, logs, stop: () => stopCli(child) };
}

export async function healthy(url: string): Promise<boolean> {
  return fetch(`${url}/healthz`).then(
    (r) => r.ok,
    () => false,
  );
}

/**
 * `n3mon collector --config FILE` (debug logs: the secret scan reads the most the collector says);
 * resolves once /healthz answers. `env` e.g. NODE_OPTIONS for the collector's own Node.
 */
export async function startCollector(config: string, url: string, env: NodeJS.ProcessEnv = {}): Promise<Proc> {
  const p = spawnCaptured('collector', ['collector', '--config', config, '--log-level', 'debug'], env);
  await waitFor('the collector to answer /healthz', async () => ((await healthy(url)) ? true : undefined), {
    timeoutMs: 30_000,
    intervalMs: 100,
    describe: () => p.text().slice(-2000),
  });
  return p;
}

export interface AgentFiles {
  dir: string;
  config: string;
}

/** An agent's config: the collector, its token, pull every `pullIntervalMs`, a spool, quick pushes — and no local checks. */
export function writeAgentConfig(dir: string, o: { url: string; token: string; pullIntervalMs: number }): AgentFiles {
  const config = join(dir, 'agent.yaml');
  writeFileSync(
    config,
    [
      'collector:',
      `  url: "${o.url}"`,
      `  token: "${o.token}"`,
      '  config: pull',
      `  pullIntervalMs: ${o.pullIntervalMs}`,
      `spool: { dir: "${join(dir, 'spool')}" }`,
      'push: { intervalMs: 300, batchSamples: 500, maxBackoffMs: 1000 }',
      'checks: []',
      '',
    ].join('\n'),
  );
  return { dir, config };
}

export function startAgent(name: string, files: AgentFiles): Proc {
  return spawnCaptured(name, ['agent', '--config', files.config, '--log-level', 'debug']);
}

/** A servicedesk API client: JSON both ways; answers the status and body whatever the status. */
export function apiClient(url: string, key: string) {
  const call = async <T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T; text: string }> => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as T, text };
  };
  return {
    get: <T = unknown>(path: string) => call<T>('GET', path),
    put: <T = unknown>(path: string, body: unknown) => call<T>('PUT', path, body),
    post: <T = unknown>(path: string, body: unknown) => call<T>('POST', path, body),
    del: <T = unknown>(path: string) => call<T>('DELETE', path),
  };
}
export type ApiClient = ReturnType<typeof apiClient>;
