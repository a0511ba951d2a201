/**
 * What every `n3mon` subcommand looks like. Commands parse their own flags with parseFlags
 * (strict: unknown flags are errors), print to io, and return an exit code. Long-running commands
 * (`up`, `collector`, `agent`) resolve only when the process should exit.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { N3monError } from '../errors.ts';

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Full --help text. */
  readonly help: string;
  run(args: string[], io: CliIO): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

export interface ParsedFlags<T extends Options> {
  values: { [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : T[K]['multiple'] extends true ? string[] : string };
  positionals: string[];
  help: boolean;
}

/** Strict flag parsing; `--help`/`-h` is always accepted. Throws N3MON_ERR_CLI_USAGE. */
export function parseFlags<T extends Options>(args: string[], options: T, opts: { positionals?: number } = {}): ParsedFlags<T> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: (opts.positionals ?? 0) > 0 });
  } catch (err) {
    throw new N3monError('N3MON_ERR_CLI_USAGE', (err as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''), { cause: err });
  }
  const { help, ...values } = parsed.values as Record<string, unknown>;
  if (!help && parsed.positionals.length > (opts.positionals ?? 0)) {
    throw new N3monError('N3MON_ERR_CLI_USAGE', `unexpected argument '${parsed.positionals[opts.positionals ?? 0]}'`);
  }
  return { values: values as ParsedFlags<T>['values'], positionals: parsed.positionals, help: help === true };
}

export function usageError(message: string): N3monError {
  return new N3monError('N3MON_ERR_CLI_USAGE', message);
}

export type Subcommand = (args: string[], io: CliIO) => Promise<number>;

/**
 * A command made of subcommands (`token create|list|revoke`, …): no subcommand prints the help and
 * exits 2, `--help`/`-h` prints it and exits 0, an unknown one is a usage error naming the known ones.
 */
export function commandGroup(o: { name: string; summary: string; help: string; subcommands: Readonly<Record<string, Subcommand>> }): Command {
  return {
    name: o.name,
    summary: o.summary,
    help: o.help,
    async run(args, io) {
      const [sub, ...rest] = args;
      if (sub === undefined || sub === '--help' || sub === '-h') {
        io.out(o.help);
        return sub === undefined ? 2 : 0;
      }
      const fn = Object.hasOwn(o.subcommands, sub) ? o.subcommands[sub] : undefined;
      if (fn === undefined) throw usageError(`unknown subcommand '${sub}' (${Object.keys(o.subcommands).join(', ')})`);
      return fn(rest, io);
    },
  };
}
