/**
 * The peer of bench/agent.ts: the Prometheus exporter stack a service desk would otherwise deploy
 * on a practice server — Debian's blackbox_exporter (ICMP and HTTP probes), snmp_exporter (IF-MIB)
 * and node_exporter (host metrics) — each started from /usr/bin on 127.0.0.1 with its own config
 * in the bench's temp dir, stopped by PID. The bench itself plays Prometheus: it scrapes them on
 * the reference schedule (scrapeSchedule) and checks every scrape.
 *
 * ICMP: blackbox's icmp prober sends ONE echo request per probe. A Prometheus gets n3mon's
 * "20 per target per 30 s" from it with a scrape interval of 30 s / 20 = 1.5 s per target — the
 * same packets per target and round, spread evenly over the round instead of a 10 s burst. That
 * is what the bench does (targets staggered across the 1.5 s).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { stopChild } from './spawn.ts';

export const EXPORTERS = {
  blackbox: '/usr/bin/prometheus-blackbox-exporter',
  snmp: '/usr/bin/prometheus-snmp-exporter',
  node: '/usr/bin/prometheus-node-exporter',
} as const;

/** The IF-MIB columns n3mon's snmp probe reads (agent/src/probes/snmp/oids.ts COLUMNS), as snmp_exporter metrics. */
const IF_COLUMNS: { name: string; oid: string; type: string }[] = [
  { name: 'ifDescr', oid: '1.3.6.1.2.1.2.2.1.2', type: 'DisplayString' },
  { name: 'ifSpeed', oid: '1.3.6.1.2.1.2.2.1.5', type: 'gauge' },
  { name: 'ifOperStatus', oid: '1.3.6.1.2.1.2.2.1.8', type: 'gauge' },
  { name: 'ifInOctets', oid: '1.3.6.1.2.1.2.2.1.10', type: 'counter' },
  { name: 'ifInDiscards', oid: '1.3.6.1.2.1.2.2.1.13', type: 'counter' },
  { name: 'ifInErrors', oid: '1.3.6.1.2.1.2.2.1.14', type: 'counter' },
  { name: 'ifOutOctets', oid: '1.3.6.1.2.1.2.2.1.16', type: 'counter' },
  { name: 'ifOutDiscards', oid: '1.3.6.1.2.1.2.2.1.19', type: 'counter' },
  { name: 'ifOutErrors', oid: '1.3.6.1.2.1.2.2.1.20', type: 'counter' },
  { name: 'ifName', oid: '1.3.6.1.2.1.31.1.1.1.1', type: 'DisplayString' },
  { name: 'ifHCInOctets', oid: '1.3.6.1.2.1.31.1.1.1.6', type: 'counter' },
  { name: 'ifHCOutOctets', oid: '1.3.6.1.2.1.31.1.1.1.10', type: 'counter' },
  { name: 'ifHighSpeed', oid: '1.3.6.1.2.1.31.1.1.1.15', type: 'gauge' },
  { name: 'ifAlias', oid: '1.3.6.1.2.1.31.1.1.1.18', type: 'DisplayString' },
  { name: 'ifCounterDiscontinuityTime', oid: '1.3.6.1.2.1.31.1.1.1.19', type: 'gauge' },
];

/**
 * snmp.yml in the format Debian's snmp_exporter 0.21 reads (auth inside each module; the
 * separate `auths:` section came in 0.23): one module per simulated device, since each device's
 * v2c community differs. Every column walked on every scrape (snmp_exporter has no discovery).
 */
