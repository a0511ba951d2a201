/**
 * `n3mon up` — the quick start (what `npm start` runs): a collector on 127.0.0.1:8080 with its data
 * under ./data, and in the same process an agent for a demo practice that monitors this machine
 * only (loopback ICMP, TCP and HTTP to the collector itself, host metrics). Nothing leaves the
 * machine. The annotated configs in deploy/examples/ show what a real practice adds.
 */
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../../../shared/src/private-files.ts';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { parseFlags, usageError, type CliIO, type Command } from '../../../shared/src/cli/command.ts';
import { waitForStopSignal } from '../../../shared/src/cli/signals.ts';
import { createLogger, type Logger } from '../../../shared/src/log.ts';
import { parseCollectorConfig } from '../config/load.ts';
import { startCollector, type RunningCollector } from '../collector.ts';
import { createAgentToken, createApiKey } from '../auth/credentials.ts';
import type { Meta } from '../meta/index.ts';
import { UserStore } from '../ui/users.ts';
import { generatePassword } from '../ui/passwords.ts';

export const DEMO_PRACTICE = { ods: 'DEMO01', name: 'Demo Surgery (this machine)' } as const;
const DEMO_AGENT = 'local';
const UP_KEY_LABEL = 'n3mon up';

const HELP = `usage: n3mon up [--port PORT] [--data-dir DIR] [--log-level LEVEL]

The quick start (\`npm start\` runs it): starts a collector on http://127.0.0.1:PORT with an
embedded SQLite store under DIR, and in the same process an agent for a demo practice
(${DEMO_PRACTICE.ods}, "${DEMO_PRACTICE.name}") that monitors this machine only: ICMP to 127.0.0.1,
TCP and HTTP to the collector itself, and host metrics (CPU, memory, disks, interfaces). It
sends nothing off this machine. Live data shows in the read API within a minute.

On the first start it prints the dashboard's address with the password of its first user,
admin, and a service-desk API key for the read API (each shown once; only hashes are stored).
Later starts print how to make new ones.

flags:
  --port PORT        port to listen on, 127.0.0.1 only (default 8080, or $N3MON_PORT; 0 = any free port)
  --data-dir DIR     data directory (default ./data, or $N3MON_DATA_DIR); the log is DIR/n3mon.log
  --log-level LEVEL  level of DIR/n3mon.log (default info); warnings and errors also go to stderr
  -h, --help         this text

Stop with Ctrl-C: the agent makes a last push, the collector finishes in-flight requests.
For production run \`n3mon collector --config …\` and \`n3mon agent --config …\` (see README.md).
`;

function parsePort(text: string, from: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65_535) throw usageError(`${from} must be a port number 0-65535 (got '${text}')`);
  return port;
}

function upLogger(dataDir: string, level: string): Logger {
  const file = pino.destination({ dest: join(dataDir, 'n3mon.log'), mkdir: true, mode: PRIVATE_FILE_MODE, sync: false });
  const streams = pino.multistream([
    { level: level as pino.Level, stream: file },
    { level: 'warn', stream: process.stderr },
  ]);
  return createLogger({ level, name: 'n3mon-up', destination: streams });
}

/** A fresh token for the demo agent each start; the previous ones are revoked (the agent lives in this process). */
async function demoAgentToken(meta: Meta, now: number): Promise<string> {
  await meta.credentials.revokeAgentTokens(DEMO_PRACTICE.ods, DEMO_AGENT, now);
  return (await createAgentToken(meta, { practice: DEMO_PRACTICE.ods, agent: DEMO_AGENT, now })).token;
}

/** The first start creates a service-desk key and returns it; later starts return undefined. */
async function firstApiKey(meta: Meta, now: number): Promise<string | undefined> {
  if ((await meta.credentials.apiKeys()).some((k) => k.label === UP_KEY_LABEL)) return undefined;
  return (await createApiKey(meta, { role: 'servicedesk', label: UP_KEY_LABEL, now })).key;
}

/** The first start creates the dashboard's first admin (no users yet) and returns it; later starts return undefined. */
async function firstAdmin(meta: Meta, now: number): Promise<{ username: string; password: string } | undefined> {
  const users = await UserStore.open(meta.state);
  if ((await users.list()).length > 0) return undefined;
  const password = generatePassword();
  await users.create({ username: 'admin', role: 'admin', password, now });
  return { username: 'admin', password };
}

/** The demo agent's checks: this machine only. */
export function demoAgentConfig(opts: { url: string; port: number; token: string; dataDir: string }): unknown {
  return {
    collector: { url: opts.url, token: opts.token },
    spool: { dir: join(opts.dataDir, 'agent') },
    push: { intervalMs: 5000 },
    checks: [
      { kind: 'icmp', id: 'loopback-ping', target: '127.0.0.1', role: 'lan-gateway', intervalMs: 30_000, count: 10 },
      { kind: 'tcp', id: 'collector-tcp', target: `127.0.0.1:${opts.port}`, role: 'national-app', app: 'n3mon', intervalMs: 30_000 },
      { kind: 'http', id: 'collector-http', target: `${opts.url}/healthz`, role: 'national-app', app: 'n3mon', intervalMs: 30_000 },
      { kind: 'host', id: 'host', intervalMs: 60_000 },
    ],
  };
}

