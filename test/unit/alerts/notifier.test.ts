import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../shared/src/log.ts';
import { Notifier } from '../../../collector/src/notifications/notifier.ts';
import { createEvaluator } from '../../../collector/src/evaluation/evaluator.ts';
import { ev, harness, M, Recorder, T0, type Harness } from './helpers.ts';
import { buildThresholds, defaultProfilePath, loadProfileFile } from '../../../collector/src/evaluation/profile.ts';
import { MemorySource, samples } from '../evaluation/memory-source.ts';

let h: Harness | undefined;
afterEach(() => h?.close());

async function setup(opts: { groupWaitMs?: number; resolveHoldMs?: number } = {}) {
  const rec = new Recorder();
  let notifier: Notifier | undefined;
  h = await harness({
    reopenWithinMs: opts.resolveHoldMs ?? 10 * M,
    listeners: [{ onAlertChange: (c) => notifier?.onAlertChange(c), onProgress: (p) => notifier?.onProgress(p) }],
  });
  const hh = h;
  notifier = new Notifier({
    alerts: hh.alerts,
    channels: [rec],
    clock: hh.clock,
    log: silentLogger(),
    organisation: 'Example ICB',
    practiceName: (ods) => (ods === 'A81001' ? 'Example Surgery' : undefined),
    options: { groupWaitMs: opts.groupWaitMs ?? 30_000, resolveHoldMs: opts.resolveHoldMs ?? 10 * M },
  });
  const n = notifier;
  /** Let the manager apply what the test gave it, advance the wall clock and let the notifier send what is due. */
  const after = async (ms: number): Promise<void> => {
    await hh.manager.settle();
    hh.clock.t += ms;
    await n.tick();
    await n.drain();
  };
  const progress = (until: number): void => hh.manager.onProgress({ practice: 'A81001', agent: 'main', evaluatedUntil: until, changed: [] });
  return { rec, notifier: n, h: hh, after, progress };
}

describe('notifications', () => {
  it('changes of one practice within the group wait go out together; other practices apart', async () => {
    const { rec, h, after } = await setup();
    h.manager.onEvent(ev('raise', 'n3-rtt-p95', T0 + 3 * M));
    h.manager.onEvent(ev('raise', 'lan-rtt-p95', T0 + 3 * M, { seriesId: 'lan' }));
    h.manager.onEvent(ev('raise', 'n3-rtt-p95', T0 + 3 * M, { practice: 'B82002', seriesId: 'b' }));
    await after(10_000);
    expect(rec.got).toHaveLength(0);
    await after(25_000);
    expect(rec.lines()).toEqual(['A81001: firing n3-rtt-p95 warning, firing lan-rtt-p95 warning', 'B82002: firing n3-rtt-p95 warning']);
    expect(rec.got[0]).toMatchObject({ version: 1, organisation: 'Example ICB', practice: { ods: 'A81001', name: 'Example Surgery' } });
    expect(rec.got[1]?.practice).toEqual({ ods: 'B82002', name: 'B82002' });
  });

  it('firing once, again only when worse; resolved after the hold (event time)', async () => {
    const { rec, h, after, progress } = await setup();
    h.manager.onEvent(ev('raise', 'n3-rtt-p95', T0 + 3 * M));
    await after(31_000);
    h.manager.onEvent(ev('escalate', 'n3-rtt-p95', T0 + 5 * M, { severity: 'critical' }));
    await after(31_000);
    h.manager.onEvent(ev('deescalate', 'n3-rtt-p95', T0 + 8 * M, { severity: 'warning', previous: 'critical' }));
    await after(31_000);
    h.manager.onEvent(ev('clear', 'n3-rtt-p95', T0 + 12 * M, { previous: 'warning', endedAt: T0 + 12 * M }));
    progress(T0 + 12 * M);
    await after(31_000);
    expect(rec.lines()).toEqual(['A81001: firing n3-rtt-p95 warning', 'A81001: firing n3-rtt-p95 critical']);
    progress(T0 + 21 * M);
    await after(31_000);
    expect(rec.got).toHaveLength(2);
    progress(T0 + 22 * M);
    await after(5_000);
    expect(rec.lines().slice(2)).toEqual(['A81001: resolved n3-rtt-p95 warning ended']);
    expect(rec.got[2]?.items[0]).toMatchObject({ peak: 'critical', startedAt: new Date(T0 + M).toISOString(), endedAt: new Date(T0 + 12 * M).toISOString() });
  });

  it('a suppressed alert is not sent; its cause counts it', async () => {
    const { rec, h, after } = await setup();
    h.manager.onEvent(ev('raise', 'n3-link-down', T0 + 2 * M, { severity: 'critical', seriesId: 'probe-n3' }));
    const cause = { ruleId: 'n3-link-down', practice: 'A81001', agent: 'main', seriesId: 'probe-n3' };
    for (const app of ['spine', 'eps', 'ers']) h.manager.onEvent(ev('raise', 'app-unreachable', T0 + 4 * M, { seriesId: app, cause }));
    await after(31_000);
    expect(rec.lines()).toEqual(['A81001: firing n3-link-down critical +3 suppressed']);
  });

  it('an alert opened and resolved before anything was sent (a backlog) is sent once, as resolved', async () => {
    const { rec, h, after, progress } = await setup();
    h.manager.onEvent(ev('raise', 'n3-link-down', T0 + 2 * M, { severity: 'critical', seriesId: 'probe-n3' }));
    h.manager.onEvent(ev('clear', 'n3-link-down', T0 + 20 * M, { previous: 'critical', seriesId: 'probe-n3', endedAt: T0 + 20 * M }));
    progress(T0 + 40 * M);
    await after(31_000);
    expect(rec.lines()).toEqual(['A81001: resolved n3-link-down critical ended']);
  });

  it('agent silence resolves on the collector clock', async () => {
    const { rec, h, after } = await setup({ resolveHoldMs: 2 * M });
    const t = h.clock.t;
    h.manager.onEvent(ev('raise', 'agent-silent', t, { seriesId: 'silence:A81001/main', startedAt: t - 5 * M }));
    await after(31_000);
    h.manager.onEvent(ev('clear', 'agent-silent', h.clock.t, { seriesId: 'silence:A81001/main', endedAt: h.clock.t }));
    await after(61_000);
    expect(rec.got).toHaveLength(1);
    await after(61_000);
    expect(rec.lines()).toEqual(['A81001: firing agent-silent warning', 'A81001: resolved agent-silent warning ended']);
  });
});

