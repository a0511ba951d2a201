/**
 * agent.yaml / agent.json. The `checks` union is built from the probe registry, so a new probe
 * needs no edit here.
 */
import Type, { type Static, type TSchema } from 'typebox';
import { PULL_INTERVAL_DEFAULT_MS, PULL_INTERVAL_MIN_MS } from '../../../shared/src/pulled-config.ts';
import type { CheckKind } from '../probes/types.ts';

/** Most checks one agent runs (the local file's and the pulled ones each). */
export const MAX_CHECKS = 2000;

/** The `checks` list: one schema for the local file's and the pulled config's (docs/configuration.md). */
export function checksSchema(probes: readonly CheckKind[]) {
  return Type.Array(Type.Union(probes.map((p) => p.schema as TSchema)), { maxItems: MAX_CHECKS, default: [] });
}

export function agentConfigSchema(probes: readonly CheckKind[]) {
  return Type.Object(
    {
      collector: Type.Object(
        {
          url: Type.String({ pattern: '^https?://[^\\s]+$', description: 'Collector base URL; the agent only connects out.' }),
          token: Type.Optional(Type.String({ minLength: 16, maxLength: 256, description: 'Agent token from `n3mon token create`. Give this or tokenFile.' })),
          tokenFile: Type.Optional(
            Type.String({
              minLength: 1,
              description: 'File holding the agent token (written by `n3mon enrol`, mode 0600); the agent renews it there before it expires.',
            }),
          ),
          caFile: Type.Optional(
            Type.String({
              minLength: 1,
              description: "PEM CA the collector's certificate must chain to (a private CA), instead of the system CAs (docs/tls.md).",
            }),
          ),
          allowInsecure: Type.Boolean({
            default: false,
            description: 'Allow a plain http:// url to a host that is not loopback. Off: refused, as the bearer token would cross the network in clear.',
          }),
          clientCertFile: Type.Optional(
            Type.String({
              minLength: 1,
              description: 'PEM client certificate for a collector that requires mutual TLS; its CN (or a SAN URI) is practice/agent. With clientKeyFile.',
            }),
          ),
          clientKeyFile: Type.Optional(Type.String({ minLength: 1, description: 'PEM private key of clientCertFile.' })),
          config: Type.Union([Type.Literal('local'), Type.Literal('pull')], {
            default: 'local',
            description:
              "Where the checks come from: `local` (this file's `checks` only) or `pull` (also the collector's rendering of the practice's templates; this file's checks keep running and win on an id clash). docs/configuration.md, 'Agents pull'.",
          }),
          pullIntervalMs: Type.Integer({
            minimum: PULL_INTERVAL_MIN_MS,
            maximum: 24 * 3600 * 1000,
            default: PULL_INTERVAL_DEFAULT_MS,
            description: 'With config: pull, how often the agent asks the collector for its checks (a conditional request: unchanged is a 304).',
          }),
        },
        { additionalProperties: false },
      ),
      spool: Type.Object(
        {
          dir: Type.String({ minLength: 1, default: './data/agent', description: 'Where the spool database lives.' }),
          maxBytes: Type.Integer({
            minimum: 1024 * 1024,
            default: 512 * 1024 * 1024,
            description: 'Disk budget; beyond it the oldest samples are dropped and counted.',
          }),
        },
        { additionalProperties: false, default: {} },
      ),
      push: Type.Object(
        {
          intervalMs: Type.Integer({ minimum: 200, maximum: 600_000, default: 5000, description: 'How often the pusher sends what is spooled.' }),
          batchSamples: Type.Integer({ minimum: 1, maximum: 20_000, default: 5000 }),
          timeoutMs: Type.Integer({ minimum: 1000, maximum: 600_000, default: 30_000 }),
          maxBackoffMs: Type.Integer({ minimum: 1000, maximum: 3_600_000, default: 300_000 }),
        },
        { additionalProperties: false, default: {} },
      ),
      log: Type.Object(
        {
          level: Type.Union(
            ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
            { default: 'info' },
          ),
        },
        { additionalProperties: false, default: {} },
      ),
      checks: checksSchema(probes),
    },
    { additionalProperties: false },
  );
}

export type AgentConfigSchema = ReturnType<typeof agentConfigSchema>;
/** One validated check, typed loosely (each probe narrows its own); `id` is always set after parsing. */
export type CheckConfig = { kind: string } & Record<string, unknown>;
/** Static type of a validated agent config (checks typed loosely; each probe narrows its own). */
export type AgentConfig = Omit<Static<AgentConfigSchema>, 'checks'> & { checks: ReadonlyArray<CheckConfig> };
