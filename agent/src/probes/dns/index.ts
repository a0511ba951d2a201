/**
 * `dns`: time the resolution of a name (`dns_lookup_ms`) through the system resolver or a
 * configured server. See ./README.md.
 */
import { defineProbe, type Probe, type ProbeEnv, type ProbeResult, type RunContext } from '../types.ts';
import { parseHostPort } from '../tcp/target.ts';
import { dnsOutcomeFor } from './outcome.ts';
import { queryDns, usesGetaddrinfo, type DnsAnswer, type DnsQuery } from './resolve.ts';
import { type DnsCheck, dnsCheckKind } from './check.ts';

export { dnsOutcomeFor } from './outcome.ts';
export { queryDns, RECORD_TYPES, type RecordType, type DnsQuery, type DnsAnswer } from './resolve.ts';

export { DnsCheck, DNS_DEFAULT_TIMEOUT_MS, validateDnsCheck, dnsCheckKind } from './check.ts';

function serverOf(check: DnsCheck): { host: string; port: number } | undefined {
  if (check.server === undefined) return undefined;
  const r = parseHostPort(check.server, { defaultPort: 53 });
  if (!r.ok) throw new Error(`dns probe: bad server ${check.server}: ${r.problem}`);
  return { host: r.value.host, port: r.value.port };
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
  ...dnsCheckKind,
  // System-resolver lookups each hold one of libuv's 4 threadpool threads until they finish
  // (they cannot be cancelled): keep few in flight so DNS trouble cannot starve file I/O.
  concurrency: 2,
  create: (check, env) => createDnsProbe(check, env),
});
