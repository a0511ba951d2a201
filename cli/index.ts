/**
 * `n3mon` — the one binary. Each subcommand module is loaded only when used, so `n3mon agent`
 * never loads collector code.
 */
import { setFlagsFromString } from 'node:v8';
import { agentV8Flags } from '../agent/src/v8-flags.ts';
import { readAgentVersion } from '../agent/src/version.ts';
import { isN3monError } from '../shared/src/errors.ts';
import type { CliIO, Command } from '../shared/src/cli/command.ts';

interface Entry {
  name: string;
  summary: string;
  load: () => Promise<{ command: Command }>;
  /** V8 flags the process sets for itself before it loads the command (only when run as the `n3mon` binary). */
  v8Flags?: (env: NodeJS.ProcessEnv) => string;
}

export const COMMANDS: readonly Entry[] = [
  {
    name: 'up',
    summary: 'collector + a local agent for a demo practice in one process (what `npm start` runs)',
    load: () => import('../collector/src/cli/up.ts'),
  },
  { name: 'collector', summary: 'run the collector (`--config collector.yaml`)', load: () => import('../collector/src/cli/collector.ts') },
  { name: 'agent', summary: 'run an agent (`--config agent.yaml`)', load: () => import('../agent/src/cli.ts'), v8Flags: agentV8Flags },
  {
    name: 'check-config',
    summary: 'validate an agent or collector config file; prints every problem as `path: message`',
    load: () => import('./check-config.ts'),
  },
  {
    name: 'enrol',
    summary: 'enrol this practice server: `enrol --collector URL --code CODE [--name SERVER]` writes its own token',
    load: () => import('../agent/src/enrol/cli.ts'),
  },
  {
    name: 'enrolment',
    summary: 'enrolment codes: `enrolment create --practice ODS [--uses N] [--expires 24h]`, list, revoke',
    load: () => import('../collector/src/cli/enrolment.ts'),
  },
  {
    name: 'agents',
    summary: 'agents as the collector sees them: `agents list [--practice ODS]` (version, last seen, address, credential age), `agents revoke ODS/NAME`',
    load: () => import('../collector/src/cli/agents.ts'),
  },
  { name: 'token', summary: 'agent tokens: `token create --practice ODS [--agent NAME]`', load: () => import('../collector/src/cli/token.ts') },
  {
    name: 'apikey',
    summary: 'read-API keys: `apikey create --role servicedesk|practice [--practice ODS]`',
    load: () => import('../collector/src/cli/apikey.ts'),
  },
  {
    name: 'user',
    summary: 'dashboard users: `user create --role admin|servicedesk|practice [--practice ODS] --username NAME`',
    load: () => import('../collector/src/cli/user.ts'),
  },
  {
    name: 'report',
    summary: 'monthly report: `report --practice ODS --month YYYY-MM --format html|pdf|csv [--out FILE]`',
    load: () => import('../collector/src/cli/report.ts'),
  },
  {
    name: 'migrate',
    summary: 'move an organisation from a SQLite collector to the scaled setup: `migrate --from OLD_DATA_DIR --config NEW.yaml`',
    load: () => import('../collector/src/cli/migrate.ts'),
  },
];

export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'n3mon — network performance monitor for GP practices',
    '',
    'usage: n3mon <command> [flags]      n3mon <command> --help      n3mon --version',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Docs: README.md and docs/ in the repository.',
  ].join('\n');
}

/** `setV8Flags`: apply the command's `v8Flags` (the `n3mon` process itself; never in-process callers such as tests). */
export async function runCli(argv: string[], io: CliIO, opts: { setV8Flags?: boolean } = {}): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(mainHelp() + '\n');
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    // package.json's version (a release's carries the version it was built as); the same the
    // agent sends the collector in its User-Agent.
    io.out(`${readAgentVersion()}\n`);
    return 0;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (entry === undefined) {
    io.err(`n3mon: unknown command '${name}'\n\n${mainHelp()}\n`);
    return 2;
  }
  try {
    if (opts.setV8Flags === true && entry.v8Flags !== undefined) setFlagsFromString(entry.v8Flags(io.env));
    const { command } = await entry.load();
    return await command.run(rest, io);
  } catch (err) {
    if (isN3monError(err)) {
      io.err(`n3mon ${name}: ${err.message}\n`);
      if (err.code === 'N3MON_ERR_CLI_USAGE') io.err(`Try 'n3mon ${name} --help'.\n`);
      return err.code === 'N3MON_ERR_CLI_USAGE' ? 2 : 1;
    }
    io.err(`n3mon ${name}: internal error: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}

const isMain = process.argv[1] !== undefined && /(?:^|[/\\])(?:cli\.js|index\.ts|n3mon)$/.test(process.argv[1]);
if (isMain) {
  const io: CliIO = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), env: process.env };
  runCli(process.argv.slice(2), io, { setV8Flags: true }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`n3mon: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
