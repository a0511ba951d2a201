/**
 * `n3mon enrol --collector URL --code CODE [--name SERVER] [--config FILE] [--ca-file FILE]` on a
 * practice server: exchanges a one-time enrolment code for this server's own agent token
 * (POST /api/v1/enrol), writes it to a credential file beside the agent config (mode 0600) and
 * points the config at it (collector.tokenFile; collector.url; collector.caFile with --ca-file).
 */
import { copyFileSync, chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import { parseDocument } from 'yaml';
import { parseFlags, usageError, type CliIO, type Command } from '../../../shared/src/cli/command.ts';
import { N3monError } from '../../../shared/src/errors.ts';
import { AgentCredential, ENROL_NAME_PATTERN, ENROL_PATH } from '../../../shared/src/agent-credential.ts';
import { isLoopbackHost } from '../../../shared/src/loopback.ts';
import { checker } from '../../../shared/src/validate.ts';
import { ensurePrivateDir } from '../../../shared/src/private-files.ts';
import { httpTransport } from '../push/transport.ts';
import { writeTokenFile } from '../push/credential.ts';

const gzip = promisify(gzipCb);
const isCredential = checker(AgentCredential);
export const TOKEN_FILE_NAME = 'agent.token';
export const CA_FILE_NAME = 'collector-ca.pem';

function defaultConfig(env: NodeJS.ProcessEnv): string {
  if (env.N3MON_AGENT_CONFIG !== undefined && env.N3MON_AGENT_CONFIG !== '') return env.N3MON_AGENT_CONFIG;
  return platform() === 'win32' ? join(env.ProgramData ?? 'C:\\ProgramData', 'n3mon', 'agent.yaml') : '/etc/n3mon/agent.yaml';
}

const help = `usage: n3mon enrol --collector URL --code CODE [--name SERVER] [--config FILE] [--ca-file FILE] [--pull]

Enrols this practice server with the collector: exchanges a one-time enrolment code (from the
service desk: n3mon enrolment create, the API or the dashboard's practice page) for this server's
own agent token, and sets the agent up to use it:

  1. POST URL/api/v1/enrol with the code and the agent name; the collector answers with a token
     for the code's practice (agent name = --name, default this machine's host name).
  2. The token goes to ${TOKEN_FILE_NAME} beside the config (mode 0600, owner only; replaced atomically).
  3. The config (created if missing: collector.config: pull, so the agent takes its checks from
     the service desk's templates, and a host check of its own) gets collector.url and
     collector.tokenFile, loses any inline collector.token; with --ca-file, the CA is copied to
     ${CA_FILE_NAME} beside it and collector.caFile points to it. Comments are kept; an existing
     config keeps its collector.config unless --pull is given.

The running agent picks the new token up at its next refused push (or restart it). It renews the
token itself before it expires (default 90 days; the collector's enrolment.credentialTtlMs).
Plain http is refused except to this machine (loopback): use https.

flags:
  --collector URL   the collector's base URL, e.g. https://n3mon.icb.example
  --code CODE       the enrolment code (n3e_…)
  --name SERVER     agent name within the practice (default: host name; letters, digits, . _ -)
  --config FILE     the agent config to write (default $N3MON_AGENT_CONFIG, else
                    /etc/n3mon/agent.yaml; on Windows %ProgramData%\\n3mon\\agent.yaml)
  --ca-file FILE    PEM CA that signed the collector's certificate (a private CA)
  --pull            set collector.config: pull in an existing config too (e.g. the example one
                    install.sh put there): its checks then come from the service desk's
                    templates, and the checks already in it keep running beside them

exit: 0 enrolled; 1 refused (code unknown, used up, expired or revoked; too many attempts) or
the collector unreachable; 2 usage error.
`;

/** The host name as an agent name: invalid characters become '-', at most 64. */
export function agentNameOfHost(host: string): string {
  const name = host
    .split('.')[0]!
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 64);
  return name === '' ? 'agent' : name;
}

const STARTER = `# n3mon agent — written by n3mon enrol. Its checks come from the collector (the service desk's
# templates and this practice's values: docs/configuration.md); checks listed here run as well.
collector:
  config: pull
spool:
  dir: ./data/agent
checks:
  - { kind: host }
`;

