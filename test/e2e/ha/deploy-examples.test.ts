// deploy/ha/'s nginx and HAProxy examples: they parse (`nginx -t`, `haproxy -c`: Debian's nginx-light
// and haproxy are test prerequisites — with a throw-away self-signed certificate in place of the example's paths) and they
// say what docs/high-availability.md promises, checked against the collector's own facts (the
// ingest path, its body limit, the health path): round-robin with no sticky sessions, a health
// check on /healthz, ingest retried on the other collector on a connection error only (never on an
// answer or a timeout), other writes never retried, the throughput test streamed, and collector
// addresses that are documentation addresses, never a real one.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { INGEST_LIMITS, INGEST_PATH } from '../../../shared/src/wire.ts';
import { THROUGHPUT_PATHS } from '../../../shared/src/throughput.ts';
import { DEFAULT_LEASE_TTL_MS, LEASE_ROLES } from '../../../collector/src/ha/leases.ts';
import { skipUnlessLab } from '../../helpers/lab-guard.ts';

const HA = new URL('../../../deploy/ha/', import.meta.url);
const nginxConf = readFileSync(new URL('nginx.conf', HA), 'utf8');
const haproxyCfg = readFileSync(new URL('haproxy.cfg', HA), 'utf8');
const readme = readFileSync(new URL('README.md', HA), 'utf8');
const haDoc = readFileSync(new URL('../../../docs/high-availability.md', import.meta.url), 'utf8');
const HEALTH_PATH = '/healthz';
const THROUGHPUT_PREFIX = `${THROUGHPUT_PATHS.upload.slice(0, THROUGHPUT_PATHS.upload.lastIndexOf('/'))}/`;

