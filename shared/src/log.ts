/**
 * Structured logs (STYLE habit 8). One root logger per process, created in the composition root
 * and passed down; components take `log.child({ component })`. Secrets never reach a log line.
 */
import { pino, type Logger, type LoggerOptions, type DestinationStream } from 'pino';

export type { Logger };

/** Paths redacted in every log line, wherever they appear one or two levels deep. */
export const REDACT_PATHS = [
  'token',
  'community',
  'authKey',
  'privKey',
  'password',
  'secret',
  'apiKey',
  '*.token',
  '*.community',
  '*.authKey',
  '*.privKey',
  '*.password',
  '*.secret',
  '*.apiKey',
  '*.*.token',
  '*.*.community',
  '*.*.authKey',
  '*.*.privKey',
  '*.*.password',
  '*.*.secret',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
];

export interface LogOptions {
  level?: string;
  name?: string;
  /** Where lines go; stdout when omitted. Tests pass a stream and read lines back as objects. */
  destination?: DestinationStream;
}

export function createLogger(opts: LogOptions = {}): Logger {
  const options: LoggerOptions = {
    level: opts.level ?? process.env.N3MON_LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: opts.name === undefined ? { pid: process.pid } : { pid: process.pid, name: opts.name },
  };
  return opts.destination === undefined ? pino(options) : pino(options, opts.destination);
}

/** A logger that drops everything: for unit tests that do not read logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
