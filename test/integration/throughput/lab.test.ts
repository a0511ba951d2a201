/**
 * The throughput test through a shaped link, for real: a collector listens on the host end of a
 * lab veth pair; the real agent (scheduler, `kind: throughput` probe, spool, pusher) runs inside
 * the lab namespace; tc tbf limits both directions to 2 Mbit/s; the rates the agent measured
 * arrive at the collector like any sample and are read back through the read API.
 *
 * What "2 Mbit/s" is: tbf `rate 2000kbit` = 2,000,000 bit/s of frames on the veth, Ethernet
 * header included (tbf counts skb->len). A full TCP segment carries 1448 payload bytes (MSS 1460
 * less 12 bytes of timestamp option) in a 1514-byte frame, so the payload (what the probe reports,
 * and what a practice gets) tops out at 2e6 × 1448 / 1514 = 1.913 Mbit/s — ENVIRONMENT.md measured
 * 1.91. The test asks for the "within 10 % of 2 Mbit/s" and, tighter, within 5 % of that
 * payload ceiling: bits-vs-bytes, kilo-vs-kibi or counting the connection set-up would each miss
 * it, while the real error sources stay well inside (mark timing on a loaded machine ±50 ms over
 * a ~4 s window ≈ ±1.5 %; tbf's initial burst of 250 kbit falls in the excluded warm-up).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../../shared/src/log.ts';
import { parseCollectorConfig } from '../../../collector/src/config/load.ts';
import { startCollector, type RunningCollector } from '../../../collector/src/collector.ts';
import { createAgentToken, createApiKey } from '../../../collector/src/auth/credentials.ts';
import { skipUnlessLab } from '../../helpers/lab-guard.ts';
import { createLab, LAB_REQUIREMENTS, type Lab, type LabProcess } from '../../lab/lab.ts';

const RUNNER = fileURLToPath(new URL('./agent-in-ns.ts', import.meta.url));
const ODS = 'T00001';
const NOMINAL_BPS = 2_000_000;
const PAYLOAD_CEILING_BPS = (NOMINAL_BPS * 1448) / 1514;
/** The check's sizeBytes; at 2 Mbit/s its first transfer (all of sizeBytes, under the 2 MB first size: ~5 s) is long enough to time, so it is the one measured. */
const SIZE_BYTES = 1_200_000;

