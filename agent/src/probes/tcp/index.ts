/**
 * `tcp`: time the TCP three-way handshake with `host:port` (`tcp_connect_ms`). A name is resolved
 * first through the system resolver; that time is not part of the handshake. See ./README.md.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { defineProbe, type Probe, type ProbeEnv, type ProbeResult, type RunContext } from '../types.ts';
import { tcpConnect } from './connect.ts';
import { tcpOutcomeFor } from './outcome.ts';
import { parseHostPort, type HostPort } from './target.ts';
import { type TcpCheck, tcpCheckKind } from './check.ts';

export { parseHostPort, type HostPort } from './target.ts';
export { tcpOutcomeFor } from './outcome.ts';
export { tcpConnect, type ConnectResult } from './connect.ts';

export { TcpCheck, TCP_DEFAULT_TIMEOUT_MS, tcpCheckKind } from './check.ts';

/** Resolves a host name to one address (the seam tests point at their own DNS server). */
export type Lookup = (host: string) => Promise<{ address: string; family: number }>;

export const systemLookup: Lookup = (host) => dnsLookup(host);

const ABORTED = Symbol('aborted');

function untilAborted(signal: AbortSignal): Promise<typeof ABORTED> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(ABORTED);
    else signal.addEventListener('abort', () => resolve(ABORTED), { once: true });
  });
}

export function createTcpProbe(check: TcpCheck, env: Pick<ProbeEnv, 'log'>, deps: { lookup?: Lookup } = {}): Probe {
  const parsed = parseHostPort(check.target);
  // The schema and validate() refuse such a target before a probe is created.
  if (!parsed.ok) throw new Error(`tcp probe: bad target ${check.target}: ${parsed.problem}`);
  const target: HostPort = parsed.value;
  const lookup = deps.lookup ?? systemLookup;
  const log = env.log.child({ probe: 'tcp', target: check.target });

  async function resolveAddress(ctx: RunContext): Promise<{ address: string } | ProbeResult> {
    if (target.family !== 0) return { address: target.host };
    // getaddrinfo cannot be cancelled: on abort the lookup finishes in the background.
    const looked = lookup(target.host).then(
      (r) => ({ address: r.address }),
      // Whatever getaddrinfo says (not found, no answer, SERVFAIL), the name did not resolve.
      (err: NodeJS.ErrnoException): ProbeResult => ({
        outcome: 'dns_error',
        samples: [],
        message: `cannot resolve ${target.host}: ${err.code ?? err.message}`,
      }),
    );
    const r = await Promise.race([looked, untilAborted(ctx.signal)]);
    if (r === ABORTED) return { outcome: 'timeout', samples: [], message: `timed out resolving ${target.host}` };
    return r;
  }

  return {
    async run(ctx: RunContext): Promise<ProbeResult> {
      const resolved = await resolveAddress(ctx);
      if ('outcome' in resolved) return resolved;
      const result = await tcpConnect({ address: resolved.address, port: target.port, signal: ctx.signal, timeoutMs: ctx.timeoutMs, clock: ctx.clock });
      if (result.ok) return { outcome: 'success', samples: [{ metric: 'tcp_connect_ms', value: Math.round(result.connectMs * 1000) / 1000 }] };
      const outcome = tcpOutcomeFor(result.code);
      if (outcome === 'internal_error') log.error({ code: result.code, err: result.message }, 'unexpected connect error');
      return { outcome, samples: [], message: `${result.code}: ${result.message}` };
    },
  };
}

export const tcpProbe = defineProbe({
  ...tcpCheckKind,
  // One socket per run; cheap.
  concurrency: 32,
  create: (check, env) => createTcpProbe(check, env),
});