export function snmpYaml(communities: readonly string[]): string {
  const metric = (c: (typeof IF_COLUMNS)[number]): string[] => [
    `    - name: ${c.name}`,
    `      oid: ${c.oid}`,
    `      type: ${c.type}`,
    `      help: IF-MIB ${c.name}`,
    '      indexes:',
    '      - labelname: ifIndex',
    '        type: gauge',
  ];
  const lines: string[] = [];
  for (const community of communities) {
    lines.push(`${community}:`, '  walk:', ...IF_COLUMNS.map((c) => `  - ${c.oid}`), '  metrics:');
    for (const c of IF_COLUMNS) lines.push(...metric(c).map((l) => l.slice(2)));
    lines.push('  version: 2', '  max_repetitions: 25', '  retries: 3', '  timeout: 5s', '  auth:', `    community: ${community}`);
  }
  return `${lines.join('\n')}\n`;
}

export function blackboxYaml(caFile: string): string {
  return [
    'modules:',
    '  icmp:',
    '    prober: icmp',
    '    timeout: 1s',
    '    icmp:',
    '      preferred_ip_protocol: ip4',
    '      ip_protocol_fallback: false',
    '      payload_size: 56',
    '  http:',
    '    prober: http',
    '    timeout: 10s',
    '    http:',
    '      preferred_ip_protocol: ip4',
    '      ip_protocol_fallback: false',
    '      tls_config:',
    `        ca_file: ${caFile}`,
    '',
  ].join('\n');
}

async function freeTcpPort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface Exporter {
  name: string;
  child: ChildProcess;
  url: string;
}

export interface ExporterStack {
  blackbox: Exporter;
  snmp: Exporter;
  node: Exporter;
  pids(): number[];
  stop(): Promise<void>;
}

async function waitReady(e: Exporter, deadlineMs: number, log: () => string): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    if (e.child.exitCode !== null || e.child.signalCode !== null) throw new Error(`${e.name} exited before it was ready: ${log().slice(-800)}`);
    try {
      const res = await fetch(`${e.url}/`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status < 500) return;
    } catch (err) {
      // Not listening yet: try again until the deadline.
      if (Date.now() > until) throw new Error(`${e.name} not ready within ${deadlineMs} ms (${(err as Error).message}): ${log().slice(-800)}`);
    }
    if (Date.now() > until) throw new Error(`${e.name} not ready within ${deadlineMs} ms: ${log().slice(-800)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts the three exporters (configs written into `dir`); resolves when each answers HTTP. */
export async function startExporterStack(opts: { dir: string; caFile: string; communities: readonly string[] }): Promise<ExporterStack> {
  const blackboxConfig = join(opts.dir, 'blackbox.yml');
  const snmpConfig = join(opts.dir, 'snmp.yml');
  writeFileSync(blackboxConfig, blackboxYaml(opts.caFile));
  writeFileSync(snmpConfig, snmpYaml(opts.communities));
  const children: ChildProcess[] = [];
  const start = async (name: keyof typeof EXPORTERS, args: string[]): Promise<Exporter> => {
    const port = await freeTcpPort();
    const child = spawn(EXPORTERS[name], [`--web.listen-address=127.0.0.1:${port}`, '--log.level=warn', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    const keep = (d: Buffer): void => {
      out = (out + d.toString('utf8')).slice(-8000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('error', (err) => {
      out += `\nspawn error: ${err.message}`;
    });
    const e = { name: `${name}_exporter`, child, url: `http://127.0.0.1:${port}` };
    await waitReady(e, 15_000, () => out);
    return e;
  };
  try {
    const [blackbox, snmp, node] = await Promise.all([
      start('blackbox', [`--config.file=${blackboxConfig}`]),
      start('snmp', [`--config.file=${snmpConfig}`]),
      // node_exporter as packaged (its default collectors); its textfile directory is an empty dir of ours.
      start('node', [`--collector.textfile.directory=${opts.dir}`]),
    ]);
    return {
      blackbox,
      snmp,
      node,
      pids: () => children.map((c) => c.pid).filter((p): p is number => p !== undefined && p > 0),
      stop: async () => {
        await Promise.all(children.map((c) => stopChild(c)));
      },
    };
  } catch (err) {
    await Promise.all(children.map((c) => stopChild(c)));
    throw err;
  }
}
