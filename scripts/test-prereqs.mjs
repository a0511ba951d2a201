// Before `npm test`: make sure the system tools the integration tests drive are here.
// On Debian as root it installs what is missing (apt, ~15 s cold); elsewhere it prints exactly
// what is missing and the tests that need it fail in CI (CI=true) or skip locally.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** apt package → a file it provides that the tests use. */
export const SYSTEM_PACKAGES = {
  'iputils-ping': '/usr/bin/ping',
  fping: '/usr/bin/fping',
  snmpd: '/usr/sbin/snmpd',
  snmp: '/usr/bin/snmpbulkwalk',
  snmpsim: '/usr/bin/snmpsimd',
  influxdb: '/usr/bin/influxd',
  // test/helpers/postgres-lab.ts: a private PostgreSQL 15 cluster per test file (the state database's postgres backend)
  postgresql: '/usr/lib/postgresql/15/bin/postgres',
  nftables: '/usr/sbin/nft',
  iproute2: '/usr/sbin/ip',
  // test/lab's ICMP delay responder (test/lab/icmp-delay-responder.py)
  python3: '/usr/bin/python3',
  chromium: '/usr/bin/chromium',
  'poppler-utils': '/usr/bin/pdftotext',
  openssl: '/usr/bin/openssl',
  // test/unit/deploy: `systemd-analyze verify` of the shipped units (no running systemd needed)
  systemd: '/usr/bin/systemd-analyze',
  // test/integration/collector/metrics-promtool.test.ts: `promtool check metrics` on /metrics (apt starts no service)
  prometheus: '/usr/bin/promtool',
  // test/integration/throughput/lab.test.ts and bench/throughput.ts: the reference beside the throughput check
  iperf3: '/usr/bin/iperf3',
  // agent/src/probes/trace (mtr per hop) and test/integration/trace: the path trace of a degraded icmp check
  'mtr-tiny': '/usr/bin/mtr',
  // test/e2e/ha/deploy-examples.test.ts: `haproxy -c` and `nginx -t` of deploy/ha/'s load balancer examples (apt starts no service where policy-rc.d denies it)
  haproxy: '/usr/sbin/haproxy',
  'nginx-light': '/usr/sbin/nginx',
};

const missing = Object.entries(SYSTEM_PACKAGES)
  .filter(([, file]) => !existsSync(file))
  .map(([pkg]) => pkg);
if (missing.length === 0) process.exit(0);

const isRoot = process.getuid?.() === 0;
const hasApt = existsSync('/usr/bin/apt-get');
if (isRoot && hasApt) {
  console.log(`test prerequisites: installing ${missing.join(' ')} (apt)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  if (r.status !== 0) {
    spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
    r = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  }
  if (r.status !== 0) {
    console.error('test prerequisites: apt-get install failed; the tests that need these will fail in CI or skip locally.');
  }
  process.exit(0);
}
console.error(
  `test prerequisites: missing system packages: ${missing.join(' ')}\n` +
    `  install them with: sudo apt-get install ${missing.join(' ')}\n` +
    '  (tests that need them are skipped locally and fail when CI=true)',
);
process.exit(0);