export const command: Command = {
  name: 'enrol',
  summary: 'enrol this practice server: `enrol --collector URL --code CODE [--name SERVER]`',
  help,
  async run(args: string[], io: CliIO): Promise<number> {
    const { values, help: wantHelp } = parseFlags(args, {
      collector: { type: 'string' },
      code: { type: 'string' },
      name: { type: 'string' },
      config: { type: 'string', short: 'c' },
      'ca-file': { type: 'string' },
      pull: { type: 'boolean' },
    });
    if (wantHelp) return (io.out(help), 0);
    if (values.collector === undefined) throw usageError('--collector URL is required');
    if (values.code === undefined) throw usageError('--code CODE is required');
    let base: URL;
    try {
      base = new URL(values.collector.endsWith('/') ? values.collector : `${values.collector}/`);
    } catch {
      throw usageError(`--collector: not a URL: ${values.collector}`);
    }
    if (base.protocol !== 'https:' && base.protocol !== 'http:') throw usageError('--collector: http(s) URL');
    if (base.protocol === 'http:' && !isLoopbackHost(base.hostname))
      throw usageError(`--collector: plain http to ${base.hostname} would send the code and the token in clear; use https`);
    const name = values.name ?? agentNameOfHost(hostname());
    if (!new RegExp(ENROL_NAME_PATTERN).test(name)) throw usageError(`--name: "${name}" is not a valid agent name (letters, digits, . _ -; at most 64)`);
    const configFile = resolve(values.config ?? defaultConfig(io.env));
    const dir = dirname(configFile);
    const ca = values['ca-file'] === undefined ? undefined : readCaFile(values['ca-file']);

    const transport = httpTransport(ca === undefined ? {} : { ca });
    let reply;
    try {
      reply = await transport.send({
        url: new URL(ENROL_PATH.slice(1), base),
        token: '',
        body: await gzip(JSON.stringify({ code: values.code, name })),
        timeoutMs: 30_000,
      });
    } catch (err) {
      throw new N3monError(
        'N3MON_ERR_UNAVAILABLE',
        `cannot reach the collector at ${base.origin} (${(err as { code?: string }).code ?? ''} ${(err as Error).message})`,
        { cause: err },
      );
    } finally {
      transport.close();
    }
    const body = parseJson(reply.body);
    if (reply.status !== 200 || !isCredential(body)) {
      const message =
        typeof (body as { message?: unknown } | undefined)?.message === 'string' ? (body as { message: string }).message : reply.body.slice(0, 200);
      const retry = reply.headers['retry-after'];
      io.err(`n3mon enrol: the collector refused (HTTP ${reply.status}): ${message}${retry === undefined ? '' : ` (retry after ${String(retry)} s)`}\n`);
      return 1;
    }

    ensurePrivateDir(dir);
    const tokenFile = join(dir, TOKEN_FILE_NAME);
    writeTokenFile(tokenFile, body.token);
    let caFile: string | undefined;
    if (ca !== undefined) {
      caFile = join(dir, CA_FILE_NAME);
      copyFileSync(resolve(values['ca-file'] as string), caFile);
      chmodSync(caFile, 0o644);
    }
    const created = !existsSync(configFile);
    const doc = parseDocument(created ? STARTER : readFileSync(configFile, 'utf8'));
    doc.setIn(['collector', 'url'], base.href.replace(/\/$/, ''));
    doc.setIn(['collector', 'tokenFile'], tokenFile);
    if (doc.hasIn(['collector', 'token'])) doc.deleteIn(['collector', 'token']);
    if (caFile !== undefined) doc.setIn(['collector', 'caFile'], caFile);
    if (values.pull === true) doc.setIn(['collector', 'config'], 'pull');
    const tmp = `${configFile}.${process.pid}.tmp`;
    writeFileSync(tmp, doc.toString(), { mode: 0o640 });
    renameSync(tmp, configFile);

    io.out(
      `enrolled as agent ${body.agent} of practice ${body.practice} (token ${body.id}, expires ${new Date(body.expiresAt).toISOString()}; renewed by the agent from ${new Date(body.renewAt).toISOString()})\n` +
        `wrote ${tokenFile} (mode 0600)\n` +
        (caFile === undefined ? '' : `wrote ${caFile} (the collector's CA)\n`) +
        `${created ? 'created' : 'updated'} ${configFile}: collector.url, collector.tokenFile${caFile === undefined ? '' : ', collector.caFile'}${created || values.pull === true ? ', collector.config: pull' : ''}\n` +
        `next: check it with \`n3mon check-config ${configFile}\` and (re)start the agent\n`,
    );
    return 0;
  },
};

function readCaFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw usageError(`--ca-file: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined; // not JSON (a proxy's page): reported with the raw text
  }
}
