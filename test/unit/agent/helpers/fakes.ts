/**
 * Small probe kinds for testing the agent runtime (scheduler, config rules, composition root).
 * They are fakes of *probes*; what the tests exercise is the real scheduler/spool/pusher.
 */
import Type from 'typebox';
import { baseCheckFields } from '../../../../agent/src/probes/base-schema.ts';
import { defineProbe, type ProbeKind, type ProbeResult, type RunContext } from '../../../../agent/src/probes/types.ts';
import { createLogger, type Logger } from '../../../../shared/src/log.ts';

export type Behaviour = (ctx: RunContext, check: { target: string; n: number }) => Promise<ProbeResult>;

/** A kind whose probes run `behaviour`; `target` is required, so the default id is `kind:target`. */
export function fakeKind(kind: string, behaviour: Behaviour, opts: { concurrency?: number; defaultTimeoutMs?: number; closed?: string[] } = {}): ProbeKind {
  const schema = Type.Object(
    {
      kind: Type.Literal(kind),
      target: Type.String({ minLength: 1 }),
      count: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
      ...baseCheckFields({ defaultIntervalMs: 1000, defaultRole: 'lan-gateway' }),
    },
    { additionalProperties: false },
  );
  return defineProbe({
    kind,
    schema,
    concurrency: opts.concurrency ?? 4,
    defaultTimeoutMs: () => opts.defaultTimeoutMs ?? 500,
    baseLabels: (c) => ({ target: c.target, role: c.role, ...(c.app === undefined ? {} : { app: c.app }) }),
    validate: (c) => (c.count !== undefined && c.count > 10 && c.intervalMs < 10_000 ? ['count: at most 10 when intervalMs < 10000'] : []),
    create: (c) => {
      let n = 0;
      return {
        run: (ctx) => behaviour(ctx, { target: c.target, n: n++ }),
        close: () => {
          opts.closed?.push(c.target);
        },
      };
    },
  }) as unknown as ProbeKind;
}

/** A kind without a target (like `host`): its default id is the kind. */
export function targetlessKind(kind: string): ProbeKind {
  const schema = Type.Object(
    { kind: Type.Literal(kind), ...baseCheckFields({ defaultIntervalMs: 60_000, defaultRole: 'server' }) },
    { additionalProperties: false },
  );
  return defineProbe({
    kind,
    schema,
    concurrency: 1,
    defaultTimeoutMs: () => 5000,
    baseLabels: (c) => ({ role: c.role }),
    create: () => ({ run: async () => ({ outcome: 'success', samples: [{ metric: 'host_cpu_load_ratio', value: 0.25 }] }) }),
  }) as unknown as ProbeKind;
}

/** Resolves after ms (on the fake clock in unit tests); rejects with the signal's reason on abort. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) return reject(signal.reason as Error);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A real pino logger whose lines are read back as objects (pino's own test style). */
export function captureLog(level = 'debug'): { log: Logger; lines: LogLine[]; find: (msg: string) => LogLine[] } {
  const lines: LogLine[] = [];
  const log = createLogger({ level, destination: { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) } });
  return { log, lines, find: (msg) => lines.filter((l) => l.msg === msg) };
}

export const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const;
