// Branch links: the default profile judges the documented branch-site check (deploy/examples/
// agent.yaml, `role: branch-site`, `labels: { site: "Branch" }`), with the labels the agent's
// scheduler gives its samples, in the branch-link area.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../shared/src/log.ts';
import { createEvaluator } from '../../../collector/src/evaluation/evaluator.ts';
import { buildThresholds, defaultProfilePath, loadProfileFile } from '../../../collector/src/evaluation/profile.ts';
import { FakeClock, MemorySource, RecordingSink, samples } from './memory-source.ts';
import { checkLabels, exampleCheck } from './agent-samples.ts';

const M = 60_000;
const T0 = Date.UTC(2026, 0, 14, 9, 0); // a Wednesday morning
const BURST = 30_000; // the documented check's intervalMs

function setup() {
  const built = buildThresholds(loadProfileFile(defaultProfilePath()), {});
  if (!built.ok) throw new Error(built.problems.join('\n'));
  const source = new MemorySource();
  const clock = new FakeClock(T0);
  const sink = new RecordingSink();
  const evaluator = createEvaluator({ source, profiles: built.value, clock, sink, log: silentLogger(), options: { initialLookbackMs: 30 * M } });
  source.attach(evaluator, clock);
  const labels = checkLabels(exampleCheck('branch-router'));
  /** The agent's bursts over [from, to): RTT, loss and probe_success as the ICMP check sends them. */
  const bursts = (from: number, to: number, f: (ts: number) => { rttMs: number | null; loss: number }): void => {
    const ok = samples(from, to, BURST, (ts) => (f(ts).rttMs === null ? 0 : 1));
    for (const [outcome, value] of [
      ['success', 1],
      ['timeout', 0],
    ] as const) {
      const pts = ok.filter((p) => p.value === value);
      if (pts.length > 0) source.write('A81001', 'server1', 'probe_success', { ...labels, outcome }, pts);
    }
    source.write(
      'A81001',
      'server1',
      'icmp_loss_ratio',
      labels,
      samples(from, to, BURST, (ts) => f(ts).loss),
    );
    source.write(
      'A81001',
      'server1',
      'icmp_rtt_avg_ms',
      labels,
      samples(from, to, BURST, (ts) => f(ts).rttMs ?? Number.NaN).filter((p) => !Number.isNaN(p.value)),
    );
  };
  /** Deliver minute by minute (as the agent pushes) and evaluate. */
  const run = async (until: number, f: Parameters<typeof bursts>[2]): Promise<void> => {
    let next = T0 - 30 * M;
    while (clock.t < until) {
      clock.t += M;
      bursts(next, clock.t, f);
      next = clock.t;
      await evaluator.tick();
    }
  };
  return { sink, run, labels };
}

describe('branch links (role branch-site)', () => {
  it('the documented branch check carries role branch-site and its site label', () => {
    expect(setup().labels).toMatchObject({ role: 'branch-site', site: 'Branch', check: 'branch-router', target: '192.0.2.65' });
  });

  it('a slow branch link raises branch-rtt-p95 after three evaluations, in the branch-link area, and clears at its clear level', async () => {
    const { sink, run } = setup();
    // 8 ms normally; 70 ms (over the 40 ms warning) from 09:20 to 09:50
    await run(T0 + 90 * M, (ts) => ({ rttMs: ts >= T0 + 20 * M && ts < T0 + 50 * M ? 70 : 8, loss: 0 }));
    const events = sink.events.filter((e) => e.rule.id === 'branch-rtt-p95');
    expect(events.map((e) => [e.kind, e.severity, e.area, e.labels.site])).toEqual([
      ['raise', 'warning', 'branch-link', 'Branch'],
      ['clear', 'ok', 'branch-link', 'Branch'],
    ]);
    // breaching from 09:21 (2 of 30 bursts over 40 ms put the p95 over it); raised at the third breaching evaluation
    expect(sink.summary((e) => e.rule.id === 'branch-rtt-p95')).toEqual([
      'raise branch-rtt-p95 A81001 ok→warning at=09:23 start=09:21',
      'clear branch-rtt-p95 A81001 warning→ok at=10:05 start=09:21 end=10:05',
    ]);
  });

  it('loss on the branch link raises branch-loss-mean (critical at 5 %) and clears when it stops', async () => {
    const { sink, run } = setup();
    await run(T0 + 60 * M, (ts) => ({ rttMs: 8, loss: ts >= T0 + 10 * M && ts < T0 + 30 * M ? 0.05 : 0 }));
    const s = sink.summary((e) => e.rule.id === 'branch-loss-mean');
    expect(s[0]).toMatch(/^raise branch-loss-mean A81001 ok→(warning|critical) /);
    expect(s.some((l) => l.includes('→critical'))).toBe(true);
    expect(s.at(-1)).toMatch(/^clear branch-loss-mean A81001 \w+→ok /);
  });

  it('a branch site that stops answering raises branch-link-down, which holds back its RTT and loss alerts', async () => {
    const { sink, run } = setup();
    await run(T0 + 40 * M, (ts) => (ts >= T0 + 10 * M && ts < T0 + 25 * M ? { rttMs: null, loss: 1 } : { rttMs: 8, loss: 0 }));
    expect(sink.summary((e) => e.rule.id === 'branch-link-down')[0]).toMatch(/^raise branch-link-down A81001 ok→critical /);
    const loss = sink.events.filter((e) => e.rule.id === 'branch-loss-mean' && e.kind === 'raise');
    expect(loss.length).toBeGreaterThan(0);
    for (const e of loss) expect(e.cause?.ruleId).toBe('branch-link-down');
    // The agent sends probe_success{outcome}: one stored series per outcome. Judged as the check's
    // runs together, the link is up again once successes come back (the timeout series, silent
    // from then on, does not hold the alert as unknown).
    // Down from 09:10 to 09:25: at 09:12 4 of the 3-minute window's 6 bursts failed (under half
    // succeeded); at 09:28 all 6 succeeded (at 09:27 only 4 of 6, under the 80 % clear level).
    expect(sink.summary((e) => e.rule.id === 'branch-link-down')).toEqual([
      'raise branch-link-down A81001 ok→critical at=09:12 start=09:12',
      'clear branch-link-down A81001 critical→ok at=09:28 start=09:12 end=09:28',
    ]);
  });
});
