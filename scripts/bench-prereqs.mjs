// Before a benchmark that runs the peers (`npm run bench:agent`): make sure the system tools it
// drives are here. Like scripts/test-prereqs.mjs, on Debian as root it installs what is missing
// (apt); unlike it, a package the bench needs that is still missing afterwards is an error
// (exit 1): a bench without its peers would print a table that compares nothing.
//
// usage: node scripts/bench-prereqs.mjs [BENCH…]   (default: every bench listed below)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** bench → apt package → a file it provides that the bench runs. */
export const BENCH_PACKAGES = {
  agent: {
    // the lab: HTTPS targets' certificate, simulated switches, the ICMP probe's ping and its fping path
    openssl: '/usr/bin/openssl',
    snmpsim: '/usr/bin/snmpsimd',
    'iputils-ping': '/usr/bin/ping',
    fping: '/usr/bin/fping',
    // the peers: the Prometheus exporter stack doing the same job
    'prometheus-blackbox-exporter': '/usr/bin/prometheus-blackbox-exporter',
    'prometheus-snmp-exporter': '/usr/bin/prometheus-snmp-exporter',
    'prometheus-node-exporter': '/usr/bin/prometheus-node-exporter',
  },
  // bench/snmp.ts: the simulated switches, and snmp_exporter polling them beside n3mon's poller
  snmp: {
    snmpsim: '/usr/bin/snmpsimd',
    'prometheus-snmp-exporter': '/usr/bin/prometheus-snmp-exporter',
  },
  // bench/national.ts: its own PostgreSQL cluster (state) and influxd (series)
  national: {
    'postgresql-15': '/usr/lib/postgresql/15/bin/postgres',
    influxdb: '/usr/bin/influxd',
  },
};

const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!(name in BENCH_PACKAGES)) {
    console.error(`bench prerequisites: unknown bench '${name}' (known: ${Object.keys(BENCH_PACKAGES).join(', ')})`);
    process.exit(2);
  }
}
const packages = {};
for (const name of wanted.length === 0 ? Object.keys(BENCH_PACKAGES) : wanted) Object.assign(packages, BENCH_PACKAGES[name]);

const missingNow = () =>
  Object.entries(packages)
    .filter(([, file]) => !existsSync(file))
    .map(([pkg]) => pkg);

let missing = missingNow();
if (missing.length === 0) process.exit(0);

const isRoot = process.getuid?.() === 0;
if (isRoot && existsSync('/usr/bin/apt-get')) {
  console.error(`bench prerequisites: installing ${missing.join(' ')} (apt)…`);
  // apt starts no services on this kind of machine; where it would, the bench's own instances
  // listen on other ports (it starts each exporter itself, on 127.0.0.1 and a free port).
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  if (install().status !== 0) {
    spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
    install();
  }
  missing = missingNow();
}
if (missing.length > 0) {
  console.error(
    `bench prerequisites: missing system packages: ${missing.join(' ')}\n` +
      `  install them with: sudo apt-get install ${missing.join(' ')}\n` +
      '  (the bench runs its peers itself and cannot compare without them)',
  );
  process.exit(1);
}
