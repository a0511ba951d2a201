/**
 * The whole chain, for real: an agent pings a lab namespace (the "national link router"), pushes
 * to a collector over HTTP on 127.0.0.1; the lab's loss is raised then lowered; the collector's
 * rules open one alert and resolve it, and the notifications reach a real webhook receiver and a
 * real SMTP server (both on 127.0.0.1): one of each when it opens, one of each when it resolves.
 *
 * Timings are shortened through the config (2 s evaluation steps, a 15 s loss window) so the test
 * takes about half a minute; the logic is the production one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHmac } from 'node:crypto';
import { silentLogger } from '../../../shared/src/log.ts';
import { parseCollectorConfig } from '../../../collector/src/config/load.ts';
import { startCollector, type RunningCollector } from '../../../collector/src/collector.ts';
import { createAgentToken } from '../../../collector/src/auth/credentials.ts';
import type { Notification } from '../../../collector/src/notifications/channels/types.ts';
import { parseAgentConfig } from '../../../agent/src/config/load.ts';
import { startAgent, type RunningAgent } from '../../../agent/src/agent.ts';
import { skipUnlessLab } from '../../helpers/lab-guard.ts';
import { createLab, LAB_REQUIREMENTS, type Lab } from '../../lab/lab.ts';
import { startSmtpReceiver, startWebhookReceiver, type SmtpReceiver, type WebhookReceiver } from './servers.ts';

const SECRET = 'lab-webhook-secret-0123456789';

/** Poll `ok` every 250 ms until it holds or `timeoutMs` passes (bounded). */
async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.skipIf(skipUnlessLab({ ...LAB_REQUIREMENTS, files: [...LAB_REQUIREMENTS.files, '/usr/bin/ping'] }))(
  'agent → collector → alert → webhook and email',
  () => {
    let lab: Lab | undefined;
    let hook: WebhookReceiver | undefined;
    let smtp: SmtpReceiver | undefined;
    let collector: RunningCollector | undefined;
    let agent: RunningAgent | undefined;
    const dir = mkdtempSync(join(tmpdir(), 'n3mon-alert-lab-'));

    beforeAll(async () => {
      lab = await createLab({ name: 'alert-e2e' });
      hook = await startWebhookReceiver();
      smtp = await startSmtpReceiver();
      const config = parseCollectorConfig(
        {
          dataDir: join(dir, 'collector'),
          listen: { host: '127.0.0.1', port: 0 },
          organisation: { name: 'Lab ICB' },
          practices: [{ ods: 'LAB001', name: 'Lab Surgery' }],
          storage: { synchronous: 'normal' },
          thresholds: { organisation: { rules: { 'n3-loss-mean': { window: '15s', sustain: 2, clearSustain: 2 } } } },
          alerting: { stepMs: 2000, graceMs: 3000, tickMs: 500, initialLookbackMs: 60_000, groupWaitMs: 500, reopenWithinMs: 4000 },
          notifications: [
            { kind: 'webhook', url: hook.url, secret: SECRET, retry: { attempts: 3, initialDelayMs: 200 } },
            {
              kind: 'email',
              smtp: { host: '127.0.0.1', port: smtp.port },
              from: 'n3mon@lab.invalid',
              to: ['desk@lab.invalid'],
              retry: { attempts: 3, initialDelayMs: 200 },
            },
          ],
        },
        'lab collector',
      );
      collector = await startCollector(config, { log: silentLogger() });
      const token = (await createAgentToken(collector.meta, { practice: 'LAB001', agent: 'srv1' })).token;
      const agentConfig = parseAgentConfig(
        {
          collector: { url: collector.url, token },
          spool: { dir: join(dir, 'agent') },
          push: { intervalMs: 500, timeoutMs: 5000, maxBackoffMs: 2000 },
          checks: [{ kind: 'icmp', id: 'hscn-router', target: lab.nsIp, role: 'n3-gateway', intervalMs: 3000, count: 10, pingIntervalMs: 20 }],
        },
        'lab agent',
      );
      agent = await startAgent(agentConfig, { log: silentLogger(), tuning: { maxStartSpreadMs: 100, selfMetricsIntervalMs: 5000 } });
    });

    afterAll(async () => {
      await agent?.stop();
      await collector?.stop();
      await hook?.close();
      await smtp?.close();
      await lab?.destroy();
      rmSync(dir, { recursive: true, force: true });
    });

    it('loss raised then lowered: one alert opens and resolves; one webhook and one email each way', async () => {
      const c = collector!;
      const alerts = async () => (await c.alerting.alerts.list({ limit: 50, offset: 0 })).items;
      // a clean start: evaluation is running and nothing is wrong
      await until(
        'evaluation under way',
        () => c.alerting.evaluator?.progress().some((p) => p.evaluatedUntil !== undefined && p.highWater > 0) === true,
        30_000,
      );
      await new Promise((r) => setTimeout(r, 4000));
      expect(await alerts()).toEqual([]);

      await lab!.setLoss({ percent: 50, protocol: 'icmp' });
      await until('the loss alert opens', async () => (await alerts()).some((a) => a.ruleId === 'n3-loss-mean' && a.state === 'open'), 45_000);
      await until('firing webhook and email', () => hook!.deliveries.length >= 1 && smtp!.mails.length >= 1, 20_000);

      await lab!.clearLoss();
      await until('the alert resolves', async () => (await alerts()).every((a) => a.state === 'resolved'), 60_000);
      await until('resolved webhook and email', () => hook!.deliveries.length >= 2 && smtp!.mails.length >= 2, 30_000);
      await new Promise((r) => setTimeout(r, 3000)); // nothing more follows

      const all = await alerts();
      expect(all.map((a) => [a.practice, a.ruleId, a.state])).toEqual([['LAB001', 'n3-loss-mean', 'resolved']]);
      const [a] = all;
      expect(a!.labels).toMatchObject({ role: 'n3-gateway', target: lab!.nsIp, check: 'hscn-router' });
      expect(a!.endedAt! - a!.startedAt).toBeGreaterThan(5000);

      const notes = hook!.deliveries.map((d) => JSON.parse(d.body) as Notification);
      expect(notes.map((n) => n.items.map((i) => `${i.status} ${i.ruleId} ${i.alertId}`))).toEqual([
        [`firing n3-loss-mean ${a!.id}`],
        [`resolved n3-loss-mean ${a!.id}`],
      ]);
      for (const d of hook!.deliveries) {
        const ts = d.headers['x-n3mon-timestamp'] as string;
        expect(d.headers['x-n3mon-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(`${ts}.${d.body}`).digest('hex')}`);
      }
      expect(notes[1]!.items[0]!.endedAt).toBe(new Date(a!.endedAt!).toISOString());
      expect(smtp!.mails.map((m) => m.subject)).toEqual(['[n3mon] CRITICAL LAB001 Lab Surgery: 1 firing', '[n3mon] RESOLVED LAB001 Lab Surgery: 1 resolved']);
      expect(smtp!.mails.every((m) => m.to.join() === 'desk@lab.invalid')).toBe(true);
    });
  },
);
