/**
 * The throughput check beside iperf3, through one shaped lab link, in the same run: a collector on
 * this machine's end of the link, iperf3's server and the real probe (./probe-in-ns.ts) in the lab
 * namespace; the runs alternate — iperf3 down, iperf3 up, the check (down then up) — so both see
 * the same link and the same machine load. Used by lab.test.ts (assertions) and
 * bench/throughput.ts (a table for docs/performance.md).
 *
 * Directions are the practice's: down = collector → namespace (iperf3's client on this machine
 * sends), up = namespace → collector (iperf3 -R). iperf3 runs `-t iperfSeconds -O 1`: its first
 * second (slow start, the shaper's initial burst) is omitted as the check leaves out warmupMs; its
 * figure is the receiver's (`end.sum_received`), payload bits per second, as the check's.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { silentLogger } from '../../../shared/src/log.ts';
import { parseCollectorConfig } from '../../../collector/src/config/load.ts';
import { startCollector, type RunningCollector } from '../../../collector/src/collector.ts';
import { createAgentToken } from '../../../collector/src/auth/credentials.ts';
import { createLab, waitForOutput, type Lab } from '../../lab/lab.ts';
import { addDelayLink, type DelayLink } from '../../lab/delay-link.ts';

const RUNNER = fileURLToPath(new URL('./probe-in-ns.ts', import.meta.url));
const IPERF_PORT = 15201;
const ODS = 'T00018';

export interface Condition {
  name: string;
  rateKbit: number;
  /** Added each way (test/lab/delay-link.ts); 0: the plain veth pair. */
  delayMs: number;
  /** The check's sizeBytes (it starts at 2 MB and grows to this on a fast link). */
  sizeBytes: number;
  warmupMs: number;
  iperfSeconds: number;
}

export interface CheckReading {
  bps: number;
  /** The probe's `reading` label: undefined when trusted. */
  reading: string | undefined;
  /** The probe's own account (steps, window, idle time, receiver lag). */
  detail: Record<string, unknown>;
}

export interface Comparison {
  condition: Condition;
  iperf3: { down: number[]; up: number[] };
  check: { down: CheckReading[]; up: CheckReading[] };
  /** The check's failures (outcome and message), if any run failed. */
  failures: string[];
}

function iperf3(args: string[], timeoutMs: number): Promise<{ ok: true; bps: number } | { ok: false; error: string }> {
  return new Promise((resolve) => {
    execFile('iperf3', args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout) => {
      try {
        const j = JSON.parse(stdout) as { error?: string; end?: { sum_received?: { bits_per_second?: number } } };
        const bps = j.end?.sum_received?.bits_per_second;
        if (typeof bps === 'number' && j.error === undefined) resolve({ ok: true, bps });
        else resolve({ ok: false, error: j.error ?? 'no sum_received' });
      } catch (parseErr) {
        resolve({ ok: false, error: `${String(err ?? parseErr)}: ${stdout.slice(0, 200)}` });
      }
    });
  });
}

/**
 * One iperf3 test. "The server is busy" or a reset of the control connection (the previous test
 * still closing on the server) is retried, 10 times at most.
 */
async function iperf3Run(server: string, seconds: number, reverse: boolean): Promise<number> {
  const args = ['-c', server, '-p', String(IPERF_PORT), '-t', String(seconds), '-O', '1', '-J', ...(reverse ? ['-R'] : [])];
  let last = '';
  for (let attempt = 0; attempt < 10; attempt++) {
    const r = await iperf3(args, (seconds + 20) * 1000);
    if (r.ok) return r.bps;
    last = r.error;
    if (!/busy|reset by peer|unable to connect/i.test(r.error)) break;
    await new Promise((res) => setTimeout(res, 200));
  }
  throw new Error(`iperf3 ${args.join(' ')}: ${last}`);
}

