/** `n3mon collector --config FILE` — the production collector process. */
import { parseFlags, usageError, type CliIO, type Command } from '../../../shared/src/cli/command.ts';
import { waitForStopSignal } from '../../../shared/src/cli/signals.ts';
import { createLogger } from '../../../shared/src/log.ts';
import { loadCollectorConfig } from '../config/load.ts';
import { startCollector } from '../collector.ts';

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

const HELP = `usage: n3mon collector --config FILE [--log-level LEVEL]

Runs the n3mon collector: the ingest API for agents, the read API, alerting, reports and the
dashboard, with its data (meta.db and the series store) under the config's dataDir. Runs until
SIGINT or SIGTERM, then stops gracefully: new requests get 503, ingests in flight finish and are
acknowledged, then the stores close. A second signal exits at once (nothing acknowledged is lost).

HTTPS: with listen.tls (certFile, keyFile; caFile + requireClientCert for mutual TLS) the
collector serves HTTPS itself; SIGHUP re-reads the certificate and key without dropping a
connection (new handshakes get the new certificate; a bad file keeps the old one, logged).
See docs/tls.md.

flags:
  -c, --config FILE      collector config, YAML or JSON (see deploy/examples/collector.yaml).
                         Unknown keys are errors; every problem is printed as \`path: message\`.
      --log-level LEVEL  fatal | error | warn | info | debug | trace | silent; overrides
                         N3MON_LOG_LEVEL, which overrides the config's log.level (default info)
  -h, --help             this text

Agents need a token (\`n3mon token create --practice ODS --config FILE\`), scripts an API key
(\`n3mon apikey create --role servicedesk --config FILE\`); both commands may run while the
collector runs.

logs: one JSON object per line on stdout (pino); secrets are redacted.
exit: 0 after a graceful stop, 1 for a bad config or a failure to start (e.g. port in use),
2 for a usage error.
`;

export const command: Command = {
  name: 'collector',
  summary: 'run the collector',
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
    const config = loadCollectorConfig(file);
    const envLevel = io.env.N3MON_LOG_LEVEL !== undefined && LEVELS.includes(io.env.N3MON_LOG_LEVEL) ? io.env.N3MON_LOG_LEVEL : undefined;
    const log = createLogger({ level: flagLevel ?? envLevel ?? config.log.level, name: 'n3mon-collector' });
    // Listen for SIGINT/SIGTERM before anything says "listening": a supervisor (or a test) that
    // stops the collector as soon as it reads that line must find the graceful handler installed.
    const stopSignal = waitForStopSignal(log);
    const collector = await startCollector(config, { log });
    // SIGHUP: re-read listen.tls's certificate and key (a renewed certificate) without a restart.
    const onHup = (): void => {
      collector.reloadTls();
    };
    process.on('SIGHUP', onHup);
    io.err(`n3mon collector listening on ${collector.url} (data in ${config.dataDir})\n`);
    const signal = await stopSignal;
    process.off('SIGHUP', onHup);
    log.info({ signal }, 'stopping the collector');
    await collector.stop();
    return 0;
  },
};
