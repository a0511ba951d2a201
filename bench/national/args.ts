/**
 * The national simulation's command line (bench/national.ts), parsed and checked in one place:
 * every problem as `--flag: message`, so a typo stops the run before any process starts.
 */
import { parseArgs } from 'node:util';

export interface NationalArgs {
  practices: number;
  minutes: number;
  /** Offered before the measured window (every series created, windows filled); not measured. */
  warmupMs: number;
  /** The agent's push interval (agent config push.intervalMs; its default is 5 s). */
  pushMs: number;
  /** The agent's push.batchSamples (default 5,000). */
  batchSamples: number;
  /** Every n-th practice gets the planted breach (0: none). */
  breachEvery: number;
  /** The breach starts this long after the measured window opens. */
  breachAfterMs: number;
  /** Keep-alive connections from the senders to each collector. */
  connections: number;
  /** The collectors' alerting.graceMs. */
  graceMs: number;
  /** Stop offering when influxd's RSS passes this (the machine is shared). */
  maxInfluxMB: number;
  /** Write the figures as JSON here too. */
  json: string | undefined;
  help: boolean;
}

export const USAGE = `usage: npm run bench:national -- [--practices 6500] [--minutes 3] [--warmup-s 0] [--push-s 5] [--batch 5000]
  [--breach-every 100] [--breach-after-s 20] [--connections 64] [--grace-s 30] [--max-influx-gb 10] [--json FILE]

Starts its own PostgreSQL cluster and influxd (temp dirs, 127.0.0.1, free ports) and two collectors
(dist/cli.js, state: postgres, storage: influx); enrols one agent per practice through the API; then
every practice pushes the reference practice's schedule (340 series, one sample each a minute) every
--push-s seconds, alternating between the two collectors, for --warmup-s (not measured: series
created) and then --minutes (measured; the breach is planted --breach-after-s into it). Prints a table.`;

function positive(flag: string, raw: string, problems: string[], opts: { min?: number; max?: number; integer?: boolean } = {}): number {
  const v = Number(raw);
  const min = opts.min ?? 1;
  if (raw.trim() === '' || !Number.isFinite(v) || (opts.integer !== false && !Number.isInteger(v)))
    problems.push(`--${flag}: not a ${opts.integer === false ? 'number' : 'whole number'} (got ${raw})`);
  else if (v < min || (opts.max !== undefined && v > opts.max)) problems.push(`--${flag}: ${min} to ${opts.max ?? '∞'} (got ${raw})`);
  return v;
}

/** Parses argv (without node and the script); throws one Error listing every problem. */
export function parseNationalArgs(argv: readonly string[]): NationalArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      practices: { type: 'string', default: '6500' },
      minutes: { type: 'string', default: '3' },
      'warmup-s': { type: 'string', default: '0' },
      'push-s': { type: 'string', default: '5' },
      batch: { type: 'string', default: '5000' },
      'breach-every': { type: 'string', default: '100' },
      'breach-after-s': { type: 'string', default: '20' },
      connections: { type: 'string', default: '64' },
      'grace-s': { type: 'string', default: '30' },
      'max-influx-gb': { type: 'string', default: '10' },
      json: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const problems: string[] = [];
  const a: NationalArgs = {
    practices: positive('practices', values.practices, problems, { max: 20_000 }),
    minutes: positive('minutes', values.minutes, problems, { max: 60, integer: false }),
    warmupMs: positive('warmup-s', values['warmup-s'], problems, { min: 0, max: 3600, integer: false }) * 1000,
    pushMs: positive('push-s', values['push-s'], problems, { max: 600, integer: false }) * 1000,
    batchSamples: positive('batch', values.batch, problems, { max: 20_000 }),
    breachEvery: positive('breach-every', values['breach-every'], problems, { min: 0 }),
    breachAfterMs: positive('breach-after-s', values['breach-after-s'], problems, { min: 0, integer: false }) * 1000,
    connections: positive('connections', values.connections, problems, { max: 4096 }),
    graceMs: positive('grace-s', values['grace-s'], problems, { min: 0, max: 3600, integer: false }) * 1000,
    maxInfluxMB: positive('max-influx-gb', values['max-influx-gb'], problems, { integer: false }) * 1024,
    json: values.json,
    help: values.help,
  };
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return a;
}
