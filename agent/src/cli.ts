/**
 * `n3mon agent --config FILE [--log-level L]`: load and validate the config (every problem
 * printed as `path: message`, exit 1), start the agent, run until SIGINT/SIGTERM, stop gracefully.
 */
import type { CliIO, Command } from '../../shared/src/cli/command.ts';
import { parseFlags, usageError } from '../../shared/src/cli/command.ts';
import { readConfigSource } from '../../shared/src/config-file.ts';
import { createLogger, type Logger } from '../../shared/src/log.ts';
import type { ProbeKind } from './probes/types.ts';
import { parseAgentConfig } from './config/parse.ts';
import { startAgent } from './agent.ts';
import { AGENT_V8_FLAGS } from './v8-flags.ts';
import { waitForStopSignal } from '../../shared/src/cli/signals.ts';
import { PULL_INTERVAL_DEFAULT_MS, PULL_INTERVAL_MIN_MS } from '../../shared/src/pulled-config.ts';

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export const HELP = `usage: n3mon agent --config FILE [--log-level LEVEL]

Runs an n3mon agent: measures the checks in FILE on their intervals, keeps every sample in a
local spool (SQLite, under spool.dir) and pushes them to the collector, which only ever needs
this machine to connect out. Runs until SIGINT or SIGTERM, then stops gracefully: in-flight
checks are aborted, one last push is tried (at most 5 s) and the spool is closed. Anything
not delivered stays in the spool and goes out after the next start. A second signal exits at once.

flags:
  -c, --config FILE     agent config, YAML or JSON (see deploy/examples/ and agent/README.md).
                        Unknown keys are errors; every problem is printed as \`path: message\`
                        and the command exits 1.
      --log-level LEVEL fatal | error | warn | info | debug | trace | silent. Overrides
                        N3MON_LOG_LEVEL, which overrides the config's log.level (default info).
  -h, --help            this text.

environment:
  N3MON_AGENT_V8_FLAGS  V8 flags the agent sets for itself (default ${AGENT_V8_FLAGS}: no
                        optimising compiler, a smaller and steadier footprint; '' keeps V8's
                        defaults). See docs/performance.md.

config keys (agent.yaml):
  collector.url         collector base URL, e.g. http://127.0.0.1:8080 (pushes go to /api/v1/ingest)
  collector.token       agent token from \`n3mon token create\` (never logged); or:
  collector.tokenFile   file holding the token, written by \`n3mon enrol\` (mode 0600); the
                        agent renews it there before it expires and re-reads it after a 401
  collector.caFile      PEM CA the collector's certificate must chain to (a private CA);
                        without it the system CAs (docs/tls.md)
  collector.allowInsecure  true to allow a plain http:// url to a host that is not loopback
                        (default false: refused, the token would cross the network in clear)
  collector.clientCertFile, collector.clientKeyFile
                        client certificate and key for a collector that requires mutual TLS
  collector.config      local (default: this file's checks only) or pull: the agent also asks
                        the collector for its practice's checks (templates + values) at start
                        and every pullIntervalMs, applies a new version in place without a
                        restart, rolls a version that fails back to the last good one and
                        reports the result; the last good pulled config is kept (0600) in
                        spool.dir/pulled-config.json and run at start while the collector is
                        unreachable. This file's checks keep running and win on an id clash;
                        collector, spool, push and log are never pulled (docs/configuration.md)
  collector.pullIntervalMs  how often to ask (default ${PULL_INTERVAL_DEFAULT_MS}, at least ${PULL_INTERVAL_MIN_MS}); unchanged is a 304
  spool.dir             spool directory (default ./data/agent)
  spool.maxBytes        disk budget of the spool (default 512 MiB); beyond it the oldest
                        samples are dropped, counted in agent_dropped_samples_total and logged
  push.intervalMs       push interval when less than a batch is waiting (default 5000)
  push.batchSamples     samples per request (default 5000)
  push.timeoutMs        deadline of one request (default 30000)
  push.maxBackoffMs     longest wait between retries (default 300000)
  log.level             default log level
  checks[]              what to measure: kind (icmp, tcp, dns, http, host, …), target, role,
                        intervalMs, timeoutMs (< intervalMs), app, labels, id (default kind:target).
                        At least one, unless collector.config is pull

logs: one JSON object per line on stdout (pino); secrets are redacted.
exit: 0 after a graceful stop, 1 for a bad config or a spool that cannot be opened, 2 for a usage error.
`;

export interface AgentCommandDeps {
  /** The probe kinds; the registry's PROBES in production (loaded lazily). */
  loadProbes: () => Promise<readonly ProbeKind[]>;
  /** Resolves with a signal name when the agent should stop. Default: SIGINT or SIGTERM. */
  waitForStop?: (log: Logger) => Promise<string>;
}

export function createAgentCommand(deps: AgentCommandDeps): Command {
  return {
    name: 'agent',
    summary: 'run an agent (`--config agent.yaml`)',
    help: HELP,
    async run(args: string[], io: CliIO): Promise<number> {
      const flags = parseFlags(args, { config: { type: 'string', short: 'c' }, 'log-level': { type: 'string' } });
      if (flags.help) {
        io.out(HELP);
        return 0;
      }
      const file = flags.values.config;
      if (file === undefined || file === '') throw usageError('--config FILE is required');
      const flagLevel = flags.values['log-level'];
      if (flagLevel !== undefined && !LEVELS.includes(flagLevel)) throw usageError(`--log-level must be one of ${LEVELS.join(', ')} (got '${flagLevel}')`);

      const probes = await deps.loadProbes();
      const config = parseAgentConfig(readConfigSource(file), file, probes);
      const envLevel = io.env.N3MON_LOG_LEVEL !== undefined && LEVELS.includes(io.env.N3MON_LOG_LEVEL) ? io.env.N3MON_LOG_LEVEL : undefined;
      const log = createLogger({ level: flagLevel ?? envLevel ?? config.log.level, name: 'n3mon-agent' });
      // The stop handler is in place before the agent reports itself started (see `n3mon up`).
      const stopSignal = (deps.waitForStop ?? waitForStopSignal)(log);
      const agent = await startAgent(config, { log, probes });
      const signal = await stopSignal;
      log.info({ signal }, 'stopping the agent');
      await agent.stop();
      return 0;
    },
  };
}

export const command: Command = createAgentCommand({
  loadProbes: async () => (await import('./probes/registry.ts')).PROBES,
});