function exited(proc: LabProcess, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    if (proc.child.exitCode !== null) {
      resolve(proc.child.exitCode);
      return;
    }
    const timer = setTimeout(() => resolve(null), timeoutMs);
    proc.child.once('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe.skipIf(skipUnlessLab({ ...LAB_REQUIREMENTS, files: [...LAB_REQUIREMENTS.files, '/usr/sbin/tc'] }))(
  'throughput test through a tbf-shaped 2 Mbit/s link',
  () => {
    let lab: Lab | undefined;
    let collector: RunningCollector | undefined;
    const dir = mkdtempSync(join(tmpdir(), 'n3mon-throughput-lab-'));

    beforeAll(async () => {
      lab = await createLab({ name: 'throughput' });
      const config = parseCollectorConfig(
        {
          listen: { host: lab.hostIp, port: 0 },
          dataDir: join(dir, 'collector'),
          practices: [{ ods: ODS, name: 'Throughput Test Surgery' }],
          storage: { synchronous: 'normal' },
          throughput: { maxBytes: 2_000_000, perAgentPerHour: 2, maxConcurrent: 1 },
        },
        'lab collector',
      );
      collector = await startCollector(config, { log: silentLogger() });
      await lab.shape({ rateKbit: 2000 });
    }, 30_000);

    afterAll(async () => {
      await lab?.destroy();
      await collector?.stop({ graceMs: 1000 });
      rmSync(dir, { recursive: true, force: true });
    });

    it('the agent in the namespace measures 2 Mbit/s down and up; the collector stores both', async () => {
      const c = collector as RunningCollector;
      const token = (await createAgentToken(c.meta, { practice: ODS, agent: 'lab' })).token;
      const file = join(dir, 'agent.json');
      writeFileSync(
        file,
        JSON.stringify({
          // Plain http to the lab's address: the path is this machine's own veth pair.
          collector: { url: c.url, token, allowInsecure: true },
          spool: { dir: join(dir, 'spool') },
          push: { intervalMs: 500 },
          checks: [{ kind: 'throughput', intervalMs: 300_000, sizeBytes: SIZE_BYTES, maxDurationMs: 10_000, warmupMs: 1000, offCoreHoursOnly: false }],
        }),
      );
      const proc = (lab as Lab).spawnInNs(process.execPath, ['--import', 'tsx', RUNNER, file, '40000']);
      const code = await exited(proc, 50_000);
      const lines = proc
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const measured = lines.filter((l) => l.msg === 'throughput measured');
      const summary = lines.find((l) => 'done' in l);
      // Shown in the test output: what the probe saw, for anyone tuning the tolerance.
      console.log(
        JSON.stringify({
          measured: measured.map(({ direction, bytes, windowBytes, windowMs, warmupMs, bps }) => ({ direction, bytes, windowBytes, windowMs, warmupMs, bps })),
          summary,
        }),
      );
      expect(code, proc.output().slice(-3000)).toBe(0);
      expect(summary?.done).toBe(true);

      const key = (await createApiKey(c.meta, { role: 'servicedesk' })).key;
      const read = async (metric: string): Promise<Array<{ labels: Record<string, string>; points: Array<{ count: number; min: number; max: number }> }>> => {
        const q = new URLSearchParams({ metric, from: String(Date.now() - 600_000), to: String(Date.now() + 60_000), step: '1h' });
        const res = await fetch(`${c.url}/api/v1/practices/${ODS}/series?${q}`, { headers: { authorization: `Bearer ${key}` } });
        expect(res.status).toBe(200);
        return ((await res.json()) as { series: Array<{ labels: Record<string, string>; points: Array<{ count: number; min: number; max: number }> }> }).series;
      };
      const success = await read('probe_success');
      expect(success.map((s) => [s.labels.outcome, s.labels.target, s.labels.role, s.points[0]?.max])).toEqual([['success', 'collector', 'internet', 1]]);
      for (const metric of ['throughput_down_bps', 'throughput_up_bps']) {
        const series = await read(metric);
        expect(series).toHaveLength(1);
        const points = series[0]?.points ?? [];
        expect(points.map((p) => p.count)).toEqual([1]);
        const bps = points[0]?.max ?? 0;
        expect(Math.abs(bps / NOMINAL_BPS - 1), `${metric} ${bps} bit/s vs nominal 2 Mbit/s`).toBeLessThanOrEqual(0.1);
        expect(Math.abs(bps / PAYLOAD_CEILING_BPS - 1), `${metric} ${bps} bit/s vs payload ceiling ${Math.round(PAYLOAD_CEILING_BPS)}`).toBeLessThanOrEqual(
          0.05,
        );
      }
      // Each direction excluded its warm-up and was measured over most of the transfer.
      expect(measured.map((m) => m.direction)).toEqual(['down', 'up']);
      for (const m of measured) {
        expect(m.warmupMs as number).toBeGreaterThanOrEqual(1000);
        // The window is what is left after the warm-up (~2.5–4 s of ~5 s here), less a late last read
        // (lateEnd): the link sets it, not the machine, but it may end a read early (CI: 1,951 ms).
        expect(m.windowMs as number).toBeGreaterThan(1000);
        expect(m.windowBytes as number).toBeGreaterThan(0.3 * (m.bytes as number));
        // The first transfer (sizeBytes, ~5 s at 1.91 Mbit/s) lasted long enough to time: no bigger one.
        expect(m.steps).toEqual([SIZE_BYTES]);
        expect(m.bytes).toBe(SIZE_BYTES);
      }

      // This agent's budget (throughput.perAgentPerHour: 2) is spent: the next transfer is refused.
      const again = await fetch(`${c.url}/api/v1/throughput/download?bytes=1000`, { headers: { authorization: `Bearer ${token}` } });
      expect(again.status).toBe(429);
      expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(3500);
    }, 70_000);
  },
);