const tmp = mkdtempSync(join(tmpdir(), 'n3mon-ha-examples-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The tool's path if it is installed (PATH or the usual sbin dirs), else undefined. */
function tool(name: string): string | undefined {
  for (const d of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/local/sbin'])) if (d !== '' && existsSync(join(d, name))) return join(d, name);
  return undefined;
}

/** A self-signed certificate and key in the temp dir (for the syntax checks only). */
function selfSigned(): { crt: string; key: string; pem: string } {
  const crt = join(tmp, 'collector.crt');
  const key = join(tmp, 'collector.key');
  const pem = join(tmp, 'collector.pem');
  if (!existsSync(pem)) {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=n3mon-test', '-keyout', key, '-out', crt], {
      stdio: 'ignore',
    });
    writeFileSync(pem, readFileSync(crt, 'utf8') + readFileSync(key, 'utf8'));
  }
  return { crt, key, pem };
}

/** nginx's blocks: each `name args {` … `}` with its directives (comments stripped), nested. */
interface Block {
  head: string;
  directives: string[];
  blocks: Block[];
}
function parseNginx(text: string): Block {
  const tokens = text
    .split('\n')
    .map((l) => l.replace(/#.*$/, ''))
    .join('\n')
    .match(/[^{};]+[{};]|[{};]/g) as string[];
  const root: Block = { head: '', directives: [], blocks: [] };
  const stack = [root];
  for (const raw of tokens) {
    const t = raw.trim();
    const top = stack.at(-1) as Block;
    if (t.endsWith('{')) {
      const b: Block = { head: t.slice(0, -1).trim(), directives: [], blocks: [] };
      top.blocks.push(b);
      stack.push(b);
    } else if (t === '}') {
      if (stack.length === 1) throw new Error('nginx.conf: unbalanced "}"');
      stack.pop();
    } else if (t.endsWith(';')) top.directives.push(t.slice(0, -1).trim().replace(/\s+/g, ' '));
    else if (t !== '') throw new Error(`nginx.conf: "${t}" is not ended by ";"`);
  }
  if (stack.length !== 1) throw new Error('nginx.conf: a block is not closed');
  return root;
}
const find = (b: Block, head: string): Block | undefined =>
  b.blocks.find((x) => x.head === head) ?? b.blocks.map((x) => find(x, head)).find((x) => x !== undefined);
const directive = (b: Block | undefined, name: string): string[] => (b?.directives ?? []).filter((d) => d === name || d.startsWith(`${name} `));

/** HAProxy's sections: a line without indentation starts one; its indented lines are its keywords. */
function parseHaproxy(text: string): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of text.split('\n')) {
    const l = line.replace(/#.*$/, '').trimEnd();
    if (l.trim() === '') continue;
    if (!/^\s/.test(l)) sections.set(l.trim(), (current = []));
    else if (current === undefined) throw new Error(`haproxy.cfg: "${l.trim()}" is outside any section`);
    else current.push(l.trim().replace(/\s+/g, ' '));
  }
  return sections;
}

/** Every upstream address is a documentation (RFC 5737) or loopback address: an example never points at a real machine. */
function exampleAddress(hostPort: string): boolean {
  return /^(192\.0\.2|198\.51\.100|203\.0\.113|127\.\d+\.\d+)\.\d+:\d+$/.test(hostPort);
}

describe('deploy/ha/nginx.conf', () => {
  const root = parseNginx(nginxConf);
  const http = find(root, 'http');
  const upstream = find(root, 'upstream n3mon_collectors');
  const tls = http?.blocks.find((b) => b.head === 'server' && directive(b, 'listen').some((l) => l.includes('ssl')));

  it('balances over two or more collectors round-robin, without sticky sessions, at example addresses', () => {
    const servers = directive(upstream, 'server').map((s) => s.split(' ')[1] as string);
    expect(servers.length).toBeGreaterThanOrEqual(2);
    for (const s of servers) expect(exampleAddress(s), s).toBe(true);
    for (const sticky of ['ip_hash', 'hash', 'sticky', 'least_conn']) expect(directive(upstream, sticky), sticky).toEqual([]);
    // Passive health: one failed connection takes a collector out for a while.
    for (const s of directive(upstream, 'server')) expect(s).toMatch(/max_fails=\d+ fail_timeout=\d+s/);
  });

  it('retries ingest on the other collector on a connection error only; other writes never', () => {
    const ingest = tls?.blocks.find((b) => b.head === `location = ${INGEST_PATH}`);
    expect(ingest, `location = ${INGEST_PATH}`).toBeDefined();
    expect(directive(ingest, 'proxy_next_upstream')).toEqual(['proxy_next_upstream error non_idempotent']);
    expect(directive(ingest, 'client_max_body_size')).toEqual([`client_max_body_size ${INGEST_LIMITS.maxBodyBytes / 1024 / 1024}m`]);
    const rest = tls?.blocks.find((b) => b.head === 'location /');
    expect(directive(rest, 'proxy_next_upstream')).toEqual(['proxy_next_upstream error']);
    // No location retries on a timeout or on an answer (503…), and only ingest on a POST.
    for (const b of tls?.blocks ?? [])
      for (const d of directive(b, 'proxy_next_upstream')) {
        expect(d, b.head).not.toMatch(/timeout|http_\d+|invalid_header/);
        if (d.includes('non_idempotent')) expect(b.head).toBe(`location = ${INGEST_PATH}`);
      }
    for (const b of tls?.blocks ?? []) expect(directive(b, 'proxy_pass'), b.head).toEqual(['proxy_pass http://n3mon_collectors']);
  });

  it('streams the throughput test and passes the client address and scheme on', () => {
    const throughput = tls?.blocks.find((b) => b.head === `location ${THROUGHPUT_PREFIX}`);
    expect(directive(throughput, 'proxy_buffering')).toEqual(['proxy_buffering off']);
    expect(directive(throughput, 'proxy_request_buffering')).toEqual(['proxy_request_buffering off']);
    expect(directive(throughput, 'proxy_next_upstream')).toEqual(['proxy_next_upstream off']);
    expect(directive(tls, 'proxy_set_header')).toEqual(
      expect.arrayContaining(['proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for', 'proxy_set_header X-Forwarded-Proto $scheme']),
    );
    expect(tls?.blocks.some((b) => b.head === `location = ${HEALTH_PATH}`)).toBe(true);
  });

  const nginx = tool('nginx');
  // Debian's nginx-light and haproxy are test prerequisites (scripts/test-prereqs.mjs): CI fails without them.
  it.skipIf(skipUnlessLab({ files: ['/usr/sbin/nginx'] }))('passes nginx -t (with a throw-away certificate)', () => {
    const { crt, key } = selfSigned();
    const conf = join(tmp, 'nginx.conf');
    writeFileSync(
      conf,
      nginxConf
        .replace('/etc/n3mon/tls/collector.crt', crt)
        .replace('/etc/n3mon/tls/collector.key', key)
        .replace('/run/n3mon-lb.pid', join(tmp, 'nginx.pid'))
        .replaceAll('/var/log/nginx/', `${tmp}/`),
    );
    execFileSync(nginx as string, ['-t', '-q', '-c', conf, '-p', tmp, '-e', join(tmp, 'error.log')], { stdio: 'pipe' });
  });
});

describe('deploy/ha/haproxy.cfg', () => {
  const sections = parseHaproxy(haproxyCfg);
  const backend = sections.get('backend n3mon_collectors') ?? [];

  it('has the global, defaults, frontend and backend sections; the frontend sends everything to the collectors', () => {
    expect([...sections.keys()]).toEqual(['global', 'defaults', 'frontend n3mon', 'backend n3mon_collectors']);
    expect(sections.get('frontend n3mon')).toContain('default_backend n3mon_collectors');
    expect(sections.get('defaults')).toEqual(expect.arrayContaining(['mode http', 'option forwardfor']));
  });

  it('balances round-robin over two or more collectors at example addresses, with a health check on /healthz and no sticky sessions', () => {
    expect(backend).toContain('balance roundrobin');
    expect(backend).toContain('option httpchk');
    expect(backend).toContain(`http-check send meth GET uri ${HEALTH_PATH}`);
    expect(backend).toContain('http-check expect status 200');
    const servers = backend.filter((l) => l.startsWith('server '));
    expect(servers.length).toBeGreaterThanOrEqual(2);
    for (const s of servers) {
      expect(exampleAddress(s.split(' ')[2] as string), s).toBe(true);
      expect(s).toMatch(/ check$/);
    }
    for (const l of backend) expect(l).not.toMatch(/^(cookie|stick|stick-table|balance source)\b/);
  });

  it('retries on the other collector on a connection error only, and replays a sent request only for ingest and GET', () => {
    expect(backend).toContain('retry-on conn-failure empty-response');
    expect(backend.some((l) => l.startsWith('option redispatch'))).toBe(true);
    expect(backend).toContain(`http-request disable-l7-retry unless { path ${INGEST_PATH} } || METH_GET`);
    expect(backend).toContain(`http-request disable-l7-retry if { path_beg ${THROUGHPUT_PREFIX} }`);
  });

  const haproxy = tool('haproxy');
  it.skipIf(skipUnlessLab({ files: ['/usr/sbin/haproxy'] }))('passes haproxy -c (with a throw-away certificate)', () => {
    const { pem } = selfSigned();
    const cfg = join(tmp, 'haproxy.cfg');
    writeFileSync(cfg, haproxyCfg.replace('/etc/n3mon/tls/collector.pem', pem));
    execFileSync(haproxy as string, ['-c', '-q', '-f', cfg], { stdio: 'pipe' });
  });
});

describe('deploy/ha/README.md', () => {
  it('names both examples, the checks that parse them and the health path', () => {
    for (const s of ['nginx.conf', 'haproxy.cfg', 'nginx -t', 'haproxy -c', `GET ${HEALTH_PATH}`, 'docs/high-availability.md']) expect(readme, s).toContain(s);
  });
});

describe('docs/high-availability.md', () => {
  it("names every lease role and the lease's default time to live", () => {
    for (const role of LEASE_ROLES) expect(haDoc, role).toContain(`\`${role}\``);
    expect(haDoc).toContain(`${DEFAULT_LEASE_TTL_MS / 1000} s`);
  });
});