describe('a flapping series', () => {
  it('sends one notification each way, not fifty', async () => {
    const { rec, h, after, notifier } = await setup();
    const r = buildThresholds(loadProfileFile(defaultProfilePath()), {});
    if (!r.ok) throw new Error(r.problems.join('\n'));
    const source = new MemorySource();
    const evaluator = createEvaluator({
      source,
      profiles: r.value,
      clock: h.clock,
      sink: h.manager,
      log: silentLogger(),
      options: { initialLookbackMs: 10 * M },
    });
    source.attach(evaluator, h.clock);
    const n3 = { role: 'n3-gateway', target: '10.200.0.1', check: 'icmp:n3' };
    // the link goes down for 3 minutes in every 6, fifty times over
    const flap = (ts: number): number => (ts >= T0 && ts < T0 + 300 * M && Math.floor((ts - T0) / (3 * M)) % 2 === 0 ? 0 : 1);
    h.clock.t = T0 - 10 * M;
    source.write('A81001', 'main', 'probe_success', n3, samples(T0 - 30 * M, T0 - 10 * M, 30_000, flap));
    await evaluator.tick();
    for (let t = T0 - 10 * M; t < T0 + 330 * M; t += M) {
      source.write('A81001', 'main', 'probe_success', n3, samples(t, t + M, 30_000, flap));
      h.clock.t = t + M + 1000;
      await evaluator.tick();
      await h.manager.flush();
      await notifier.tick();
      await notifier.drain();
    }
    await after(31_000);
    const alerts = (await h.alerts.list({ limit: 100, offset: 0 })).items.filter((a) => a.ruleId === 'n3-link-down');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ state: 'resolved', reopened: 49 });
    expect((await h.alerts.history(alerts[0]!.id)).filter((e) => e.kind === 'reopened')).toHaveLength(49);
    expect(rec.lines()).toEqual(['A81001: firing n3-link-down critical', 'A81001: resolved n3-link-down critical ended']);
  });
});
