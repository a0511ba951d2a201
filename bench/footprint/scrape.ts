/**
 * The bench playing Prometheus for the exporter stack (./exporters.ts): the reference practice's
 * job as scrape jobs, each scrape checked.
 *
 * - icmp: blackbox `module=icmp`, every target every 30 s / 20 = 1.5 s (one echo request per
 *   probe, so 20 per target per 30 s), targets staggered across the 1.5 s;
 * - http: blackbox `module=http`, 8 targets every 60 s, staggered;
 * - snmp: snmp_exporter, 4 devices every 60 s, staggered;
 * - host: node_exporter /metrics every 60 s.
 * A scrape succeeds on HTTP 200 and, for blackbox, `probe_success 1`; for snmp_exporter, the
 * device's 48 ports by ifName and an `ifHCInOctets` series for each; for node_exporter, `node_cpu_seconds_total` present.
 * Bounded: the loop ends at `untilMs` (and on stop()).
 */
import type { ExporterStack } from './exporters.ts';

export interface ScrapeJob {
  name: string;
  intervalMs: number;
  /** URLs, one per target; target i is first scraped at i × intervalMs / urls.length. */
  urls: string[];
  check: (status: number, body: string) => string | undefined;
}

export interface JobTally {
  name: string;
  scrapes: number;
  failed: number;
  firstFailure?: string;
}

const probeOk = (status: number, body: string): string | undefined => {
  if (status !== 200) return `HTTP ${status}`;
  return /^probe_success 1$/m.test(body) ? undefined : `probe_success not 1: ${/^probe_success .*$/m.exec(body)?.[0] ?? '(absent)'}`;
};

export function referenceJobs(opts: {
  stack: ExporterStack;
  icmpTargets: readonly string[];
  icmpCount: number;
  icmpIntervalMs: number;
  httpTargets: readonly string[];
  snmpTarget: string;
  communities: readonly string[];
  /** Ports expected per device (ifName starting with snmpPortPrefix), each with its ifHCInOctets. */
  snmpInterfaces: number;
  snmpPortPrefix: string;
}): ScrapeJob[] {
  const bb = (module: string, target: string): string => `${opts.stack.blackbox.url}/probe?module=${module}&target=${encodeURIComponent(target)}`;
  return [
    { name: 'icmp', intervalMs: opts.icmpIntervalMs / opts.icmpCount, urls: opts.icmpTargets.map((t) => bb('icmp', t)), check: probeOk },
    { name: 'http', intervalMs: 60_000, urls: opts.httpTargets.map((t) => bb('http', t)), check: probeOk },
    {
      name: 'snmp',
      intervalMs: 60_000,
      urls: opts.communities.map((c) => `${opts.stack.snmp.url}/snmp?module=${c}&target=${encodeURIComponent(opts.snmpTarget)}`),
      check: (status, body) => {
        if (status !== 200) return `HTTP ${status}: ${body.slice(0, 200)}`;
        // The device has more interfaces than the 48 ports n3mon selects; snmp_exporter reads whole columns.
        const lines = body.split('\n');
        const ports = lines.filter((l) => l.startsWith('ifName{') && l.includes(`ifName="${opts.snmpPortPrefix}`)).length;
        const counters = lines.filter((l) => l.startsWith('ifHCInOctets{')).length;
        if (ports !== opts.snmpInterfaces) return `${ports} ifName series of ${opts.snmpPortPrefix}*, expected ${opts.snmpInterfaces}`;
        return counters >= ports ? undefined : `${counters} ifHCInOctets series for ${ports} ports`;
      },
    },
    {
      name: 'host',
      intervalMs: 60_000,
      urls: [`${opts.stack.node.url}/metrics`],
      check: (status, body) => (status !== 200 ? `HTTP ${status}` : body.includes('\nnode_cpu_seconds_total{') ? undefined : 'no node_cpu_seconds_total'),
    },
  ];
}

/** Runs the jobs until `untilMs` (epoch ms); resolves with a tally per job once the last scrape answered. */
export async function runScrapes(jobs: readonly ScrapeJob[], untilMs: number, stopped: () => boolean): Promise<JobTally[]> {
  const t0 = Date.now();
  const one = async (job: ScrapeJob, tally: JobTally, url: string, offsetMs: number): Promise<void> => {
    for (let k = 0; ; k++) {
      const at = t0 + offsetMs + k * job.intervalMs;
      if (at >= untilMs || stopped()) return;
      await new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));
      if (stopped()) return;
      tally.scrapes++;
      let why: string | undefined;
      try {
        // Prometheus's default scrape timeout is 10 s.
        const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
        why = job.check(res.status, await res.text());
      } catch (err) {
        why = (err as Error).message;
      }
      if (why !== undefined) {
        tally.failed++;
        tally.firstFailure ??= `${url}: ${why}`;
      }
    }
  };
  const tallies: JobTally[] = [];
  const runs: Promise<void>[] = [];
  for (const job of jobs) {
    const tally: JobTally = { name: job.name, scrapes: 0, failed: 0 };
    tallies.push(tally);
    job.urls.forEach((url, i) => {
      runs.push(one(job, tally, url, (i * job.intervalMs) / job.urls.length));
    });
  }
  await Promise.all(runs);
  return tallies;
}
