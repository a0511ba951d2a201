// The quick start as a user meets it: `n3mon up` starts a collector and a local agent; within a
// minute the read API shows the demo practice with fresh ICMP, TCP, HTTP and host samples; the
// banner's admin password signs in to the dashboard.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exited, startCli } from '../helpers/cli.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function getJson(url: string, key: string): Promise<any> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  expect(res.status, url).toBe(200);
  return res.json();
}

describe('n3mon up', () => {
  it('serves live local measurements within a minute, prints a key and the admin password once, stops on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'n3mon-up-'));
    dirs.push(dataDir);
    const first = await startCli(['up', '--port', '0', '--data-dir', dataDir], /collector on (http:\/\/127\.0\.0\.1:\d+)[\s\S]*?(n3k_\S+)\n/);
    const [, url, key] = first.match as unknown as [string, string, string];
    try {
      const wanted = ['icmp_rtt_avg_ms', 'icmp_loss_ratio', 'tcp_connect_ms', 'http_total_ms', 'host_cpu_load_ratio', 'host_mem_used_ratio'];
      const deadline = Date.now() + 60_000;
      let metrics: string[] = [];
      while (Date.now() < deadline) {
        const detail = await getJson(`${url}/api/v1/practices/DEMO01`, key!);
        metrics = (detail.checks as { metrics: string[] }[]).flatMap((c) => c.metrics);
        if (wanted.every((m) => metrics.includes(m))) break;
        await new Promise((r) => setTimeout(r, 1000));
      }
      expect(metrics).toEqual(expect.arrayContaining(wanted));

      // The dashboard: the banner's admin password signs in, and the overview lists the demo practice.
      const admin = first.stdout().match(/Dashboard: (http:\/\/127\.0\.0\.1:\d+\/)\n\s+sign in as admin with password (\S+)/);
      expect(admin?.[1]).toBe(`${url}/`);
      const signIn = await fetch(`${url}/api/v1/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: admin?.[2] }),
      });
      expect(signIn.status).toBe(200);
      const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] as string;
      const overview = (await (await fetch(`${url}/api/v1/overview`, { headers: { cookie } })).json()) as { items: { ods: string }[] };
      expect(overview.items.map((p) => p.ods)).toEqual(['DEMO01']);
      const list = await getJson(`${url}/api/v1/practices`, key!);
      expect(list.items[0]).toMatchObject({ ods: 'DEMO01', status: 'ok' });
      const series = await getJson(`${url}/api/v1/practices/DEMO01/series?metric=icmp_loss_ratio`, key!);
      expect(series.series[0].labels).toMatchObject({ target: '127.0.0.1', role: 'lan-gateway' });
      expect(series.series[0].points.at(-1).max).toBe(0);
      // Everything the demo measures is on this machine.
      for (const c of (await getJson(`${url}/api/v1/practices/DEMO01`, key!)).checks as { target: string }[]) {
        expect(c.target === undefined || /^(127\.0\.0\.1|http:\/\/127\.0\.0\.1)|^[^.:/]+$/.test(c.target), c.target).toBe(true);
      }
    } finally {
      first.child.kill('SIGTERM');
      expect(await exited(first.child)).toBe(0);
    }

    // A second start on the same data dir: no new key, but how to get one.
    const second = await startCli(['up', '--port', '0', '--data-dir', dataDir], /stop: Ctrl-C/);
    expect(second.stdout()).not.toMatch(/n3k_/);
    expect(second.stdout()).not.toMatch(/with password/);
    expect(second.stdout()).toMatch(/user password --username admin/);
    expect(second.stdout()).toMatch(/apikey create --role servicedesk/);
    second.child.kill('SIGTERM');
    expect(await exited(second.child)).toBe(0);
  }, 120_000);
});
