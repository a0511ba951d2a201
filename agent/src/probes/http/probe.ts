/** The http probe's run: one request (or a bounded redirect chain), each hop on a fresh connection. */
import { readFileSync } from 'node:fs';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import { N3monError } from '../../../../shared/src/errors.ts';
import type { Probe, ProbeResult, RunContext } from '../types.ts';
import { exchange, type HopResult } from './exchange.ts';
import { judge, type Expectations, type RedirectProblem } from './result.ts';
import type { HttpCheck } from './schema.ts';
import { isRedirect, statusRanges } from './status.ts';

/** Headers that carry credentials: never sent on to another origin by a redirect. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);

/** Reads tls.caFile once at start-up; a missing or empty file is bad config. */
export function loadCa(file: string | undefined): string[] | undefined {
  if (file === undefined) return undefined;
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new N3monError('N3MON_ERR_CONFIG_INVALID', `tls.caFile: cannot read ${file} (${code})`, {
      problems: [`tls.caFile: cannot read ${file} (${code})`],
      cause: err,
    });
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new N3monError('N3MON_ERR_CONFIG_INVALID', `tls.caFile: ${file} holds no PEM certificate`, {
      problems: [`tls.caFile: ${file} holds no PEM certificate`],
    });
  }
  return [...rootCertificates, pem];
}

/** Next URL of a redirect, or why it cannot be followed. */
export function nextHop(current: URL, location: string): { url: URL } | { problem: RedirectProblem } {
  let next: URL;
  try {
    next = new URL(location, current);
  } catch {
    // The bad Location is the finding; it is reported as the run's outcome.
    return { problem: { kind: 'bad_location', location } };
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') return { problem: { kind: 'bad_scheme', protocol: next.protocol } };
  return { url: next };
}

export function headersFor(headers: Readonly<Record<string, string>>, sameOrigin: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (sameOrigin || !CREDENTIAL_HEADERS.has(k.toLowerCase())) out[k] = v;
  return out;
}

export function createHttpProbe(check: HttpCheck): Probe {
  const ca = loadCa(check.tls.caFile);
  const context: SecureContext = createSecureContext(ca === undefined ? {} : { ca });
  const expect: Expectations = {
    ranges: statusRanges(check.expectStatus),
    rangesText: check.expectStatus.join(', '),
    ...(check.expectBodyContains === undefined ? {} : { bodyContains: check.expectBodyContains }),
  };
  const origin = new URL(check.target).origin;
  const configured = check.headers ?? {};

  return {
    async run(ctx: RunContext): Promise<ProbeResult> {
      const hops: HopResult[] = [];
      let url = new URL(check.target);
      let redirect: RedirectProblem | undefined;
      for (let hop = 0; ; hop++) {
        const result = await exchange({
          url,
          method: check.method,
          headers: headersFor(configured, url.origin === origin),
          ...(check.ipFamily === undefined ? {} : { ipFamily: check.ipFamily }),
          tls: {
            context,
            insecureSkipVerify: check.tls.insecureSkipVerify,
            ...(check.tls.serverName === undefined ? {} : { serverName: check.tls.serverName }),
          },
          maxBodyBytes: check.maxBodyBytes,
          keepBody: check.expectBodyContains !== undefined,
          signal: ctx.signal,
          now: () => ctx.clock.monotonic(),
          log: ctx.log,
        });
        hops.push(result);
        if (result.failure !== undefined || result.status === undefined || !isRedirect(result.status) || check.followRedirects === 0) break;
        if (result.location === undefined) break; // a 3xx without Location is judged as it is
        if (hop >= check.followRedirects) {
          redirect = { kind: 'too_many', limit: check.followRedirects };
          break;
        }
        const next = nextHop(url, result.location);
        if ('problem' in next) {
          redirect = next.problem;
          break;
        }
        url = next.url;
      }
      const out = judge({ hops, expect, ...(redirect === undefined ? {} : { redirect }), nowMs: ctx.clock.now() });
      if (out.outcome !== 'success') {
        const last = hops.at(-1);
        ctx.log.debug(
          { target: check.target, outcome: out.outcome, reason: out.message, status: last?.status, address: last?.address, hops: hops.length },
          'http probe failed',
        );
      }
      return out;
    },
  };
}
