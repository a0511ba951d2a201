// probe_success as the agent sends it — `outcome` in its labels, so one stored series per outcome
// of a check — is judged as the check's runs together: one failed burst of the national link does
// not raise "National link down", and an outage ends when the successes come back (the failing
// outcome's series, silent from then on, does not hold the state as unknown).
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../shared/src/log.ts';
import { createEvaluator } from '../../../collector/src/evaluation/evaluator.ts';
import { buildThresholds, defaultProfilePath, loadProfileFile } from '../../../collector/src/evaluation/profile.ts';
import { FakeClock, MemorySource, RecordingSink } from './memory-source.ts';
import { checkLabels, exampleCheck } from './agent-samples.ts';

const M = 60_000;
const T0 = Date.UTC(2026, 0, 14, 9, 0); // a Wednesday morning

async function run(failed: (ts: number) => boolean, until: number) {
  const built = buildThresholds(loadProfileFile(defaultProfilePath()), {});
  if (!built.ok) throw new Error(built.problems.join('\n'));
  const source = new MemorySource();
  const clock = new FakeClock(T0);
  const sink = new RecordingSink();
  const evaluator = createEvaluator({ source, profiles: built.value, clock, sink, log: silentLogger(), options: { initialLookbackMs: 30 * M } });
  source.attach(evaluator, clock);
  const labels = checkLabels(exampleCheck('hscn-gateway')); // the documented national-link ICMP check, every 30 s
  let next = T0 - 30 * M;
  while (clock.t < until) {
    clock.t += M;
    for (let ts = next; ts < clock.t; ts += 30_000) {
      const down = failed(ts);
      source.write('A81001', 'server1', 'probe_success', { ...labels, outcome: down ? 'timeout' : 'success' }, [{ ts, value: down ? 0 : 1 }]);
    }
    next = clock.t;
    await evaluator.tick();
  }
  return { sink, evaluator };
}

describe("probe_success{outcome}: a check's runs judged together", () => {
  it('one failed burst among successes raises nothing', async () => {
    const { sink, evaluator } = await run((ts) => ts === T0 + 10 * M, T0 + 40 * M);
    expect(sink.summary()).toEqual([]);
    expect(evaluator.states('A81001').filter((s) => s.held !== 'ok')).toEqual([]);
  });

  it('an outage raises n3-link-down and clears it when the link answers again', async () => {
    const { sink, evaluator } = await run((ts) => ts >= T0 + 10 * M && ts < T0 + 20 * M, T0 + 40 * M);
    expect(sink.summary((e) => e.rule.id === 'n3-link-down')).toEqual([
      'raise n3-link-down A81001 ok→critical at=09:12 start=09:12',
      'clear n3-link-down A81001 critical→ok at=09:23 start=09:12 end=09:23',
    ]);
    const st = evaluator.states('A81001').find((s) => s.rule.id === 'n3-link-down');
    expect(st?.labels.outcome).toBeUndefined();
    expect(st?.level).toBe('ok');
  });
});
