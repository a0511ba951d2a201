/**
 * Email channel: one message per grouped notification, over SMTP with nodemailer. Retried with
 * back-off when the server cannot be reached or answers 4xx (temporary); a 5xx answer (bad
 * address, relaying refused) is final. With credentials, STARTTLS is required unless the config
 * says `requireTLS: false`: a server that does not offer it gets no password.
 */
import Type, { type Static } from 'typebox';
import { createTransport } from 'nodemailer';
import { defineChannel, type Channel, type ChannelEnv, type Notification } from '../types.ts';
import { RetryPolicy, networkOutcome, withRetries, type AttemptResult } from '../retry.ts';
import { renderText, subjectOf } from './render.ts';

const Address = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+$|^[^<>]*<[^\\s@]+@[^\\s@]+>$' });

export const EmailConfig = Type.Object(
  {
    kind: Type.Literal('email'),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    smtp: Type.Object(
      {
        host: Type.String({ minLength: 1 }),
        port: Type.Integer({ minimum: 1, maximum: 65_535, default: 587 }),
        secure: Type.Optional(Type.Boolean({ description: 'TLS from the start (port 465). Default: true on 465, else STARTTLS when offered.' })),
        requireTLS: Type.Optional(
          Type.Boolean({
            description:
              'Refuse to send unless STARTTLS succeeds. Default: true when user/password are set (they never cross the network in clear), else false.',
          }),
        ),
        user: Type.Optional(Type.String({ minLength: 1 })),
        password: Type.Optional(Type.String({ minLength: 1 })),
        rejectUnauthorized: Type.Boolean({ default: true, description: 'Check the server certificate.' }),
        timeoutMs: Type.Integer({ minimum: 100, maximum: 120_000, default: 15_000 }),
      },
      { additionalProperties: false },
    ),
    from: Address,
    to: Type.Array(Address, { minItems: 1, maxItems: 50 }),
    subjectPrefix: Type.String({ maxLength: 40, default: '[n3mon]' }),
    retry: RetryPolicy,
  },
  { additionalProperties: false },
);

/** SMTP answers: 5xx is final (bad address, relaying refused); 4xx and network trouble are retried. Also used by the report mailer. */
export function smtpOutcome(err: unknown): AttemptResult {
  const e = err as { responseCode?: number; code?: string; message?: string };
  if (typeof e.responseCode === 'number') {
    return e.responseCode >= 500
      ? { outcome: 'rejected', retryable: false, message: `SMTP ${e.responseCode}` }
      : { outcome: 'server_error', retryable: true, message: `SMTP ${e.responseCode}` };
  }
  if (e.code === 'EENVELOPE') return { outcome: 'rejected', retryable: false, message: e.code };
  if (e.code === 'ETIMEDOUT' || e.code === 'ECONNECTION' || e.code === 'ESOCKET' || e.code === 'EDNS') {
    return { outcome: e.code === 'ETIMEDOUT' ? 'timeout' : 'refused', retryable: true, message: e.code };
  }
  return networkOutcome(err);
}

/** STARTTLS required: as configured, else whenever credentials would be sent (AUTH over clear text is refused). */
export function requireTlsOf(smtp: Static<typeof EmailConfig>['smtp']): boolean {
  return smtp.requireTLS ?? smtp.user !== undefined;
}

/** A nodemailer transport for the `smtp` settings of an email channel (also the report mailer's). */
export function smtpTransport(smtp: Static<typeof EmailConfig>['smtp']): ReturnType<typeof createTransport> {
  return createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure ?? smtp.port === 465,
    requireTLS: requireTlsOf(smtp),
    ...(smtp.user === undefined ? {} : { auth: { user: smtp.user, pass: smtp.password ?? '' } }),
    tls: { rejectUnauthorized: smtp.rejectUnauthorized },
    connectionTimeout: smtp.timeoutMs,
    greetingTimeout: smtp.timeoutMs,
    socketTimeout: smtp.timeoutMs,
  });
}

function create(cfg: Static<typeof EmailConfig>, env: ChannelEnv): Channel {
  const name = cfg.name ?? `smtp://${cfg.smtp.host}:${cfg.smtp.port}`;
  const transport = smtpTransport(cfg.smtp);
  return {
    kind: 'email',
    name,
    async send(n: Notification, signal?: AbortSignal) {
      const message = { from: cfg.from, to: cfg.to, subject: subjectOf(n, cfg.subjectPrefix), text: renderText(n), headers: { 'X-N3mon-Delivery': n.id } };
      return withRetries(
        cfg.retry,
        async (attempt) => {
          try {
            await transport.sendMail(message);
            return { outcome: 'delivered', retryable: false };
          } catch (err) {
            const r = smtpOutcome(err);
            env.log.warn({ channel: name, attempt, outcome: r.outcome, reason: r.message }, 'email delivery attempt failed');
            return r;
          }
        },
        env.sleep,
        signal,
      );
    },
    close: () => transport.close(),
  };
}

export const emailChannel = defineChannel({ kind: 'email', schema: EmailConfig, create });
