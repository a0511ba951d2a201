// The national-link (WAN) interface, one definition from agent to rule: the documented agent config
// marks the HSCN router's port `role: n3-gateway`; the samples the agent makes from it (recorded
// polls through its rate code) must be judged by `wan-utilisation-p95` of the default profile.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../shared/src/log.ts';
import { IF_ROLE_LABEL, IF_ROLE_NONE, isNationalLinkInterface, NATIONAL_LINK_IF_ROLES } from '../../../shared/src/roles.ts';
import type { WireSample } from '../../../shared/src/wire.ts';
import { createEvaluator } from '../../../collector/src/evaluation/evaluator.ts';
import { buildThresholds, defaultProfilePath, loadProfileFile } from '../../../collector/src/evaluation/profile.ts';
import { FakeClock, MemorySource, RecordingSink } from './memory-source.ts';
import { EXAMPLE_AGENT_CONFIG, snmpPollsAsSent } from './agent-samples.ts';
import { parseAgentConfig } from '../../../agent/src/config/load.ts';
import { readConfigSource } from '../../../shared/src/config-file.ts';

const M = 60_000;
const T0 = Date.UTC(2026, 0, 14, 9, 0); // a Wednesday morning
const profile = loadProfileFile(defaultProfilePath());

// The recording: a Cisco 3750 under snmpsimd whose Fa3/0/10 grows at 20,000 B/s in (160 kbit/s) and
// 40,000 B/s out. The documented config's WAN selector (`Dialer0`, role n3-gateway, inBps/outBps)
// pointed at that port with a contract it fills to 80 % inbound (32 % outbound); its second
// selector (`Gi0/*`, no role) pointed at Fa3/0/11, which runs at 80 % of a contract too.
const WAN_PORT = 'Fa3/0/10';
const OTHER_PORT = 'Fa3/0/11';
function agentPolls(): WireSample[][] {
  return snmpPollsAsSent({
    checkId: 'hscn-router',
    sequence: 'snmpsim-steady-hc',
    adapt: (sel, i) => (i === 0 ? { ...sel, name: WAN_PORT, inBps: 200_000, outBps: 1_000_000 } : { ...sel, name: OTHER_PORT, inBps: 210_000 * 8 * 0.5 }),
  });
}

/** The agent's utilisation samples, replayed once a minute over [from, to) (the recording has 4 intervals). */
function utilisationSeries(
  polls: WireSample[][],
  from: number,
  to: number,
): Map<string, { metric: string; labels: Record<string, string>; points: { ts: number; value: number }[] }> {
  const rated = polls.slice(1);
  const out = new Map<string, { metric: string; labels: Record<string, string>; points: { ts: number; value: number }[] }>();
  for (let ts = from, i = 0; ts < to; ts += M, i++) {
    for (const s of rated[i % rated.length] ?? []) {
      if (!s.metric.endsWith('_utilisation_ratio')) continue;
      const key = `${s.metric} ${JSON.stringify(s.labels)}`;
      let x = out.get(key);
      if (x === undefined) out.set(key, (x = { metric: s.metric, labels: s.labels, points: [] }));
      x.points.push({ ts, value: s.value });
    }
  }
  return out;
}

async function judge(series: ReturnType<typeof utilisationSeries>) {
  const built = buildThresholds(profile, {});
  if (!built.ok) throw new Error(built.problems.join('\n'));
  const source = new MemorySource();
  const clock = new FakeClock(T0 - 30 * M);
  const sink = new RecordingSink();
  const evaluator = createEvaluator({ source, profiles: built.value, clock, sink, log: silentLogger(), options: { initialLookbackMs: 60 * M } });
  source.attach(evaluator, clock);
  for (const s of series.values()) source.write('A81001', 'server1', s.metric, s.labels, s.points);
  while (clock.t < T0 + 30 * M) {
    clock.t += 5 * M;
    await evaluator.tick();
  }
  return sink.events.filter((e) => e.rule.id === 'wan-utilisation-p95');
}

describe('the national-link interface, from the documented agent config to the 75 % rule', () => {
  it('the agent labels the documented WAN port ifRole="n3-gateway" and the other port "none"', () => {
    const rated = agentPolls()[1] ?? [];
    const util = rated.filter((s) => s.metric === 'snmp_if_in_utilisation_ratio');
    expect(util.length).toBe(2);
    const wan = util.find((s) => s.labels.ifName === WAN_PORT);
    expect(wan?.labels).toMatchObject({ [IF_ROLE_LABEL]: 'n3-gateway', role: 'n3-gateway', check: 'hscn-router', target: '198.51.100.1:161' });
    expect(wan?.value).toBeGreaterThan(0.75);
    expect(util.find((s) => s.labels.ifName === OTHER_PORT)?.labels[IF_ROLE_LABEL]).toBe(IF_ROLE_NONE);
    expect(isNationalLinkInterface(wan?.labels ?? {})).toBe(true);
  });

  it('raises wan-utilisation-p95 (warning) on the port at 80 % of its contract, in event time, and on no other port', async () => {
    const events = await judge(utilisationSeries(agentPolls(), T0 - 30 * M, T0 + 30 * M));
    const raised = events.filter((e) => e.kind === 'raise');
    expect(raised.map((e) => [e.metric, e.labels.ifName, e.severity])).toEqual([['snmp_if_in_utilisation_ratio', WAN_PORT, 'warning']]);
    // the window before the first evaluation already holds 15 minutes at 80 %: raised after `sustain` (3) evaluations
    expect(raised[0]?.startedAt).toBeLessThan(T0);
  });

  it('keeps judging stored data labelled ifRole="wan" (before the vocabulary was one)', async () => {
    const legacy = new Map(
      [...utilisationSeries(agentPolls(), T0 - 30 * M, T0 + 30 * M)].map(([k, s]) => [
        k,
        { ...s, labels: s.labels[IF_ROLE_LABEL] === 'n3-gateway' ? { ...s.labels, [IF_ROLE_LABEL]: 'wan' } : s.labels },
      ]),
    );
    const raised = (await judge(legacy)).filter((e) => e.kind === 'raise');
    expect(raised.map((e) => [e.labels.ifName, e.labels[IF_ROLE_LABEL], e.severity])).toEqual([[WAN_PORT, 'wan', 'warning']]);
  });

  it('the agent\'s config check takes an interface role only from the shared vocabulary (so never "wan")', () => {
    const config = readConfigSource(EXAMPLE_AGENT_CONFIG) as { checks: Array<{ id?: string; interfaces?: Array<Record<string, unknown>> }> };
    const at = config.checks.findIndex((c) => c.id === 'hscn-router');
    expect(() => parseAgentConfig(config, 'agent.yaml')).not.toThrow();
    (config.checks[at]?.interfaces?.[0] as Record<string, unknown>).role = 'wan';
    expect(() => parseAgentConfig(config, 'agent.yaml')).toThrow(new RegExp(`checks\\[${at}\\]\\.interfaces\\[0\\]\\.role`));
  });

  it('the default profile selects exactly the shared national-link ifRole values', () => {
    const rule = profile.rules.find((r) => r.id === 'wan-utilisation-p95');
    if (rule?.kind !== 'threshold') throw new Error('no wan-utilisation-p95 threshold rule');
    for (const sel of rule.select) {
      const v = sel.labels?.[IF_ROLE_LABEL];
      expect(typeof v === 'string' ? [v] : v).toEqual([...NATIONAL_LINK_IF_ROLES]);
    }
  });
});
