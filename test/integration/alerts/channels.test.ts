import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:net';
import { silentLogger } from '../../../shared/src/log.ts';
import { systemClock } from '../../../shared/src/clock.ts';
import { parseWithSchema } from '../../../shared/src/validate.ts';
import { NotificationsConfig } from '../../../collector/src/notifications/channels/registry.ts';
import { channelFor } from '../../../collector/src/notifications/channels/registry.ts';
import type { Channel, Notification } from '../../../collector/src/notifications/channels/types.ts';
import { startSmtpReceiver, startWebhookReceiver, type SmtpReceiver, type WebhookReceiver } from './servers.ts';

const waits: number[] = [];
const env = { log: silentLogger(), clock: systemClock, sleep: async (ms: number) => void waits.push(ms) };

function channel(cfg: unknown): Channel {
  const parsed = parseWithSchema(NotificationsConfig, [cfg]);
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  const c = (parsed.value as unknown[])[0] as { kind: string };
  return channelFor(c.kind)!.create(c as never, env);
}

const notification: Notification = {
  id: '7d1c1c3e-0000-4000-8000-000000000001',
  version: 1,
  organisation: 'Example ICB',
  practice: { ods: 'A81001', name: 'Example Surgery' },
  sentAt: '2026-01-14T09:05:00.000Z',
  items: [
    {
      status: 'firing',
      alertId: 12,
      ruleId: 'n3-loss-mean',
      title: 'National link packet loss (15-min mean)',
      severity: 'critical',
      peak: 'critical',
      area: 'national-link',
      agent: 'main',
      metric: 'icmp_loss_ratio',
      labels: { role: 'n3-gateway', target: '10.200.0.2' },
      value: 0.0133,
      unit: 'ratio',
      startedAt: '2026-01-14T09:01:00.000Z',
      endedAt: null,
      reopened: 0,
      acknowledged: null,
      suppressed: 2,
      source: 'product default (Y.1541 IPLR 1e-3)',
    },
  ],
};

describe('webhook channel (real HTTP server on 127.0.0.1)', () => {
  let hook: WebhookReceiver;
  beforeAll(async () => {
    hook = await startWebhookReceiver();
  });
  afterAll(async () => hook.close());

  it('POSTs the notification as JSON with a verifiable HMAC-SHA256 signature', async () => {
    hook.deliveries.length = 0;
    const secret = 'a-shared-secret-of-enough-length';
    const r = await channel({ kind: 'webhook', url: hook.url, secret }).send(notification);
    expect(r).toEqual({ outcome: 'delivered', attempts: 1 });
    const d = hook.deliveries[0]!;
    expect(JSON.parse(d.body)).toEqual(notification);
    expect(d.headers['content-type']).toBe('application/json');
    const ts = d.headers['x-n3mon-timestamp'] as string;
    const expected = `sha256=${createHmac('sha256', secret).update(`${ts}.${d.body}`).digest('hex')}`;
    expect(d.headers['x-n3mon-signature']).toBe(expected);
    expect(d.headers['x-n3mon-delivery']).toBe(notification.id);
    expect(Math.abs(Number(ts) * 1000 - Date.now())).toBeLessThan(60_000);
  });

  it('retries 5xx and 429 with doubling back-off, the same delivery id each time', async () => {
    hook.deliveries.length = 0;
    waits.length = 0;
    hook.respond = [503, 429, 500];
    const r = await channel({ kind: 'webhook', url: hook.url, secret: 'x'.repeat(16), retry: { attempts: 5, initialDelayMs: 100, maxDelayMs: 250 } }).send(
      notification,
    );
    expect(r).toEqual({ outcome: 'delivered', attempts: 4 });
    expect(waits).toEqual([100, 200, 250]);
    expect(new Set(hook.deliveries.map((d) => d.headers['x-n3mon-delivery'])).size).toBe(1);
  });

  it('a 4xx is final; running out of attempts reports the last failure', async () => {
    hook.respond = [400];
    expect(await channel({ kind: 'webhook', url: hook.url, secret: 'x'.repeat(16) }).send(notification)).toEqual({
      outcome: 'rejected',
      attempts: 1,
      message: 'HTTP 400',
    });
    hook.respond = [502, 502];
    expect(await channel({ kind: 'webhook', url: hook.url, secret: 'x'.repeat(16), retry: { attempts: 2 } }).send(notification)).toEqual({
      outcome: 'server_error',
      attempts: 2,
      message: 'HTTP 502',
    });
  });

  it('a closed port is `refused`, a receiver that never answers is `timeout`', async () => {
    const free = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
    const refused = await channel({ kind: 'webhook', url: `http://127.0.0.1:${free}/`, secret: 'x'.repeat(16), retry: { attempts: 2 } }).send(notification);
    expect(refused).toMatchObject({ outcome: 'refused', attempts: 2, message: 'ECONNREFUSED' });
    hook.hang = true;
    try {
      const slow = await channel({ kind: 'webhook', url: hook.url, secret: 'x'.repeat(16), timeoutMs: 300, retry: { attempts: 1 } }).send(notification);
      expect(slow).toMatchObject({ outcome: 'timeout', attempts: 1 });
    } finally {
      hook.hang = false;
    }
  });
});

