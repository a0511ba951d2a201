// A run leaves nothing behind: what a probe hangs on its run's signal is garbage once the run is
// over. Probes do leave listeners on that signal (icmp and tcp race their work against an abort
// listener they never remove); with AbortSignal.any() Node kept every such signal alive, and with
// it each run's ping output — the agent's heap grew by ~70 KB a minute on the reference schedule.
import { describe, expect, it } from 'vitest';
import v8 from 'node:v8';
import vm from 'node:vm';
import { runOnce, type CheckRuntime } from '../../../agent/src/scheduler/run.ts';
import type { Probe } from '../../../agent/src/probes/types.ts';
import { silentLogger } from '../../../shared/src/log.ts';
import { systemClock } from '../../../shared/src/clock.ts';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe('runOnce and memory', () => {
  it('the run signal, its listeners and what they hold are collected after the run (the stop signal keeps nothing)', async () => {
    const held: WeakRef<object>[] = [];
    const probe: Probe = {
      async run(ctx) {
        const output = { text: 'PING 127.0.0.1 '.repeat(100) };
        held.push(new WeakRef(output), new WeakRef(ctx.signal));
        // The icmp probe's pattern: race the work against an abort listener that is never removed.
        const aborted = new Promise<'aborted'>((resolve) => ctx.signal.addEventListener('abort', () => resolve('aborted'), { once: true }));
        const work = Promise.resolve(output);
        const r = await Promise.race([work, aborted]);
        return { outcome: 'success', samples: r === 'aborted' ? [] : [{ metric: 'icmp_rtt_avg_ms', value: r.text.length }] };
      },
    };
    const rt: CheckRuntime = { id: 'icmp-1', kind: 'icmp', probe, intervalMs: 30_000, timeoutMs: 10_000, labels: { check: 'icmp-1' }, log: silentLogger() };
    const stop = new AbortController();
    for (let i = 0; i < 20; i++) {
      const record = await runOnce(rt, { clock: systemClock, stopSignal: stop.signal, graceMs: 500 });
      expect(record?.outcome).toBe('success');
    }
    expect(held).toHaveLength(40);
    for (let i = 0; i < 3; i++) {
      await tick();
      gc();
    }
    expect(held.filter((w) => w.deref() !== undefined)).toHaveLength(0);
    // The stop signal still stops a run in flight (its listener is added per run, removed after).
    let started!: () => void;
    const inFlight = new Promise<void>((r) => (started = r));
    const slow: Probe = {
      run: (ctx) =>
        new Promise((resolve) => {
          ctx.signal.addEventListener('abort', () => resolve({ outcome: 'timeout', samples: [] }), { once: true });
          started();
        }),
    };
    const pending = runOnce({ ...rt, probe: slow }, { clock: systemClock, stopSignal: stop.signal, graceMs: 500 });
    await inFlight;
    stop.abort(new DOMException('agent stopping', 'AbortError'));
    expect(await pending).toBeUndefined();
  });
});
