/**
 * A practice in a box for the contract tests: the documented agent config
 * (deploy/examples/agent.yaml) pointed at loopback targets, run by the built CLI, pushing into a
 * real collector (built CLI, default threshold profile), read back through the read API.
 *
 *   snmpsimd (hscn-router.snmprec, SNMPv3 as documented) ─┐
 *   HTTP + TCP servers on 127.0.0.1, closed ports ────────┼─ n3mon agent ──push──▶ n3mon collector ──▶ API
 *   ping 127.0.0.1 / .2 / .3 ─────────────────────────────┘
 *
 * What is changed in the documented config, and only that: addresses (loopback targets), intervals
 * (seconds, so that minutes of event time hold many samples), the collector URL and token, the spool
 * dir; checks that need the outside world (DNS, throughput, a second switch, host metrics that
 * depend on the CI machine's disk) are left out; one dead TCP check is added. Nothing else: the
 * labels the collector sees are the ones the agent makes from the documented config.
 */
import { chmodSync, copyFileSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { runCli, startCli, stopCli } from '../../helpers/cli.ts';
import { startHttp, startRaw, type Started } from '../../integration/probes/http/lab.ts';
import { startSnmpsim, type Daemon } from '../../lab/snmp/daemons.ts';

export const EXAMPLE_AGENT = fileURLToPath(new URL('../../../deploy/examples/agent.yaml', import.meta.url));
export const DEFAULT_PROFILE = fileURLToPath(new URL('../../../deploy/profiles/default.yaml', import.meta.url));
const DEVICE_NAME = 'hscn-router';
/** The dead national applications' ports (below). */
const DEAD_HTTP_PORT = 9;
const DEAD_TCP_PORT = 1;
const DEVICE = fileURLToPath(new URL(`../../lab/snmp/${DEVICE_NAME}.snmprec`, import.meta.url));

/** The practice (ODS code as in the example's comments). */
export const ODS = 'A81001';
/** The one interface hscn-router.snmprec names as the documented config does. */
export const WAN_IF = 'Dialer0';
/** hscn-router.snmprec's Dialer0 counters: octets/s in and out (numeric variation). */
export const WAN_IN_OCTETS_PER_S = 8_000_000; // 64 Mbit/s = 80 % of the documented inBps 80 Mbit/s
export const WAN_OUT_OCTETS_PER_S = 625_000; // 5 Mbit/s = 25 % of the documented outBps 20 Mbit/s

/** ICMP targets per role: distinct loopback addresses, so every series is its own. */
const ICMP_TARGET: Record<string, string> = { 'lan-gateway': '127.0.0.1', 'branch-site': '127.0.0.2', 'n3-gateway': '127.0.0.3' };
/** The documented check that is pointed at a closed port (a national application that is down). */
export const DEAD_HTTP_APP = 'eps';
/** Added beside the documented checks: a TCP check of a national application that is down. */
export const DEAD_TCP_ID = 'gp2gp-tcp';

export const INTERVAL_MS = 5000;

export type Check = Record<string, unknown> & { kind: string; id?: string; role?: string; app?: string; target?: string };
export interface AgentDoc {
  collector: Record<string, unknown>;
  spool: Record<string, unknown>;
  push?: Record<string, unknown>;
  checks: Check[];
}

export interface Targets {
  snmpPort: number;
  tcpUrl: string;
  http: Started;
  tcp: Started;
  deadHttpUrl: string;
  deadTcp: string;
}

/** The documented national-link router: the SNMP check whose `interfaces:` give one a role. */
const isRouter = (c: Check): boolean => c.kind === 'snmp' && Array.isArray(c.interfaces) && c.interfaces.some((s: { role?: string }) => s.role !== undefined);

/** The documented agent config with loopback targets and short intervals (pure, for one reading of the file). */
export function deriveAgentConfig(
  doc: AgentDoc,
  t: { collectorUrl: string; token: string; spoolDir: string } & Omit<Targets, 'tcpUrl'>,
): { config: AgentDoc; dropped: Check[] } {
  const dropped: Check[] = [];
  const checks: Check[] = [];
  let deadHttp = 0;
  for (const c of doc.checks) {
    if (c.kind === 'icmp') {
      const target = ICMP_TARGET[c.role ?? ''];
      if (target === undefined) throw new Error(`the example has an icmp check with role ${String(c.role)}: give it a loopback target in practice.ts`);
      checks.push({ ...c, target, intervalMs: INTERVAL_MS, count: 5, pingIntervalMs: 200 });
    } else if (c.kind === 'tcp') {
      checks.push({ ...c, target: `127.0.0.1:${t.tcp.port}`, intervalMs: INTERVAL_MS });
    } else if (c.kind === 'http') {
      const path = new URL(String(c.target)).pathname;
      const dead = c.app === DEAD_HTTP_APP;
      if (dead) deadHttp++;
      checks.push({ ...c, target: dead ? t.deadHttpUrl : t.http.url(path), intervalMs: INTERVAL_MS });
    } else if (isRouter(c)) {
      // The national-link router with its documented interface selectors and credentials. The
      // context name is snmpsimd's: it picks the simulated device by context (a router answers
      // the empty context; snmpsimd refuses it with "contextName does not match any data file").
      checks.push({ ...c, target: `127.0.0.1:${t.snmpPort}`, intervalMs: INTERVAL_MS, context: DEVICE_NAME });
    } else {
      dropped.push(c);
    }
  }
  if (deadHttp !== 1) throw new Error(`expected one http check with app ${DEAD_HTTP_APP} in the example, found ${deadHttp}`);
  checks.push({ kind: 'tcp', id: DEAD_TCP_ID, target: t.deadTcp, role: 'national-app', app: 'gp2gp', intervalMs: INTERVAL_MS });
  return {
    config: {
      ...doc,
      collector: { url: t.collectorUrl, token: t.token },
      spool: { ...doc.spool, dir: t.spoolDir },
      push: { ...doc.push, intervalMs: 500, maxBackoffMs: 2000 },
      checks,
    },
    dropped,
  };
}

/** The documented SNMPv3 credentials of the national-link router: snmpsimd is given the same. */
export function documentedRouter(doc: AgentDoc): Check & { interfaces: Array<{ name?: string; role?: string; inBps?: number; outBps?: number }> } {
  const r = doc.checks.find(isRouter);
  if (r === undefined) throw new Error('the example has no snmp check with an interface role');
  return r as ReturnType<typeof documentedRouter>;
}

const SNMPSIM_AUTH: Record<string, string> = { md5: 'MD5', sha: 'SHA', sha224: 'SHA224', sha256: 'SHA256', sha384: 'SHA384', sha512: 'SHA512' };
const SNMPSIM_PRIV: Record<string, string> = { des: 'DES', aes: 'AES' };

export interface Practice {
  readonly url: string;
  readonly key: string;
  readonly doc: AgentDoc;
  readonly agentConfig: AgentDoc;
  /** The documented checks left out (they need the outside world or depend on the machine). */
  readonly dropped: readonly Check[];
  readonly targets: Targets;
  /** When the agent was started (ms). */
  readonly startedAt: number;
  /** GET a read-API path as JSON (throws on a status other than 200). */
  get<T>(path: string): Promise<T>;
  /** GET a path as text. */
  text(path: string): Promise<string>;
  /** Last lines of the collector's and agent's output, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts everything; on a failure part-way, stops what was started and rethrows. */
export async function startPractice(): Promise<Practice> {
  const dir = mkdtempSync(join(tmpdir(), 'n3mon-contract-'));
  const started: Array<() => Promise<unknown>> = [];
  const stopAll = async (): Promise<void> => {
    for (const s of started.reverse()) await s().catch((err: unknown) => console.error(`contract: cleanup step failed: ${String(err)}`));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const doc = parse(readFileSync(EXAMPLE_AGENT, 'utf8')) as AgentDoc;
    const router = documentedRouter(doc);

    // The national-link router: snmpsimd with the documented SNMPv3 user.
    const dataDir = join(dir, 'snmp-data');
    mkdirSync(dataDir);
    chmodSync(dir, 0o755); // snmpsimd drops to nobody when started as root: it must reach dataDir
    copyFileSync(DEVICE, join(dataDir, `${DEVICE_NAME}.snmprec`));
    const authProto = SNMPSIM_AUTH[String(router.authProtocol)];
    const privProto = SNMPSIM_PRIV[String(router.privProtocol)];
    if (router.version !== '3' || authProto === undefined || privProto === undefined)
      throw new Error(
        `the example's router is not SNMPv3 with an auth/priv protocol snmpsimd knows (${String(router.authProtocol)}/${String(router.privProtocol)})`,
      );
    const sim: Daemon = await startSnmpsim({
      dataDir,
      readyCommunity: DEVICE_NAME,
      v3User: { name: String(router.user), authProto, authKey: String(router.authKey), privProto, privKey: String(router.privKey) },
    });
    started.push(() => sim.dispose());

    const http = await startHttp((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n'));
    started.push(() => http.close());
    const tcp = await startRaw((s) => s.end());
    started.push(() => tcp.close());
    const targets: Targets = {
      snmpPort: sim.port,
      http,
      tcp,
      tcpUrl: `127.0.0.1:${tcp.port}`,
      // Ports nothing on the machine listens on (tcpmux 1, discard 9; no test binds below 1024): a
      // port found free and closed again can be taken by another test file's server in the
      // minutes this file runs (CI, three files at once: one of the dead checks succeeded once,
      // availability 0.125).
      deadHttpUrl: `http://127.0.0.1:${DEAD_HTTP_PORT}/health`,
      deadTcp: `127.0.0.1:${DEAD_TCP_PORT}`,
    };

    // The collector: default profile; only when a step is evaluated is shortened (see README).
    const collectorFile = join(dir, 'collector.yaml');
    writeFileSync(
      collectorFile,
      stringify({
        listen: { host: '127.0.0.1', port: 0 },
        dataDir: join(dir, 'collector'),
        organisation: { name: 'Contract Test ICB' },
        practices: [{ ods: ODS, name: 'Contract Test Surgery', sites: [{ name: 'Main' }, { name: 'Branch' }] }],
        storage: { synchronous: 'normal', maintenanceIntervalMs: 2000 },
        alerting: { graceMs: 10_000, tickMs: 500 },
        log: { level: 'warn' },
      }),
    );
    const cred = async (args: string[]): Promise<string> => {
      const r = await runCli([...args, '--config', collectorFile]);
      if (r.code !== 0) throw new Error(`n3mon ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
      return r.stdout.trim();
    };
    const token = await cred(['token', 'create', '--practice', ODS, '--agent', 'server1']);
    const key = await cred(['apikey', 'create', '--role', 'servicedesk']);
    const collector = await startCli(['collector', '--config', collectorFile], /listening on (http:\/\/\S+)/, { readyOn: 'stderr' });
    started.push(() => stopCli(collector.child));
    const url = collector.match[1] as string;

    const spoolDir = join(dir, 'spool');
    const { config: agentConfig, dropped } = deriveAgentConfig(doc, { collectorUrl: url, token, spoolDir, ...targets });
    const agentFile = join(dir, 'agent.yaml');
    writeFileSync(agentFile, stringify(agentConfig));
    const check = await runCli(['check-config', agentFile]);
    if (check.code !== 0) throw new Error(`the derived agent config does not pass check-config:\n${check.stdout}${check.stderr}`);
    const startedAt = Date.now();
    const agent = await startCli(['agent', '--config', agentFile, '--log-level', 'info'], /"msg":"agent started"/);
    started.push(() => stopCli(agent.child));

    const get = async (path: string): Promise<Response> => {
      const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${key}` }, signal: AbortSignal.timeout(30_000) });
      if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
      return res;
    };
    const tail = (s: string): string => s.split('\n').slice(-15).join('\n');
    return {
      url,
      key,
      doc,
      agentConfig,
      dropped,
      targets,
      startedAt,
      get: async <T>(path: string) => (await (await get(path)).json()) as T,
      text: async (path: string) => (await get(path)).text(),
      output: () => `collector:\n${tail(collector.stdout() + collector.stderr())}\nagent:\n${tail(agent.stdout() + agent.stderr())}`,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
