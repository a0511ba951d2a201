/**
 * `dns`: time the resolution of a name (`dns_lookup_ms`) through the system resolver or a
 * configured server. See ./README.md.
 */
import { isIP } from 'node:net';
import Type, { type Static } from 'typebox';
import { baseCheckFields } from '../base-schema.ts';
import { defineProbe, type Probe, type ProbeEnv, type ProbeResult, type RunContext } from '../types.ts';
import { parseHostPort } from '../tcp/target.ts';
import { dnsOutcomeFor } from './outcome.ts';
import { queryDns, RECORD_TYPES, usesGetaddrinfo, type DnsAnswer, type DnsQuery } from './resolve.ts';

export { dnsOutcomeFor } from './outcome.ts';
export { queryDns, RECORD_TYPES, type RecordType, type DnsQuery, type DnsAnswer } from './resolve.ts';

export const DnsCheck = Type.Object(
  {
    kind: Type.Literal('dns'),
    target: Type.String({
      minLength: 1,
      maxLength: 253,
      pattern: '^[A-Za-z0-9_][A-Za-z0-9._:-]*$',
      description: 'The name to resolve (an IP address for recordType PTR).',
    }),
    server: Type.Optional(
      Type.String({
        minLength: 2,
        maxLength: 64,
        description: 'DNS server to ask, "ip[:port]" or "[ipv6]:port" (default port 53). Without it: the system resolver.',
      }),
    ),
    recordType: Type.Enum([...RECORD_TYPES], { default: 'A', description: 'Record type to ask for.' }),
    ...baseCheckFields({ defaultIntervalMs: 60_000 }),
  },
  { additionalProperties: false },
);
export type DnsCheck = Static<typeof DnsCheck>;

export const DNS_DEFAULT_TIMEOUT_MS = 5000;

function serverOf(check: DnsCheck): { host: string; port: number } | undefined {
  if (check.server === undefined) return undefined;
  const r = parseHostPort(check.server, { defaultPort: 53 });
  if (!r.ok) throw new Error(`dns probe: bad server ${check.server}: ${r.problem}`);
  return { host: r.value.host, port: r.value.port };
}

export function validateDnsCheck(check: DnsCheck): string[] {
  const problems: string[] = [];
  if (check.server !== undefined) {
    const r = parseHostPort(check.server, { defaultPort: 53 });
    if (!r.ok) problems.push(`server: ${r.problem}`);
    // The server's own name would need DNS to find it.
    else if (r.value.family === 0) problems.push(`server: must be an IP address, not a name ('${r.value.host}')`);
  }
  if (check.recordType === 'PTR' && isIP(check.target) === 0) problems.push(`target: recordType PTR needs an IP address, got '${check.target}'`);
  if (check.recordType !== 'PTR' && isIP(check.target) !== 0) problems.push(`target: '${check.target}' is an address; use recordType PTR to look it up`);
  return problems;
}

export function createDnsProbe(check: DnsCheck, env: Pick<ProbeEnv, 'log'>, query: (q: DnsQuery) => Promise<DnsAnswer> = queryDns): Probe {
  const server = serverOf(check);
  const log = env.log.child({ probe: 'dns', target: check.target, ...(check.server === undefined ? {} : { server: check.server }) });
  return {
    async run(ctx: RunContext): Promise<ProbeResult> {
      const q: DnsQuery = {
        name: check.target,
        recordType: check.recordType,
        timeoutMs: ctx.timeoutMs,
        signal: ctx.signal,
        ...(server === undefined ? {} : { server }),
      };
      const t0 = ctx.clock.monotonic();
      const answer = await query(q);
      const ms = ctx.clock.monotonic() - t0;
      if (answer.ok) return { outcome: 'success', samples: [{ metric: 'dns_lookup_ms', value: Math.round(ms * 1000) / 1000 }] };
      const outcome = dnsOutcomeFor(answer.code);
      if (outcome === 'internal_error') log.error({ code: answer.code, err: answer.message }, 'unexpected resolver error');
      return { outcome, samples: [], message: `${check.recordType} ${check.target}${usesGetaddrinfo(q) ? ' (system resolver)' : ''}: ${answer.code}` };
    },
  };
}

export const dnsProbe = defineProbe({
  kind: 'dns',
  schema: DnsCheck,
  // System-resolver lookups each hold one of libuv's 4 threadpool threads until they finish
  // (they cannot be cancelled): keep few in flight so DNS trouble cannot starve file I/O.
  concurrency: 2,
  defaultTimeoutMs: () => DNS_DEFAULT_TIMEOUT_MS,
  // `server` tells apart checks of the same name against different servers.
  baseLabels: (check) => ({
    target: check.target,
    role: check.role,
    ...(check.app === undefined ? {} : { app: check.app }),
    ...(check.server === undefined ? {} : { server: check.server }),
  }),
  validate: validateDnsCheck,
  create: (check, env) => createDnsProbe(check, env),
});