describe('email channel (real SMTP server on 127.0.0.1)', () => {
  let smtp: SmtpReceiver;
  beforeAll(async () => {
    smtp = await startSmtpReceiver();
  });
  afterAll(async () => smtp.close());

  const cfg = () => ({
    kind: 'email',
    smtp: { host: '127.0.0.1', port: smtp.port, timeoutMs: 5000 },
    from: 'n3mon@desk.example.invalid',
    to: ['desk@desk.example.invalid', 'oncall@desk.example.invalid'],
  });

  it('sends one message per notification: subject with severity and practice, the alerts in the text', async () => {
    smtp.mails.length = 0;
    const r = await channel(cfg()).send(notification);
    expect(r).toEqual({ outcome: 'delivered', attempts: 1 });
    const m = smtp.mails[0]!;
    expect(m.from).toBe('n3mon@desk.example.invalid');
    expect(m.to).toEqual(['desk@desk.example.invalid', 'oncall@desk.example.invalid']);
    expect(m.subject).toBe('[n3mon] CRITICAL A81001 Example Surgery: 1 firing');
    expect(m.text).toContain('FIRING CRITICAL: National link packet loss (15-min mean) — 10.200.0.2 — value 0.0133 ratio');
    expect(m.text).toContain('2 dependent alert(s) suppressed');
    expect(m.raw).toMatch(/X-N3mon-Delivery: 7d1c1c3e-0000-4000-8000-000000000001/i);
  });

  it('a temporary refusal (4xx) is retried, a permanent one (5xx) is final', async () => {
    smtp.mails.length = 0;
    waits.length = 0;
    smtp.rcptFailures = [451];
    expect(await channel({ ...cfg(), to: ['desk@desk.example.invalid'] }).send(notification)).toEqual({ outcome: 'delivered', attempts: 2 });
    expect(waits).toEqual([2000]);
    smtp.rcptFailures = [550];
    expect(await channel({ ...cfg(), to: ['desk@desk.example.invalid'] }).send(notification)).toEqual({
      outcome: 'rejected',
      attempts: 1,
      message: 'SMTP 550',
    });
    expect(smtp.mails).toHaveLength(1);
  });
});

describe('notifications config', () => {
  it('is validated like every config: path: message', () => {
    const r = parseWithSchema(NotificationsConfig, [
      { kind: 'webhook', url: 'ftp://x', secret: 'short' },
      { kind: 'email', smtp: { host: '127.0.0.1' }, from: 'n3mon@x.invalid', to: [] },
      { kind: 'pager' },
    ]);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problems).toEqual([
        '[0].url: must match pattern "^https?://[^\\s]+$"',
        '[0].secret: must not have fewer than 16 characters',
        '[1].to: must not have fewer than 1 items',
        '[2].kind: must be one of "webhook", "email" (got string "pager")',
      ]);
    }
  });
});
