/**
 * From what the hops measured to samples and one outcome (pure). The probe measures and reports;
 * it does not judge latency (the collector does), only whether the answer was the expected one.
 */
import type { Outcome } from '../../../../shared/src/outcomes.ts';
import type { ProbeResult, ProbeSample } from '../types.ts';
import type { HopResult } from './exchange.ts';
import { outcomeForFailure } from './outcome.ts';
import { PHASES, roundMs, sumPhases } from './phases.ts';
import { statusMatches, type StatusRange } from './status.ts';

export interface Expectations {
  ranges: readonly StatusRange[];
  /** The configured list as written, for messages. */
  rangesText: string;
  bodyContains?: string;
}

export type RedirectProblem = { kind: 'too_many'; limit: number } | { kind: 'bad_location'; location: string } | { kind: 'bad_scheme'; protocol: string };

export interface JudgeInput {
  hops: readonly HopResult[];
  expect: Expectations;
  redirect?: RedirectProblem;
  /** Wall clock, epoch ms, for certificate expiry. */
  nowMs: number;
}

const DAY_MS = 86_400_000;

/** Days from now until `validTo` (OpenSSL text form); negative once expired; undefined if unparseable. */
export function certExpiryDays(validTo: string, nowMs: number): number | undefined {
  const t = Date.parse(validTo);
  if (Number.isNaN(t)) return undefined;
  return Math.round(((t - nowMs) / DAY_MS) * 1000) / 1000;
}

export function measuredSamples(input: JudgeInput): ProbeSample[] {
  const { hops, nowMs } = input;
  const samples: ProbeSample[] = [];
  const phases = sumPhases(hops.map((h) => h.timings));
  for (const phase of PHASES) {
    const v = phases[phase];
    if (v !== undefined) samples.push({ metric: 'http_phase_ms', value: roundMs(v), labels: { phase } });
  }
  const first = hops[0];
  const last = hops.at(-1);
  if (first !== undefined && last !== undefined && last.failure === undefined && last.timings.done !== undefined) {
    samples.push({ metric: 'http_total_ms', value: roundMs(last.timings.done - first.timings.start) });
  }
  if (last?.status !== undefined) samples.push({ metric: 'http_status_code', value: last.status });
  let expiry: number | undefined;
  for (const hop of hops) {
    const d = hop.cert === undefined ? undefined : certExpiryDays(hop.cert.validTo, nowMs);
    if (d !== undefined && (expiry === undefined || d < expiry)) expiry = d;
  }
  if (expiry !== undefined) samples.push({ metric: 'tls_cert_expiry_days', value: expiry });
  return samples;
}

function verdict(input: JudgeInput): { outcome: Outcome; message?: string } {
  const last = input.hops.at(-1);
  if (last === undefined) return { outcome: 'internal_error', message: 'no request was made' };
  if (last.failure !== undefined) {
    const f = last.failure;
    return { outcome: outcomeForFailure(f), message: `${f.stage}: ${f.code}${f.message === '' || f.message.includes(f.code) ? '' : ` (${f.message})`}` };
  }
  const r = input.redirect;
  if (r !== undefined) {
    if (r.kind === 'too_many') return { outcome: 'mismatch', message: `more than ${r.limit} redirect(s)` };
    if (r.kind === 'bad_scheme') return { outcome: 'mismatch', message: `redirect to an unsupported scheme ${r.protocol}` };
    return { outcome: 'protocol_error', message: 'redirect with an unparseable Location' };
  }
  if (last.status === undefined) return { outcome: 'internal_error', message: 'hop ended without status or failure' };
  if (!statusMatches(last.status, input.expect.ranges)) {
    const outcome: Outcome = last.status === 401 || last.status === 403 ? 'auth_error' : 'mismatch';
    return { outcome, message: `status ${last.status} not in ${input.expect.rangesText}` };
  }
  const needle = input.expect.bodyContains;
  if (needle !== undefined && (last.body === undefined || !last.body.includes(Buffer.from(needle, 'utf8')))) {
    const where = last.bodyTruncated ? ` in the first ${last.body?.length ?? 0} bytes` : '';
    return { outcome: 'mismatch', message: `body does not contain the expected text${where}` };
  }
  return { outcome: 'success' };
}

export function judge(input: JudgeInput): ProbeResult {
  const { outcome, message } = verdict(input);
  return message === undefined ? { outcome, samples: measuredSamples(input) } : { outcome, samples: measuredSamples(input), message };
}
