/**
 * Issue 18: the throughput check reads as steadily as iperf3. Through the test lab's shaped link
 * (tbf, burst rate/8, 400 ms queue) — at 2 Mbit/s, at 20 Mbit/s, and at 20 Mbit/s with 20 ms added
 * each way (40 ms more round trip, test/lab/delay-link.ts), where TCP's ramp-up matters — iperf3
 * (Debian's package) and the real check run in turns, three times each, both directions, in the
 * same run (./compare.ts). Every trusted reading of the check is within 3 % of iperf3's best reading
 * from that run, and the spread of the check's readings is at most twice iperf3's (or 0.5 %, the
 * resolution of three short runs, when iperf3's is smaller still). A reading the check marks as
 * untrustworthy (`reading` label) is not compared, but at most one per direction may be marked.
 *
 * iperf3 runs `-t N -O 1`: steady state after its first second, as the check leaves out warmupMs;
 * at 2 Mbit/s N is 8 (its 3-second runs read 1.64–1.95 Mbit/s through this link's losses).
 * The best, not the median: on a loaded machine iperf3's own sender is sometimes starved and reads
 * low (a CI run at load 18 read up 1.738, 1.926 and 1.768 Mbit/s while the check read 1.912–1.913
 * each time); a starved sender only ever reads low, so the best of its runs is the link's rate,
 * and a check reading above it is still caught.
 * Runs after the rest of the suite, alone (vitest.config.ts ALONE); it must also pass with the
 * machine loaded, which comparing in the same run allows. About 4 minutes.
 */
import { describe, expect, it } from 'vitest';
import { skipUnlessLab } from '../../helpers/lab-guard.ts';
import { LAB_REQUIREMENTS } from '../../lab/lab.ts';
import { compareWithIperf3, spread, type Condition } from './compare.ts';

const RUNS = 3;
const CONDITIONS: Condition[] = [
  { name: '2mbit', rateKbit: 2000, delayMs: 0, sizeBytes: 4_000_000, warmupMs: 1000, iperfSeconds: 8 },
  { name: '20mbit', rateKbit: 20_000, delayMs: 0, sizeBytes: 16_000_000, warmupMs: 1000, iperfSeconds: 4 },
  { name: '20mbit-40ms', rateKbit: 20_000, delayMs: 20, sizeBytes: 16_000_000, warmupMs: 1000, iperfSeconds: 4 },
];
const TOLERANCE = 0.03;
const SPREAD_FLOOR = 0.005;

const requirements = { ...LAB_REQUIREMENTS, files: [...LAB_REQUIREMENTS.files, '/usr/bin/iperf3', '/dev/net/tun'] };

describe.skipIf(skipUnlessLab(requirements))('the throughput check beside iperf3 through the same shaped link', () => {
  for (const condition of CONDITIONS) {
    it(`${condition.name}: within 3 % of iperf3, spread at most twice iperf3's, both directions`, async () => {
      const c = await compareWithIperf3(condition, RUNS, (line) => console.log(line));
      expect(c.failures).toEqual([]);
      const table: Record<string, unknown> = {};
      for (const direction of ['down', 'up'] as const) {
        const ref = Math.max(...c.iperf3[direction]);
        const readings = c.check[direction];
        const trusted = readings.filter((r) => r.reading === undefined).map((r) => r.bps);
        table[direction] = {
          iperf3: c.iperf3[direction].map((b) => +(b / 1e6).toFixed(4)),
          check: readings.map((r) => `${(r.bps / 1e6).toFixed(4)}${r.reading === undefined ? '' : ` ${r.reading}`}`),
          iperf3Spread: +(spread(c.iperf3[direction]) * 100).toFixed(2),
          checkSpread: +(spread(trusted) * 100).toFixed(2),
        };
        expect(readings, direction).toHaveLength(RUNS);
        expect(trusted.length, `${direction}: readings marked untrustworthy: ${JSON.stringify(readings.map((r) => r.reading))}`).toBeGreaterThanOrEqual(
          RUNS - 1,
        );
        for (const bps of trusted) expect(Math.abs(bps / ref - 1), `${direction}: ${bps} bit/s vs iperf3's ${Math.round(ref)}`).toBeLessThanOrEqual(TOLERANCE);
        expect(spread(trusted), `${direction}: spread`).toBeLessThanOrEqual(Math.max(2 * spread(c.iperf3[direction]), SPREAD_FLOOR));
      }
      console.log(JSON.stringify({ condition: condition.name, ...table }));
    }, 240_000);
  }
});
