/**
 * The `throughput` section of collector.yaml: the caps that keep the throughput endpoints from
 * being anyone's bandwidth sink. Agent-token auth is always required; these bound what a valid
 * token can do.
 */
import Type, { type Static } from 'typebox';
import { THROUGHPUT_MAX_BYTES } from '../../../../shared/src/throughput.ts';

export const THROUGHPUT_CONFIG_DEFAULTS = {
  enabled: true,
  maxBytes: 25_000_000,
  maxConcurrent: 2,
  perAgentPerHour: 6,
  maxDurationMs: 60_000,
} as const;

/**
 * After maxDurationMs, how long bytes already sent may take to arrive before the transfer is cut.
 * maxDurationMs + this stays under the HTTP server's 120 s request timeout.
 */
export const DRAIN_GRACE_MS = 30_000;

export const ThroughputConfig = Type.Object(
  {
    enabled: Type.Boolean({ default: THROUGHPUT_CONFIG_DEFAULTS.enabled, description: 'Serve the throughput test endpoints (false: they answer 404).' }),
    maxBytes: Type.Integer({
      minimum: 100_000,
      maximum: THROUGHPUT_MAX_BYTES,
      default: THROUGHPUT_CONFIG_DEFAULTS.maxBytes,
      description: 'Most payload bytes of one transfer (download or upload); more answers 413 before a byte moves.',
    }),
    maxConcurrent: Type.Integer({
      minimum: 1,
      maximum: 64,
      default: THROUGHPUT_CONFIG_DEFAULTS.maxConcurrent,
      description: 'Transfers in progress at once, all agents together; one more answers 429.',
    }),
    perAgentPerHour: Type.Integer({
      minimum: 1,
      maximum: 600,
      default: THROUGHPUT_CONFIG_DEFAULTS.perAgentPerHour,
      description: 'Transfers one agent may start in any 60 minutes (a test in both directions is two); one more answers 429 with Retry-After.',
    }),
    maxDurationMs: Type.Integer({
      minimum: 1000,
      maximum: 85_000,
      default: THROUGHPUT_CONFIG_DEFAULTS.maxDurationMs,
      description:
        'Longest a transfer sends: a download ends its body after this long (sooner when the agent asks, by maxMs). ' +
        `A transfer still running ${DRAIN_GRACE_MS / 1000} s after that (bytes queued on a slow link draining, or a client that stopped reading) is cut.`,
    }),
  },
  { additionalProperties: false, default: {} },
);
export type ThroughputConfig = Static<typeof ThroughputConfig>;
