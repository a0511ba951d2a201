import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMtrJson } from '../../../../agent/src/probes/trace/parse.ts';
import { pathOf, traceSamples } from '../../../../agent/src/probes/trace/samples.ts';
import { decideTrace, MIN_REFERENCE_BURSTS, type TriggerState } from '../../../../agent/src/probes/trace/trigger.ts';
import { TRACE_DEFAULTS, traceSettings } from '../../../../agent/src/probes/trace/settings.ts';
import { MAX_CONCURRENT_TRACES, mtrArgv, PathTracer } from '../../../../agent/src/probes/trace/tracer.ts';
import { traceCulprit } from '../../../../collector/src/alerts/trace-culprit.ts';
import { silentLogger } from '../../../../shared/src/log.ts';
import { isMetricName } from '../../../../shared/src/metrics.ts';

/** Captured: mtr-tiny 0.95 in test/lab/router-chain.ts, 60 % loss on r2 and 30 ms each way on the r1–r2 link. */
const LOSSY = readFileSync(new URL('./fixtures/mtr-loss-delay-hop2.json', import.meta.url), 'utf8');

describe('mtr output → hops', () => {
  it('reads the captured trace: hop 1 clean, loss and delay from hop 2, an unanswered hop kept as ???', () => {
    const parsed = parseMtrJson(LOSSY);
    if (!parsed.ok) throw new Error(parsed.message);
    const [h1, h2] = parsed.hops;
    expect(h1).toMatchObject({ hop: 1, lossRatio: 0 });
    expect(h2?.hop).toBe(2);
    expect(h2?.lossRatio).toBeGreaterThan(0.2);
    expect(h2?.avgMs).toBeGreaterThan(50);
    expect(parsed.hops.some((h) => h.addr === '???' && h.lossRatio === 1 && h.avgMs === undefined)).toBe(true);
  });

  it('refuses what is not mtr JSON, with the reason', () => {
    expect(parseMtrJson('mtr: Failure to open IPv4 sockets: Operation not permitted')).toMatchObject({ ok: false });
    expect(parseMtrJson('{"report":{}}')).toMatchObject({ ok: false, message: 'mtr output has no report.hubs' });
  });

  it('names hop 2 as the culprit of the captured trace', () => {
    const parsed = parseMtrJson(LOSSY);
    if (!parsed.ok) throw new Error(parsed.message);
    const culprit = traceCulprit(
      parsed.hops.map((h) => ({ hop: h.hop, addr: h.addr, lossRatio: h.lossRatio, ...(h.avgMs === undefined ? {} : { rttMs: h.avgMs }) })),
    );
    expect(culprit).toEqual({ hop: 2, addr: parsed.hops[1]?.addr, why: 'loss' });
  });
});

describe('the culprit hop (pure)', () => {
  it('a router that only rate-limits its own answers is not the culprit; the first hop whose loss carries on is', () => {
    const hops = [
      { hop: 1, addr: 'a', lossRatio: 0, rttMs: 1 },
      { hop: 2, addr: 'b', lossRatio: 0.4, rttMs: 2 },
      { hop: 3, addr: 'c', lossRatio: 0, rttMs: 3 },
      { hop: 4, addr: 'd', lossRatio: 0.2, rttMs: 4 },
      { hop: 5, addr: 'e', lossRatio: 0.2, rttMs: 5 },
    ];
    expect(traceCulprit(hops)).toEqual({ hop: 4, addr: 'd', why: 'loss' });
  });

  it('without loss, the first hop whose RTT jump explains the end-to-end RTT', () => {
    const hops = [
      { hop: 1, addr: 'a', lossRatio: 0, rttMs: 1 },
      { hop: 2, addr: 'b', lossRatio: 0, rttMs: 2 },
      { hop: 3, addr: 'c', lossRatio: 0, rttMs: 80 },
      { hop: 4, addr: 'd', lossRatio: 0, rttMs: 82 },
    ];
    expect(traceCulprit(hops)).toEqual({ hop: 3, addr: 'c', why: 'delay' });
    expect(traceCulprit(hops.map((h) => ({ ...h, rttMs: h.hop })))).toBeUndefined();
  });
});

describe('when to trace (pure)', () => {
  const s = { ...TRACE_DEFAULTS, baselineIntervalMs: 0 };
  it('loss at the level traces once per minIntervalMs; RTT over the multiple of the recent median traces', () => {
    const st: TriggerState = { recentMedians: [] };
    expect(decideTrace(st, { lossRatio: 0.1, medianMs: 10 }, 0, s)).toBe('burst');
    expect(decideTrace(st, { lossRatio: 0.1, medianMs: 10 }, s.minIntervalMs - 1, s)).toBeUndefined();
    expect(decideTrace(st, { lossRatio: 0.1, medianMs: 10 }, s.minIntervalMs, s)).toBe('burst');
    const rtt: TriggerState = { recentMedians: [] };
    for (let i = 0; i < MIN_REFERENCE_BURSTS; i++) expect(decideTrace(rtt, { lossRatio: 0, medianMs: 10 }, i, s)).toBeUndefined();
    expect(decideTrace(rtt, { lossRatio: 0, medianMs: 30 }, 10, s)).toBeUndefined();
    expect(decideTrace(rtt, { lossRatio: 0, medianMs: 31 }, 11, s)).toBe('burst');
  });

  it('a baseline at the first burst and then every baselineIntervalMs', () => {
    const st: TriggerState = { recentMedians: [] };
    const b = { ...TRACE_DEFAULTS };
    expect(decideTrace(st, { lossRatio: 0, medianMs: 1 }, 1000, b)).toBe('baseline');
    expect(decideTrace(st, { lossRatio: 0, medianMs: 1 }, 1000 + b.baselineIntervalMs - 1, b)).toBeUndefined();
    expect(decideTrace(st, { lossRatio: 0, medianMs: 1 }, 1000 + b.baselineIntervalMs, b)).toBe('baseline');
  });

  it('only the three roles trace, never on Windows, and `enabled: false` turns it off', () => {
    expect(traceSettings({ role: 'n3-gateway' }, 'linux')).toEqual(TRACE_DEFAULTS);
    expect(traceSettings({ role: 'branch-site', trace: { probesPerHop: 8 } }, 'linux')?.probesPerHop).toBe(8);
    expect(traceSettings({ role: 'lan-gateway' }, 'linux')).toBeUndefined();
    expect(traceSettings({ role: 'national-app' }, 'win32')).toBeUndefined();
    expect(traceSettings({ role: 'national-app', trace: { enabled: false } }, 'linux')).toBeUndefined();
  });
});