export async function compareWithIperf3(condition: Condition, runs: number, progress: (line: string) => void = () => undefined): Promise<Comparison> {
  const dir = mkdtempSync(join(tmpdir(), 'n3mon-throughput-compare-'));
  let lab: Lab | undefined;
  let link: DelayLink | undefined;
  let collector: RunningCollector | undefined;
  let runner: ReturnType<typeof spawn> | undefined;
  const out: Comparison = { condition, iperf3: { down: [], up: [] }, check: { down: [], up: [] }, failures: [] };
  try {
    lab = await createLab({ name: `throughput-${condition.name}` });
    let hostAddr = lab.hostIp;
    let nsAddr = lab.nsIp;
    if (condition.delayMs > 0) {
      link = await addDelayLink(lab, { delayMs: condition.delayMs });
      await link.shape({ rateKbit: condition.rateKbit });
      hostAddr = link.hostIp;
      nsAddr = link.nsIp;
    } else {
      await lab.shape({ rateKbit: condition.rateKbit });
    }
    const config = parseCollectorConfig(
      {
        listen: { host: hostAddr, port: 0 },
        dataDir: join(dir, 'collector'),
        practices: [{ ods: ODS, name: 'Throughput Lab Surgery' }],
        storage: { synchronous: 'normal' },
        throughput: { maxBytes: 100_000_000, perAgentPerHour: 600, maxConcurrent: 1 },
      },
      'throughput lab collector',
    );
    collector = await startCollector(config, { log: silentLogger() });
    const token = (await createAgentToken(collector.meta, { practice: ODS, agent: 'lab' })).token;

    const server = lab.spawnInNs('iperf3', ['-s', '--forceflush', '-B', nsAddr, '-p', String(IPERF_PORT)]);
    if (!(await waitForOutput(server, /Server listening/, 5000))) throw new Error(`iperf3 server did not start: ${server.output()}`);

    const check = { sizeBytes: condition.sizeBytes, maxDurationMs: 15_000, warmupMs: condition.warmupMs };
    runner = spawn('ip', ['netns', 'exec', lab.ns, process.execPath, '--import', 'tsx', RUNNER, collector.url, token, JSON.stringify(check)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let errText = '';
    runner.stderr?.setEncoding('utf8').on('data', (d: string) => (errText += d));
    const lines = createInterface({ input: runner.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
    const next = async (): Promise<string> => {
      const r = await Promise.race([
        lines.next(),
        new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`probe runner silent for 120 s: ${errText.slice(-2000)}`)), 120_000).unref()),
      ]);
      if (r.done === true) throw new Error(`probe runner exited: ${errText.slice(-2000)}`);
      return r.value;
    };
    if ((await next()) !== 'ready') throw new Error(`probe runner did not start: ${errText}`);

    for (let i = 0; i < runs; i++) {
      out.iperf3.down.push(await iperf3Run(nsAddr, condition.iperfSeconds, false));
      out.iperf3.up.push(await iperf3Run(nsAddr, condition.iperfSeconds, true));
      runner.stdin?.write('run\n');
      const r = JSON.parse(await next()) as {
        outcome: string;
        message?: string;
        samples: Array<{ metric: string; value: number; labels?: Record<string, string> }>;
        measured: Array<Record<string, unknown>>;
      };
      if (r.outcome !== 'success') out.failures.push(`${r.outcome}: ${r.message ?? ''}`);
      for (const s of r.samples) {
        const direction = s.metric === 'throughput_down_bps' ? 'down' : 'up';
        const detail = r.measured.find((m) => m.direction === direction) ?? {};
        out.check[direction].push({ bps: s.value, reading: s.labels?.reading, detail });
      }
      progress(
        `${condition.name} run ${i + 1}/${runs}: iperf3 ${fmt(out.iperf3.down.at(-1))}/${fmt(out.iperf3.up.at(-1))}, check ${fmt(out.check.down.at(-1)?.bps)}${tag(out.check.down.at(-1))}/${fmt(out.check.up.at(-1)?.bps)}${tag(out.check.up.at(-1))} Mbit/s (down/up)`,
      );
    }
    return out;
  } finally {
    if (runner !== undefined && runner.pid !== undefined && runner.exitCode === null) {
      runner.stdin?.end();
      const closed = new Promise<void>((res) => runner?.once('close', () => res()));
      const timer = setTimeout(() => runner?.pid !== undefined && process.kill(runner.pid, 'SIGKILL'), 3000);
      await closed;
      clearTimeout(timer);
    }
    await link?.stop();
    await lab?.destroy();
    await collector?.stop({ graceMs: 1000 });
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (bps: number | undefined): string => (bps === undefined ? '-' : (bps / 1e6).toFixed(3));
const tag = (r: CheckReading | undefined): string => {
  const d = r?.detail ?? {};
  const n = (k: string): number => Math.round(Number(d[k] ?? 0));
  return `${r?.reading === undefined ? '' : ` [${r.reading}]`} (idle ${n('idleMs')} lag ${n('receiverLagMs')} lateEnd ${n('lateEndMs')} of ${n('windowMs')} ms)`;
};

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/** (max − min) / median. */
export const spread = (xs: readonly number[]): number => (xs.length < 2 ? 0 : (Math.max(...xs) - Math.min(...xs)) / median(xs));
