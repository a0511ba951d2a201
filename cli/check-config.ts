/**
 * `n3mon check-config FILE [--kind agent|collector]` — validate a config without starting
 * anything. Every problem is printed as `path: message`; exit 0 when valid, 1 when not.
 */
import { readConfigSource } from '../shared/src/config-file.ts';
import { isN3monError } from '../shared/src/errors.ts';
import { parseFlags, usageError, type CliIO, type Command } from '../shared/src/cli/command.ts';

const HELP = `usage: n3mon check-config FILE [--kind agent|collector]

Validates an agent or a collector config file (YAML or JSON) exactly as \`n3mon agent\` and
\`n3mon collector\` would at start-up, without starting anything. Prints every problem as
\`path: message\` (e.g. \`checks[2].target: missing required key\`) and exits 1; prints a
one-line summary and exits 0 when the file is valid.

flags:
  --kind agent|collector   which kind of config FILE is; by default it is told from its keys
                           (an agent config has \`checks\`/\`collector\`, a collector config has
                           \`listen\`/\`practices\`/\`dataDir\`/\`organisation\`…)
  -h, --help               this text
`;

type Kind = 'agent' | 'collector';

const AGENT_KEYS = ['checks', 'collector', 'spool', 'push'];

export function guessKind(value: unknown): Kind | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.some((k) => AGENT_KEYS.includes(k))) return 'agent';
  return keys.length > 0 ? 'collector' : undefined;
}

interface Checked {
  summary: string;
}

async function checkAgent(value: unknown, file: string): Promise<Checked> {
  const { parseAgentConfig } = await import('../agent/src/config/load.ts');
  const config = parseAgentConfig(value, file);
  const kinds = [...new Set(config.checks.map((c) => c.kind))].join(', ');
  const local = config.checks.length === 0 ? '0 local checks' : `${config.checks.length} check(s) (${kinds})`;
  const pulled = config.collector.config === 'pull' ? ', more pulled from the collector (collector.config: pull)' : '';
  return { summary: `agent config, ${local}${pulled}, collector ${config.collector.url}` };
}

async function checkCollector(value: unknown, file: string): Promise<Checked> {
  const { parseCollectorConfig } = await import('../collector/src/config/load.ts');
  const config = parseCollectorConfig(value, file);
  return {
    summary: `collector config, ${config.practices.length} practice(s), listens on ${config.listen.host}:${config.listen.port}, data in ${config.dataDir}`,
  };
}

const CHECKERS: Record<Kind, (value: unknown, file: string) => Promise<Checked>> = { agent: checkAgent, collector: checkCollector };

export const command: Command = {
  name: 'check-config',
  summary: 'validate an agent or collector config file',
  help: HELP,
  async run(args: string[], io: CliIO): Promise<number> {
    const flags = parseFlags(args, { kind: { type: 'string' } }, { positionals: 1 });
    if (flags.help) {
      io.out(HELP);
      return 0;
    }
    const file = flags.positionals[0];
    if (file === undefined) throw usageError('which file? usage: n3mon check-config FILE');
    const forced = flags.values.kind;
    if (forced !== undefined && forced !== 'agent' && forced !== 'collector') throw usageError(`--kind must be agent or collector (got '${forced}')`);

    let value: unknown;
    try {
      value = readConfigSource(file);
    } catch (err) {
      if (!isN3monError(err)) throw err;
      io.err(`${err.message}\n`);
      return 1;
    }
    const kind = (forced as Kind | undefined) ?? guessKind(value);
    if (kind === undefined) {
      io.err(`${file}: (root): cannot tell an agent config from a collector config; the file is empty or not a mapping (use --kind)\n`);
      return 1;
    }
    try {
      const { summary } = await CHECKERS[kind](value, file);
      io.out(`${file}: ok — ${summary}\n`);
      return 0;
    } catch (err) {
      if (!isN3monError(err)) throw err;
      const lines = err.problems.length > 0 ? err.problems : [err.message];
      io.err(`${file}: ${lines.length} problem(s) in this ${kind} config\n${lines.join('\n')}\n`);
      return 1;
    }
  },
};