describe('samples and path changes', () => {
  it('one loss sample per hop, RTT where answered, hops count, and path_changed against the previous hop list', () => {
    const parsed = parseMtrJson(LOSSY);
    if (!parsed.ok) throw new Error(parsed.message);
    const samples = traceSamples(parsed.hops, { ts: 5, reason: 'burst', previousPath: 'x y' });
    expect(samples.every((x) => isMetricName(x.metric) && x.ts === 5)).toBe(true);
    expect(samples.filter((x) => x.metric === 'trace_hop_loss_ratio')).toHaveLength(parsed.hops.length);
    expect(samples.find((x) => x.metric === 'trace_hops')).toMatchObject({ value: parsed.hops.length, labels: { reason: 'burst' } });
    expect(samples.find((x) => x.metric === 'trace_path_changed')?.value).toBe(1);
    expect(
      traceSamples(parsed.hops, { ts: 5, reason: 'baseline', previousPath: pathOf(parsed.hops) }).find((x) => x.metric === 'trace_path_changed')?.value,
    ).toBe(0);
    expect(traceSamples(parsed.hops, { ts: 5, reason: 'baseline' }).some((x) => x.metric === 'trace_path_changed')).toBe(false);
  });

  it('the tracer runs mtr bounded by count and hops, hands the samples over once, and records a path change', async () => {
    const outputs = [LOSSY, LOSSY.replace(/"host": "(\d+\.\d+\.\d+)\.10"/, '"host": "$1.18"')];
    const argvs: string[][] = [];
    let now = 0;
    const tracer = new PathTracer(
      '10.0.0.14',
      { ...TRACE_DEFAULTS, minIntervalMs: 60_000 },
      {
        log: silentLogger(),
        clock: { now: () => now, monotonic: () => now },
        runner: { run: (argv) => (argvs.push(argv), Promise.resolve({ ok: true, exitCode: 0, output: outputs.shift() ?? '' })) },
      },
    );
    tracer.afterBurst({ lossRatio: 0, medianMs: 1 });
    await tracer.idle();
    expect(tracer.take().some((x) => x.metric === 'trace_path_changed')).toBe(false);
    expect(tracer.take()).toEqual([]);
    now = 1000;
    tracer.afterBurst({ lossRatio: 0.5 });
    await tracer.idle();
    const second = tracer.take();
    expect(second.find((x) => x.metric === 'trace_path_changed')?.value).toBe(1);
    expect(second.every((x) => x.ts === 1000)).toBe(true);
    expect(argvs[0]).toEqual(mtrArgv('10.0.0.14', { ...TRACE_DEFAULTS, minIntervalMs: 60_000 }));
    expect(argvs[0]).toEqual(expect.arrayContaining(['-c', '5', '-m', '30', '--no-dns', '--json']));
  });

  it('at most MAX_CONCURRENT_TRACES mtr run at once across the agent; the rest wait, stamped when they start', async () => {
    // Eighteen checks' baselines at start-up (the bench:agent reference job's targets).
    let now = 0;
    let running = 0;
    let most = 0;
    const finish: Array<() => void> = [];
    const runner = {
      run: () =>
        new Promise<{ ok: true; exitCode: number; output: string }>((resolve) => {
          running++;
          most = Math.max(most, running);
          finish.push(() => {
            running--;
            resolve({ ok: true, exitCode: 0, output: LOSSY });
          });
        }),
    };
    const tracers = Array.from(
      { length: 18 },
      (_, i) => new PathTracer(`10.0.0.${i + 1}`, TRACE_DEFAULTS, { log: silentLogger(), clock: { now: () => now, monotonic: () => now }, runner }),
    );
    for (const t of tracers) t.afterBurst({ lossRatio: 0, medianMs: 1 });
    for (let done = 0; done < 18; done++) {
      await new Promise((r) => setImmediate(r));
      now += 1000;
      finish.shift()?.();
    }
    await Promise.all(tracers.map((t) => t.idle()));
    expect(most).toBe(MAX_CONCURRENT_TRACES);
    const stamps = tracers.map((t) => t.take()[0]?.ts);
    expect(stamps.every((ts) => ts !== undefined)).toBe(true);
    expect(Math.max(...(stamps as number[]))).toBeGreaterThan(0); // the later ones started later
    for (const t of tracers) t.close();
  });
});
