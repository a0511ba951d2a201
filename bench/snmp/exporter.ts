/**
 * The peer: Prometheus snmp_exporter (Debian's `prometheus-snmp-exporter`, 0.21) on the same
 * simulated devices, scraped the way Prometheus would (every target at once, each scrape one HTTP
 * request), every scrape checked.
 *
 * Debian ships no MIBs and no usable snmp.yml, so the module is written here from numeric OIDs: the
 * same 15 IF-MIB / IF-MIB-X columns the n3mon probe reads (walked every scrape: snmp_exporter has no
 * discovery), the same scalars (one GET), ifDescr/ifName/ifAlias as lookups on every interface
 * series (what the generator's `if_mib` does), SNMP v2c, max-repetitions, retries and timeout as
 * the n3mon checks have them. In 0.21 the community is part of the module, and snmpsimd tells its
 * devices apart by community, so there is one module per device (YAML anchors keep the file short).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { COLUMNS, IF_NUMBER, IF_TABLE_LAST_CHANGE, SYS_DESCR, SYS_NAME, SYS_UPTIME, type ColumnName } from '../../agent/src/probes/snmp/oids.ts';
import { freeTcpPort, type Peer, startPeer } from './peer.ts';

export const SNMP_EXPORTER = '/usr/bin/prometheus-snmp-exporter';

/** ifHCInOctets rows of the Debian Cisco 3750 recording (59 interfaces, 55 with HC counters). */
export const HC_ROWS_PER_DEVICE = 55;

const TEXT_COLUMNS: ColumnName[] = ['ifDescr', 'ifName', 'ifAlias'];
const COUNTER_COLUMNS: ColumnName[] = [
  'ifInOctets',
  'ifOutOctets',
  'ifInErrors',
  'ifOutErrors',
  'ifInDiscards',
  'ifOutDiscards',
  'ifHCInOctets',
  'ifHCOutOctets',
];

export interface ExporterModule {
  maxRepetitions: number;
  retries: number;
  timeoutS: number;
}

/** snmp.yml (0.21 format: module name → module) with one module per community. */
export function exporterConfig(communities: readonly string[], m: ExporterModule): string {
  const ifIndex = '      indexes:\n      - labelname: ifIndex\n        type: gauge\n';
  const lookups =
    '      lookups:\n' +
    TEXT_COLUMNS.map((c) => `      - labels: [ifIndex]\n        labelname: ${c}\n        oid: ${COLUMNS[c]}\n        type: DisplayString\n`).join('');
  const metric = (name: string, oid: string, type: string, tail = ''): string => `    - name: ${name}\n      oid: ${oid}\n      type: ${type}\n${tail}`;
  const columnMetrics = (Object.keys(COLUMNS) as ColumnName[])
    .filter((c) => !TEXT_COLUMNS.includes(c))
    .map((c) => metric(c, COLUMNS[c], COUNTER_COLUMNS.includes(c) ? 'counter' : 'gauge', ifIndex + lookups));
  const scalars = [
    metric('sysUpTime', SYS_UPTIME.replace(/\.0$/, ''), 'gauge'),
    metric('ifNumber', IF_NUMBER.replace(/\.0$/, ''), 'gauge'),
    metric('ifTableLastChange', IF_TABLE_LAST_CHANGE.replace(/\.0$/, ''), 'gauge'),
    metric('sysName', SYS_NAME.replace(/\.0$/, ''), 'DisplayString'),
    metric('sysDescr', SYS_DESCR.replace(/\.0$/, ''), 'DisplayString'),
  ];
  const shared =
    '  walk:\n' +
    Object.values(COLUMNS)
      .map((oid) => `    - ${oid}\n`)
      .join('') +
    '  get:\n' +
    [SYS_DESCR, SYS_UPTIME, SYS_NAME, IF_NUMBER, IF_TABLE_LAST_CHANGE].map((oid) => `    - ${oid}\n`).join('') +
    '  metrics:\n' +
    [...scalars, ...columnMetrics].join('') +
    `  version: 2\n  max_repetitions: ${m.maxRepetitions}\n  retries: ${m.retries}\n  timeout: ${m.timeoutS}s\n`;
  return communities
    .map((c, i) => (i === 0 ? `${c}: &module\n${shared}  auth:\n    community: ${c}\n` : `${c}:\n  <<: *module\n  auth:\n    community: ${c}\n`))
    .join('');
}

/** Starts snmp_exporter on 127.0.0.1 with that config; resolves once it serves /metrics. */
export async function startExporter(dir: string, communities: readonly string[], m: ExporterModule): Promise<Peer> {
  const file = join(dir, 'snmp.yml');
  writeFileSync(file, exporterConfig(communities, m));
  const port = await freeTcpPort();
  return startPeer({
    name: 'snmp_exporter',
    spawn: () =>
      spawn(SNMP_EXPORTER, [`--config.file=${file}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'pipe', 'pipe'] }),
    port,
    readyPath: '/metrics',
  });
}

export interface Scrape {
  status: number;
  /** ifHCInOctets series in the answer. */
  hcSeries: number;
  /** Varbinds the exporter received (snmp_scrape_pdus_returned). */
  pdus: number;
  /** The exporter's own figure for the scrape (snmp_scrape_duration_seconds). */
  durationS: number;
  error?: string;
}

function get(port: number, path: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

const sampleValue = (body: string, name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(body)?.[1] ?? Number.NaN);

/** One scrape of one device, checked: HTTP 200, one ifHCInOctets series per HC row, no snmp_error. */
export async function scrape(port: number, device: { community: string; target: string }, timeoutMs: number): Promise<Scrape> {
  try {
    const { status, body } = await get(port, `/snmp?module=${device.community}&target=${encodeURIComponent(device.target)}`, timeoutMs);
    let hcSeries = 0;
    for (let at = body.indexOf('\nifHCInOctets{'); at >= 0; at = body.indexOf('\nifHCInOctets{', at + 1)) hcSeries++;
    const out: Scrape = {
      status,
      hcSeries,
      pdus: sampleValue(body, 'snmp_scrape_pdus_returned'),
      durationS: sampleValue(body, 'snmp_scrape_duration_seconds'),
    };
    if (status !== 200) out.error = `HTTP ${status}: ${body.trim().split('\n')[0]?.slice(0, 200) ?? ''}`;
    else if (body.includes('snmp_error')) out.error = 'snmp_error in the answer';
    else if (hcSeries !== HC_ROWS_PER_DEVICE) out.error = `${hcSeries} ifHCInOctets series (expected ${HC_ROWS_PER_DEVICE})`;
    return out;
  } catch (err) {
    return { status: 0, hcSeries: 0, pdus: 0, durationS: Number.NaN, error: (err as Error).message };
  }
}
