/**
 * Samples as the agent makes them, for rule and report tests: the documented agent config
 * (deploy/examples/agent.yaml) loaded by the agent's own loader, a check's labels as the
 * scheduler builds them, and SNMP interface samples from recorded polls through the agent's rate
 * code (agent/src/probes/snmp/rates.ts) and its wire conversion. No hand-written label values.
 */
import { join } from 'node:path';
import { checkIdOf, loadAgentConfig } from '../../../agent/src/config/load.ts';
import { probeFor } from '../../../agent/src/probes/registry.ts';
import type { InterfaceSelector, SnmpCheck } from '../../../agent/src/probes/snmp/schema.ts';
import { toWire } from '../../../agent/src/scheduler/run.ts';
import { packageRoot } from '../../../collector/src/evaluation/profile.ts';
import type { WireSample } from '../../../shared/src/wire.ts';
import { loadSequence, replay } from '../probes/snmp/sequences.ts';

export const EXAMPLE_AGENT_CONFIG = join(packageRoot(), 'deploy', 'examples', 'agent.yaml');

const RECORDING_EPOCH = Date.UTC(2026, 0, 1);

type Check = { kind: string; id?: string } & Record<string, unknown>;

/** A check of the documented agent config, by id. */
export function exampleCheck(id: string): Check {
  const config = loadAgentConfig(EXAMPLE_AGENT_CONFIG);
  const check = (config.checks as unknown as Check[]).find((c) => checkIdOf(c) === id);
  if (check === undefined) throw new Error(`deploy/examples/agent.yaml has no check ${id}`);
  return check;
}

/** The labels every sample of the check carries, as the agent's scheduler builds them. */
export function checkLabels(check: Check): Record<string, string> {
  const kind = probeFor(check.kind);
  if (kind === undefined) throw new Error(`no probe kind ${check.kind}`);
  return { ...((check.labels as Record<string, string> | undefined) ?? {}), ...kind.baseLabels(check as never), check: checkIdOf(check) };
}

/**
 * The wire samples of an SNMP check of the documented config polling a recorded device: the
 * check's `interfaces:` with `adapt` applied (the recorded device has other port names and speeds
 * than the documented router), each poll of the recording through evaluatePoll and toWire.
 * Returns one list of samples per poll (the first poll is a baseline without rates).
 */
export function snmpPollsAsSent(opts: { checkId: string; sequence: string; adapt: (sel: InterfaceSelector, i: number) => InterfaceSelector }): WireSample[][] {
  const check = exampleCheck(opts.checkId) as unknown as SnmpCheck;
  const selectors = (check.interfaces ?? []).map(opts.adapt);
  const base = checkLabels(check as unknown as Check);
  const seq = loadSequence(opts.sequence);
  return replay(seq.polls, selectors).map((e, i) =>
    e.samples.map((s) => {
      // the run's wall-clock start: the recording's polls (monotonic ms) from 2026-01-01
      const at = RECORDING_EPOCH + Math.round(seq.polls[i]?.atMs ?? 0);
      // (sample, base labels, run start, now): the agent's own conversion and its ingest checks
      const wire: unknown = (toWire as (...args: unknown[]) => unknown)(s, base, at, at);
      if (typeof wire !== 'object' || wire === null || 'problems' in wire) throw new Error(`the agent would not send ${s.metric}: ${JSON.stringify(wire)}`);
      return wire as WireSample;
    }),
  );
}
