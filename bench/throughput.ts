/**
 * The throughput check beside iperf3 (issue 18), through the test lab's shaped links: for each
 * condition a lab namespace behind tc tbf (burst rate/8, 400 ms queue) — optionally over the TUN
 * delay link (test/lab/delay-link.ts) — a collector on this machine's end, iperf3's server and the
 * real `kind: throughput` probe in the namespace; the runs alternate iperf3 down, iperf3 up, the
 * check (down then up), so both see the same link and the same load
 * (test/integration/throughput/compare.ts). iperf3 runs `-t N -O 1` (its first second omitted, as
 * the check leaves out warmupMs) and reports the receiver's payload rate, as the check does.
 *
 * usage: npm run bench:throughput [-- --runs 5 --only 2mbit,20mbit,20mbit-40ms]
 * Needs root, ip, tc, python3, iperf3 and /dev/net/tun. Prints a table (Mbit/s; spread = (max −
 * min) / median; "marked": readings the check labelled `reading=…`, left out of its median);
 * no thresholds — the assertions are in test/integration/throughput/vs-iperf3.test.ts.
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { compareWithIperf3, median, spread, type Condition } from '../test/integration/throughput/compare.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, only: { type: 'string' } } });
const runs = Number(values.runs);
const CONDITIONS: Condition[] = [
  { name: '2mbit', rateKbit: 2000, delayMs: 0, sizeBytes: 4_000_000, warmupMs: 1000, iperfSeconds: 8 },
  { name: '20mbit', rateKbit: 20_000, delayMs: 0, sizeBytes: 16_000_000, warmupMs: 1000, iperfSeconds: 4 },
  { name: '20mbit-40ms', rateKbit: 20_000, delayMs: 20, sizeBytes: 16_000_000, warmupMs: 1000, iperfSeconds: 4 },
];
const only = values.only?.split(',');
const mbit = (bps: number): string => (bps / 1e6).toFixed(3);
const pct = (x: number): string => `${(x * 100).toFixed(2)} %`;

console.log(
  `throughput check vs iperf3: ${runs} runs per condition; ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
const rows: string[][] = [
  ['condition', 'dir', 'iperf3 median', 'iperf3 min–max', 'iperf3 spread', 'check median', 'check min–max', 'check spread', 'worst vs iperf3', 'marked'],
];
for (const condition of CONDITIONS.filter((c) => only === undefined || only.includes(c.name))) {
  const c = await compareWithIperf3(condition, runs, (line) => console.error(line));
  if (c.failures.length > 0) console.error(`${condition.name}: ${c.failures.join('; ')}`);
  for (const direction of ['down', 'up'] as const) {
    const ip = c.iperf3[direction];
    const trusted = c.check[direction].filter((r) => r.reading === undefined).map((r) => r.bps);
    const ref = median(ip);
    const worst = trusted.reduce((w, b) => Math.max(w, Math.abs(b / ref - 1)), 0);
    const marked = c.check[direction].filter((r) => r.reading !== undefined).map((r) => r.reading);
    rows.push([
      condition.name,
      direction,
      mbit(ref),
      `${mbit(Math.min(...ip))}–${mbit(Math.max(...ip))}`,
      pct(spread(ip)),
      trusted.length === 0 ? '-' : mbit(median(trusted)),
      trusted.length === 0 ? '-' : `${mbit(Math.min(...trusted))}–${mbit(Math.max(...trusted))}`,
      pct(spread(trusted)),
      pct(worst),
      marked.length === 0 ? '0' : `${marked.length} (${marked.join(', ')})`,
    ]);
  }
}
const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
for (const r of rows) console.log(r.map((cell, i) => cell.padEnd(widths[i] as number)).join('  '));
console.log(
  `load average after: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
