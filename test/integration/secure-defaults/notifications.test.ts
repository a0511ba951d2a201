/**
 * Notifications never carry secrets in clear by default (issue 11 point 5):
 * - a webhook with a plain http:// URL to a host that is not loopback is refused — by
 *   `n3mon check-config` (path: message, exit 1) and by the channel itself — unless the channel
 *   says `allowInsecure: true`;
 * - with SMTP credentials, STARTTLS is required unless `requireTLS: false`: against a real SMTP
 *   server on loopback that does not offer STARTTLS, neither the alert channel nor the report
 *   mailer (same transport) sends the password; against one that offers it, the mail goes over TLS.
 * Nothing here sends traffic beyond 127.0.0.1: the non-loopback URL is only validated.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import { runCli } from '../../helpers/cli.ts';
import { silentLogger } from '../../../shared/src/log.ts';
import { systemClock } from '../../../shared/src/clock.ts';
import { webhookChannel } from '../../../collector/src/notifications/channels/webhook/index.ts';
import { emailChannel } from '../../../collector/src/notifications/channels/email/index.ts';
import { emailReportMailer } from '../../../collector/src/reports/adapters.ts';
import type { Notification } from '../../../collector/src/notifications/channels/types.ts';

const SECRET = 'a-webhook-secret-of-some-length';
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'n3mon-secure-notify-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function checkConfig(notifications: unknown[]): Promise<{ code: number | null; out: string }> {
  const file = join(dir, `collector-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ dataDir: join(dir, 'data'), notifications }));
  const r = await runCli(['check-config', file, '--kind', 'collector']);
  return { code: r.code, out: r.stdout + r.stderr };
}

describe('webhook URLs', () => {
  it('check-config refuses plain http to a host that is not loopback, with path: message', async () => {
    const r = await checkConfig([{ kind: 'webhook', url: 'http://desk.example.invalid/hook', secret: SECRET }]);
    expect(r.code, r.out).toBe(1);
    expect(r.out).toContain(
      'notifications[0].url: plain http to desk.example.invalid would send notifications in clear; use https, or set allowInsecure: true on this channel',
    );
  });

  it('accepts https, plain http to loopback, and plain http with allowInsecure: true', async () => {
    for (const hook of [
      { url: 'https://desk.example.invalid/hook' },
      { url: 'http://127.0.0.1:9/hook' },
      { url: 'http://[::1]:9/hook' },
      { url: 'http://localhost:9/hook' },
      { url: 'http://desk.example.invalid/hook', allowInsecure: true },
    ]) {
      const r = await checkConfig([{ kind: 'webhook', secret: SECRET, ...hook }]);
      expect(r.code, `${JSON.stringify(hook)}: ${r.out}`).toBe(0);
    }
  });

  it('the channel itself refuses to be made with such a URL', () => {
    const env = { log: silentLogger(), clock: systemClock, sleep: async () => undefined };
    const cfg = {
      kind: 'webhook' as const,
      url: 'http://10.1.2.3/hook',
      secret: SECRET,
      timeoutMs: 1000,
      allowInsecure: false,
      retry: { attempts: 1, initialDelayMs: 10, maxDelayMs: 10 },
    };
    expect(() => webhookChannel.create(cfg, env)).toThrow(/plain http to 10\.1\.2\.3/);
    expect(() => webhookChannel.create({ ...cfg, allowInsecure: true }, env)).not.toThrow();
  });
});

interface Smtp {
  port: number;
  /** AUTH attempts the server saw, with whether the session was on TLS then. */
  auths: Array<{ user: string; secure: boolean }>;
  mails: number;
  close(): Promise<void>;
}

