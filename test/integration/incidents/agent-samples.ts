/**
 * What an agent with the documented example config (deploy/examples/agent.yaml) sends for its
 * national-application HTTP checks, built with the agent's own code: the check's labels as the
 * scheduler sets them (probe baseLabels + check id), the samples from the HTTP probe's
 * measuredSamples() on hop timings, probe_success/probe_duration_ms as the scheduler adds them,
 * each through toWire()/checked() as the agent does before spooling.
 */
import { join } from 'node:path';
import { loadAgentConfig } from '../../../agent/src/config/load.ts';
import { checkIdOf } from '../../../agent/src/config/parse.ts';
import { httpProbe } from '../../../agent/src/probes/http/index.ts';
import type { HttpCheck } from '../../../agent/src/probes/http/schema.ts';
import { measuredSamples } from '../../../agent/src/probes/http/result.ts';
import { icmpProbe } from '../../../agent/src/probes/icmp/index.ts';
import type { IcmpCheck } from '../../../agent/src/probes/icmp/schema.ts';
import { pingResult } from '../../../agent/src/probes/icmp/result.ts';
import { checked, toWire } from '../../../agent/src/scheduler/run.ts';
import type { WireSample } from '../../../shared/src/wire.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');

/** The example agent config's http checks by id (eps-https, spine-https, …). */
export function exampleHttpChecks(): Map<string, { check: HttpCheck; labels: Record<string, string> }> {
  const config = exampleConfig();
  const out = new Map<string, { check: HttpCheck; labels: Record<string, string> }>();
  for (const raw of config.checks as unknown as (HttpCheck & { kind: string; labels?: Record<string, string> })[]) {
    if (raw.kind !== 'http') continue;
    const id = checkIdOf(raw as never);
    out.set(id, { check: raw, labels: { ...(raw.labels ?? {}), ...httpProbe.baseLabels(raw), check: id } });
  }
  return out;
}

function exampleConfig(): ReturnType<typeof loadAgentConfig> {
  return loadAgentConfig(join(ROOT, 'deploy', 'examples', 'agent.yaml'));
}

/** The example agent config's icmp check `id` (hscn-gateway: the national link) and its labels as the scheduler sets them. */
export function exampleIcmpCheck(id: string): { check: IcmpCheck; labels: Record<string, string> } {
  for (const raw of exampleConfig().checks as unknown as (IcmpCheck & { kind: string; labels?: Record<string, string> })[]) {
    if (raw.kind !== 'icmp' || checkIdOf(raw as never) !== id) continue;
    return { check: raw, labels: { ...(raw.labels ?? {}), ...icmpProbe.baseLabels(raw), check: id } };
  }
  throw new Error(`no icmp check ${id} in the example agent config`);
}

const isWire = (s: WireSample | { problems: string[] }): s is WireSample => !('problems' in s);

/** One run of an https check at `ts` whose answer took `totalMs` (200 OK), as the agent would deliver it. */
export function httpRun(labels: Readonly<Record<string, string>>, ts: number, totalMs: number, now: number): WireSample[] {
  const t = { start: ts, dnsDone: ts + 4, connected: ts + 20, tlsDone: ts + 45, firstByte: ts + totalMs - 5, done: ts + totalMs };
  const samples = measuredSamples({
    hops: [{ timings: t, status: 200, bodyBytes: 512, bodyTruncated: false }],
    expect: { ranges: [], rangesText: '2xx' },
    nowMs: ts,
  });
  const out: WireSample[] = [];
  for (const s of samples) {
    const w = toWire(s, labels, ts, now);
    if (isWire(w)) out.push(w);
    else throw new Error(`the agent would refuse its own sample: ${JSON.stringify(w)}`);
  }
  for (const w of [
    checked({ metric: 'probe_success', labels: { ...labels, outcome: 'success' }, ts, value: 1 } as WireSample, now),
    checked({ metric: 'probe_duration_ms', labels: { ...labels }, ts, value: totalMs } as WireSample, now),
  ]) {
    if (isWire(w)) out.push(w);
    else throw new Error(`the agent would refuse its own sample: ${JSON.stringify(w)}`);
  }
  return out;
}

/**
 * One ping burst of an icmp check at `ts` as the agent would deliver it: `rttsMs` are the echo
 * replies (none = a timeout), out of `count` sent; the samples from the probe's pingResult().
 */
export function icmpRun(labels: Readonly<Record<string, string>>, ts: number, rttsMs: readonly number[], count: number, now: number): WireSample[] {
  const r = pingResult({ transmitted: count, replies: rttsMs.map((rttMs, i) => ({ seq: i + 1, rttMs })), duplicates: 0, errors: [] }, { count });
  const out: WireSample[] = [];
  for (const w of [
    ...r.samples.map((s) => toWire(s, labels, ts, now)),
    checked({ metric: 'probe_success', labels: { ...labels, outcome: r.outcome }, ts, value: r.outcome === 'success' ? 1 : 0 } as WireSample, now),
    checked({ metric: 'probe_duration_ms', labels: { ...labels }, ts, value: count * 200 } as WireSample, now),
  ]) {
    if (isWire(w)) out.push(w);
    else throw new Error(`the agent would refuse its own sample: ${JSON.stringify(w)}`);
  }
  return out;
}
