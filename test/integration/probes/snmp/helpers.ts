/** Shared bits of the SNMP integration tests: a real probe from a config object, one run of it. */
import { snmpProbe } from '../../../../agent/src/probes/snmp/index.ts';
import type { SnmpCheck } from '../../../../agent/src/probes/snmp/schema.ts';
import type { Probe, ProbeResult, ProbeSample } from '../../../../agent/src/probes/types.ts';
import { systemClock } from '../../../../shared/src/clock.ts';
import { silentLogger } from '../../../../shared/src/log.ts';
import { parseWithSchema } from '../../../../shared/src/validate.ts';

/** A validated check, as the agent would load it (`validate: false` skips the cross-field rules). */
export function snmpCheck(raw: Record<string, unknown>, opts: { validate?: boolean } = {}): SnmpCheck {
  const r = parseWithSchema(snmpProbe.schema, { kind: 'snmp', role: 'lan-gateway', ...raw });
  if (!r.ok) throw new Error(r.problems.join('\n'));
  const problems = opts.validate === false ? [] : (snmpProbe.validate?.(r.value) ?? []);
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return r.value as SnmpCheck;
}

/** The production probe (real net-snmp session factory). */
export function realProbe(raw: Record<string, unknown>, opts: { validate?: boolean } = {}): Probe {
  return snmpProbe.create(snmpCheck(raw, opts), {
    log: silentLogger(),
    clock: systemClock,
    collector: { url: 'http://127.0.0.1:1', token: 'unused-in-snmp-tests' },
  });
}

export async function runOnce(probe: Probe, timeoutMs = 30_000): Promise<ProbeResult & { elapsedMs: number }> {
  const started = performance.now();
  const r = await probe.run({ signal: AbortSignal.timeout(timeoutMs), timeoutMs, log: silentLogger(), clock: systemClock });
  return { ...r, elapsedMs: performance.now() - started };
}

export function ifSample(r: ProbeResult, metric: string, match: { ifIndex?: number; ifName?: string }): ProbeSample | undefined {
  return r.samples.find(
    (s) =>
      s.metric === metric &&
      (match.ifIndex === undefined || s.labels?.ifIndex === String(match.ifIndex)) &&
      (match.ifName === undefined || s.labels?.ifName === match.ifName),
  );
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