async function startSmtp(opts: { starttls: boolean }): Promise<Smtp> {
  const s: Smtp = { port: 0, auths: [], mails: 0, close: async () => undefined };
  const server = new SMTPServer({
    logger: false,
    allowInsecureAuth: true, // the server would take a password in clear: only the client's default stops it
    ...(opts.starttls ? {} : { disabledCommands: ['STARTTLS'] }),
    onAuth(auth, session, cb) {
      s.auths.push({ user: auth.username ?? '', secure: session.secure });
      cb(null, { user: auth.username });
    },
    onData(stream, _session, cb) {
      stream.resume();
      stream.on('end', () => {
        s.mails += 1;
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  s.port = (server.server.address() as AddressInfo).port;
  s.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return s;
}

const NOTE: Notification = {
  id: 'n-1',
  version: 1,
  organisation: 'Test ICB',
  practice: { ods: 'A81001', name: 'Example Surgery' },
  sentAt: new Date().toISOString(),
  items: [],
};
const RETRY = { attempts: 1, initialDelayMs: 10, maxDelayMs: 10 };
const env = { log: silentLogger(), clock: systemClock, sleep: async () => undefined };
const smtpOf = (port: number, extra: Record<string, unknown> = {}) => ({
  host: '127.0.0.1',
  port,
  user: 'n3mon',
  password: 'smtp-password',
  rejectUnauthorized: false,
  timeoutMs: 5000,
  ...extra,
});

describe('SMTP with credentials', () => {
  let plain: Smtp;
  let tls: Smtp;
  beforeAll(async () => {
    plain = await startSmtp({ starttls: false });
    tls = await startSmtp({ starttls: true });
  });
  afterAll(async () => {
    await plain?.close();
    await tls?.close();
  });

  it('the alert channel does not send the password to a server without STARTTLS (requireTLS is on by default)', async () => {
    const ch = emailChannel.create(
      { kind: 'email', smtp: smtpOf(plain.port), from: 'n3mon@example.invalid', to: ['desk@example.invalid'], subjectPrefix: '[n3mon]', retry: RETRY },
      env,
    );
    try {
      const r = await ch.send(NOTE);
      expect(r.outcome).toBe('rejected'); // final: STARTTLS refused, not retried
      expect(plain.auths).toEqual([]);
      expect(plain.mails).toBe(0);
    } finally {
      ch.close?.();
    }
  });

  it('the report mailer (same transport) does not either', async () => {
    const mailer = emailReportMailer(
      { smtp: smtpOf(plain.port), from: 'n3mon@example.invalid', subjectPrefix: '[n3mon]', retry: RETRY },
      { log: silentLogger(), sleep: async () => undefined },
    );
    await expect(mailer.send({ to: ['pm@example.invalid'], subject: 'report', text: 'see attached', attachments: [] })).rejects.toThrow(/not delivered/);
    expect(plain.auths).toEqual([]);
    expect(plain.mails).toBe(0);
  });

  it('requireTLS: false is an explicit choice that sends it in clear (so the server above would have taken it)', async () => {
    const ch = emailChannel.create(
      {
        kind: 'email',
        smtp: smtpOf(plain.port, { requireTLS: false }),
        from: 'n3mon@example.invalid',
        to: ['desk@example.invalid'],
        subjectPrefix: '[n3mon]',
        retry: RETRY,
      },
      env,
    );
    try {
      expect((await ch.send(NOTE)).outcome).toBe('delivered');
      expect(plain.auths).toEqual([{ user: 'n3mon', secure: false }]);
    } finally {
      ch.close?.();
    }
  });

  it('with STARTTLS offered, the password and the mail go over TLS', async () => {
    const ch = emailChannel.create(
      { kind: 'email', smtp: smtpOf(tls.port), from: 'n3mon@example.invalid', to: ['desk@example.invalid'], subjectPrefix: '[n3mon]', retry: RETRY },
      env,
    );
    try {
      expect((await ch.send(NOTE)).outcome).toBe('delivered');
      expect(tls.auths).toEqual([{ user: 'n3mon', secure: true }]);
      expect(tls.mails).toBe(1);
    } finally {
      ch.close?.();
    }
  });
});