function banner(c: RunningCollector, dataDir: string, apiKey: string | undefined, admin: { username: string; password: string } | undefined): string {
  const lines = [
    '',
    `n3mon is up: collector on ${c.url}, data in ${dataDir}`,
    `  demo practice ${DEMO_PRACTICE.ods} "${DEMO_PRACTICE.name}" is monitored by a local agent (this machine only)`,
    '',
    `  Dashboard: ${c.url}/`,
    ...(admin !== undefined
      ? [`    sign in as ${admin.username} with password ${admin.password}   (shown once — keep it)`]
      : ['    sign in with your dashboard user; a new admin password:', `    node dist/cli.js user password --username admin --data-dir ${dataDir}`]),
    '',
  ];
  if (apiKey !== undefined) {
    lines.push(
      '  Service-desk API key (shown once — keep it):',
      `    ${apiKey}`,
      '',
      '  Try it:',
      `    curl -H "Authorization: Bearer ${apiKey}" ${c.url}/api/v1/practices`,
    );
  } else {
    lines.push(
      '  Sign in to the read API with an API key. The first start printed one; make another with:',
      `    node dist/cli.js apikey create --role servicedesk --data-dir ${dataDir}`,
      '  then:',
      `    curl -H "Authorization: Bearer <key>" ${c.url}/api/v1/practices`,
    );
  }
  lines.push(
    '',
    `  API description: ${c.url}/openapi.json   health: ${c.url}/healthz   metrics: ${c.url}/metrics`,
    `  log: ${join(dataDir, 'n3mon.log')}   stop: Ctrl-C`,
    '',
  );
  return lines.join('\n');
}

export const command: Command = {
  name: 'up',
  summary: 'collector + a local demo agent in one process',
  help: HELP,
  async run(args: string[], io: CliIO): Promise<number> {
    const flags = parseFlags(args, { port: { type: 'string' }, 'data-dir': { type: 'string' }, 'log-level': { type: 'string' } });
    if (flags.help) {
      io.out(HELP);
      return 0;
    }
    const port =
      flags.values.port !== undefined
        ? parsePort(flags.values.port, '--port')
        : io.env.N3MON_PORT !== undefined
          ? parsePort(io.env.N3MON_PORT, 'N3MON_PORT')
          : 8080;
    const dataDir = resolve(flags.values['data-dir'] ?? io.env.N3MON_DATA_DIR ?? './data');
    const level = flags.values['log-level'] ?? 'info';
    if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level)) throw usageError(`--log-level: unknown level '${level}'`);
    ensurePrivateDir(dataDir);
    const log = upLogger(dataDir, level);

    const config = parseCollectorConfig(
      {
        listen: { host: '127.0.0.1', port },
        dataDir,
        organisation: { name: 'Demo organisation' },
        practices: [{ ods: DEMO_PRACTICE.ods, name: DEMO_PRACTICE.name }],
        // The demo judges within a minute: 10 s evaluation steps, 20 s for late samples (the demo
        // agent's checks are quick). Production keeps 1 min / 2 min (docs/thresholds.md).
        alerting: { stepMs: 10_000, graceMs: 20_000, tickMs: 2000 },
      },
      'n3mon up',
    );
    // The graceful stop handler goes in before the banner says "stop: Ctrl-C": a SIGTERM sent the
    // moment that line is read found no handler and killed the process (seen under load).
    const stopSignal = waitForStopSignal(log);
    const collector = await startCollector(config, { log });
    let agent: { stop(): Promise<void> } | undefined;
    try {
      const now = Date.now();
      const token = await demoAgentToken(collector.meta, now);
      const apiKey = await firstApiKey(collector.meta, now);
      const admin = await firstAdmin(collector.meta, now);
      const [{ parseAgentConfig }, { startAgent }] = await Promise.all([import('../../../agent/src/config/load.ts'), import('../../../agent/src/agent.ts')]);
      const agentConfig = parseAgentConfig(
        demoAgentConfig({ url: collector.url, port: Number(new URL(collector.url).port), token, dataDir }),
        'n3mon up (demo agent)',
      );
      // The quick start promises every kind of sample within a minute: first runs spread over 15 s,
      // not the production 60 s (the host check, alone at 60 s, could otherwise start at 59 s).
      agent = await startAgent(agentConfig, { log: log.child({ process: 'agent' }), tuning: { maxStartSpreadMs: 15_000 } });
      io.out(banner(collector, dataDir, apiKey, admin));
    } catch (err) {
      await agent?.stop();
      await collector.stop();
      throw err;
    }
    const signal = await stopSignal;
    io.err(`\n${signal}: stopping (the agent makes a last push, the collector finishes requests in flight)…\n`);
    await agent.stop();
    await collector.stop();
    io.err('stopped.\n');
    return 0;
  },
};
