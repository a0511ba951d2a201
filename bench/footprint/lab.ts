/**
 * The bench's local lab: HTTP and HTTPS targets (self-signed certificate made with openssl), four
 * simulated 48-port switches in one snmpsimd (test/lab/snmp) and the fping peer. Everything listens on or pings 127.0.0.0/8 only.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';
import { makeTempDir, startSnmpsim, type Daemon } from '../../test/lab/snmp/daemons.ts';
import { ciscoInterfacesRecording, fastEthernetRates, writeDevice } from '../../test/lab/snmp/devices.ts';

/** A self-signed certificate for 127.0.0.1 (and localhost), also used as the agent's tls.caFile. */
export function selfSignedCert(dir: string): { certFile: string; keyFile: string } {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
      '-subj',
      '/CN=n3mon bench',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return { certFile, keyFile };
}

export interface HttpTargets {
  httpUrl: string;
  httpsUrl: string;
  /** Requests answered so far. */
  requests(): number;
  close(): Promise<void>;
}

/** One HTTP and one HTTPS server on 127.0.0.1 answering every path with a small JSON health body. */
export async function startHttpTargets(cert: { certFile: string; keyFile: string }): Promise<HttpTargets> {
  let requests = 0;
  const body = JSON.stringify({ status: 'ok', service: 'n3mon bench target' });
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    requests++;
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  const http = createHttpServer(handler);
  const https = createHttpsServer({ cert: readFileSync(cert.certFile), key: readFileSync(cert.keyFile) }, handler);
  const listen = (s: Server): Promise<number> =>
    new Promise((resolve, reject) => {
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const a = s.address();
        resolve(typeof a === 'object' && a !== null ? a.port : 0);
      });
    });
  const [hp, sp] = await Promise.all([listen(http), listen(https)]);
  const close = (s: Server): Promise<void> =>
    new Promise((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  return {
    httpUrl: `http://127.0.0.1:${hp}`,
    httpsUrl: `https://127.0.0.1:${sp}`,
    requests: () => requests,
    close: async () => {
      await Promise.all([close(http), close(https)]);
    },
  };
}

export interface SnmpDevices {
  daemon: Daemon;
  /** v2c communities, one per simulated device. */
  communities: string[];
}

/**
 * `count` copies of the recorded Cisco 3750 (48 FastEthernet ports with growing counters) in one
 * snmpsimd. Its own temp dir (removed by `daemon.dispose()`): as root snmpsimd runs as nobody, who
 * must be able to reach the data, which a private bench dir would not allow.
 */
export async function startSnmpDevices(count: number): Promise<SnmpDevices> {
  const dir = makeTempDir('bench-snmp');
  const dataDir = join(dir, 'snmprec');
  mkdirSync(dataDir, { recursive: true });
  const base = ciscoInterfacesRecording();
  const communities: string[] = [];
  for (let i = 1; i <= count; i++) {
    const name = `switch${i}`;
    writeDevice(dataDir, base, { name, ports: fastEthernetRates() });
    communities.push(name);
  }
  const daemon = await startSnmpsim({ dataDir, readyCommunity: communities[0] as string, dir });
  return { daemon, communities };
}

export interface Peer {
  child: ChildProcess;
  /** Resolves with the shell's own /proc stat fields (its children all reaped) when the loop ends. */
  done: Promise<{ statFields: string[]; rounds: number; answeringTargets: number }>;
}

/**
 * The peer: fping doing the agent's ICMP work — the same targets, `count` requests per target per
 * round, `pingIntervalMs` apart per target, one round every `roundMs` — driven by a bounded shell
 * loop that prints its own /proc/PID/stat last, so its children's CPU (cutime+cstime) is counted
 * exactly like the agent's.
 */
export function startFpingPeer(opts: {
  targets: readonly string[];
  count: number;
  pingIntervalMs: number;
  roundMs: number;
  rounds: number;
  logFile: string;
}): Peer {
  writeFileSync(opts.logFile, '');
  const fping = `fping -q -C ${opts.count} -p ${opts.pingIntervalMs} -t 1000 -b 56 ${opts.targets.join(' ')}`;
  const script = `i=0; while [ $i -lt ${opts.rounds} ]; do ${fping} 2>>'${opts.logFile}' & sleep ${opts.roundMs / 1000}; wait; i=$((i+1)); done; echo "rounds $i"; cat /proc/$$/stat`;
  const child = spawn('sh', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  const done = new Promise<{ statFields: string[]; rounds: number; answeringTargets: number }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', () => {
      const statLine = out.split('\n').find((l) => /^\d+ \(/.test(l)) ?? '';
      const rounds = Number(/rounds (\d+)/.exec(out)?.[1] ?? 0);
      // fping -C prints per target "127.0.0.2 : 0.04 0.05 …" ('-' for a lost reply) for each round.
      const answering = new Set<string>();
      for (const line of readFileSync(opts.logFile, 'utf8').split('\n')) {
        const m = /^(\S+)\s+:\s+(.*)$/.exec(line);
        if (m !== null && /\d/.test(m[2] as string)) answering.add(m[1] as string);
      }
      resolve({
        statFields: statLine
          .slice(statLine.lastIndexOf(')') + 2)
          .trim()
          .split(' '),
        rounds,
        answeringTargets: answering.size,
      });
    });
  });
  return { child, done };
}
