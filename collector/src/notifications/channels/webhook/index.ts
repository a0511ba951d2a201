/**
 * Webhook channel: POSTs the notification as JSON, signed so the receiver can trust it:
 *
 *   X-N3mon-Timestamp: <unix seconds>
 *   X-N3mon-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>
 *   X-N3mon-Delivery:  <notification id> (the same on every retry)
 *
 * Retried with exponential back-off on network errors, timeouts, 429 and 5xx; not on other 4xx.
 *
 * https only: a plain `http://` URL is refused (at config load and here) unless its host is
 * loopback or the channel says `allowInsecure: true` — the notification names practices and their
 * faults, and anyone on the path could read or forge it.
 */
import { createHmac } from 'node:crypto';
import Type, { type Static } from 'typebox';
import { N3monError } from '../../../../../shared/src/errors.ts';
import { isLoopbackHost } from '../../../../../shared/src/loopback.ts';
import { defineChannel, type Channel, type ChannelEnv, type Notification } from '../types.ts';
import { RetryPolicy, networkOutcome, withRetries, type AttemptResult } from '../retry.ts';

export const WebhookConfig = Type.Object(
  {
    kind: Type.Literal('webhook'),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'For logs; defaults to the URL host.' })),
    url: Type.String({ pattern: '^https?://[^\\s]+$', description: 'Where notifications are POSTed: https, or http to a loopback host (else allowInsecure).' }),
    allowInsecure: Type.Boolean({
      default: false,
      description: 'Allow a plain http:// URL to a host that is not loopback (the notification then crosses the network in clear).',
    }),
    secret: Type.String({ minLength: 16, maxLength: 256, description: 'HMAC-SHA256 key for X-N3mon-Signature (share it with the receiver).' }),
    timeoutMs: Type.Integer({ minimum: 100, maximum: 120_000, default: 10_000, description: 'Per attempt.' }),
    retry: RetryPolicy,
  },
  { additionalProperties: false },
);

export const SIGNATURE_HEADER = 'x-n3mon-signature';
export const TIMESTAMP_HEADER = 'x-n3mon-timestamp';
export const DELIVERY_HEADER = 'x-n3mon-delivery';

/** The signature header value for a body sent at `timestamp` (unix seconds). */
export function signBody(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** `url: …` when the URL would send in clear across a network without allowInsecure. */
function problems(cfg: Static<typeof WebhookConfig>): string[] {
  let url: URL;
  try {
    url = new URL(cfg.url);
  } catch {
    return [`url: not a URL (${JSON.stringify(cfg.url)})`];
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname) && cfg.allowInsecure !== true) {
    return [`url: plain http to ${url.hostname} would send notifications in clear; use https, or set allowInsecure: true on this channel`];
  }
  return [];
}

function create(cfg: Static<typeof WebhookConfig>, env: ChannelEnv): Channel {
  const refused = problems(cfg);
  if (refused.length > 0) throw new N3monError('N3MON_ERR_CONFIG_INVALID', `webhook: ${refused.join('; ')}`, { problems: refused });
  const url = new URL(cfg.url);
  const name = cfg.name ?? url.host;
  const attemptOnce = async (body: string, id: string, signal?: AbortSignal): Promise<AttemptResult> => {
    const timestamp = Math.floor(env.clock.now() / 1000);
    const timeout = AbortSignal.timeout(cfg.timeoutMs);
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'n3mon-collector',
          [TIMESTAMP_HEADER]: String(timestamp),
          [SIGNATURE_HEADER]: signBody(cfg.secret, timestamp, body),
          [DELIVERY_HEADER]: id,
        },
        body,
        redirect: 'error',
        signal: signal === undefined ? timeout : AbortSignal.any([timeout, signal]),
      });
      // Drain the body so the connection is released.
      await res.arrayBuffer().catch((err: unknown) => env.log.debug({ err, channel: name }, 'webhook: response body unreadable'));
      if (res.ok) return { outcome: 'delivered', retryable: false };
      if (res.status === 429 || res.status >= 500) return { outcome: 'server_error', retryable: true, message: `HTTP ${res.status}` };
      return { outcome: 'rejected', retryable: false, message: `HTTP ${res.status}` };
    } catch (err) {
      return networkOutcome(err);
    }
  };
  return {
    kind: 'webhook',
    name,
    async send(n: Notification, signal?: AbortSignal) {
      const body = JSON.stringify(n);
      return withRetries(
        cfg.retry,
        async (attempt) => {
          const r = await attemptOnce(body, n.id, signal);
          if (r.outcome !== 'delivered') env.log.warn({ channel: name, attempt, outcome: r.outcome, reason: r.message }, 'webhook delivery attempt failed');
          return r;
        },
        env.sleep,
        signal,
      );
    },
  };
}

export const webhookChannel = defineChannel({ kind: 'webhook', schema: WebhookConfig, create, problems });
