/**
 * The host probe's run loop over a driver that replays readings captured from the real
 * systeminformation (the driver is the seam; the probe's logic is what is under test).
 */
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { hostProbe } from '../../../../agent/src/probes/host/index.ts';
import { createHostProbe } from '../../../../agent/src/probes/host/probe.ts';
import type { HostCheck } from '../../../../agent/src/probes/host/schema.ts';
import type { RunContext } from '../../../../agent/src/probes/types.ts';
import { silentLogger } from '../../../../shared/src/log.ts';
import { parseWithSchema } from '../../../../shared/src/validate.ts';
import { loadCapture, replayDriver } from './fixture.ts';

const cap = loadCapture('linux-debian12');

function check(over: Record<string, unknown> = {}): HostCheck {
  const r = parseWithSchema(hostProbe.schema, { kind: 'host', ...over });
  if (!r.ok) throw new Error(r.problems.join('\n'));
  return r.value;
}

function ctx(clock: { mono: number }, signal: AbortSignal = new AbortController().signal): RunContext {
  return { signal, timeoutMs: 10_000, log: silentLogger(), clock: { now: () => 1_795_000_000_000, monotonic: () => clock.mono } };
}

const metrics = (samples: { metric: string; labels?: Record<string, string> }[]) =>
  samples.map((s) => (s.labels === undefined ? s.metric : `${s.metric}{${Object.values(s.labels).join(',')}}`));

describe('host probe runs', () => {
  it('without priming, the first run has memory and disks only; the second adds CPU and rates', async () => {
    const clock = { mono: 0 };
    const probe = createHostProbe(check({ interfaces: { include: ['lo', 'eth0'] } }), { driver: replayDriver([cap.first, cap.second], clock), primeMs: 0 });
    const one = await probe.run(ctx(clock));
    expect(one.outcome).toBe('success');
    expect(metrics(one.samples)).toEqual(['host_mem_used_ratio', 'host_disk_used_ratio{/}']);
    const two = await probe.run(ctx(clock));
    expect(two.outcome).toBe('success');
    expect(metrics(two.samples)).toEqual([
      'host_cpu_load_ratio',
      'host_mem_used_ratio',
      'host_disk_used_ratio{/}',
      'host_net_rx_bps{lo}',
      'host_net_tx_bps{lo}',
      'host_net_rx_bps{eth0}',
      'host_net_tx_bps{eth0}',
    ]);
    const lo = two.samples.find((s) => s.metric === 'host_net_rx_bps' && s.labels?.iface === 'lo')!;
    expect(lo.value).toBeGreaterThan(1_000_000);
  });

  it('primed, the first run already reports CPU and rates (two readings, a pause apart)', async () => {
    const clock = { mono: 0 };
    const probe = createHostProbe(check({ interfaces: { include: ['lo'] } }), { driver: replayDriver([cap.first, cap.second], clock), primeMs: 5 });
    const one = await probe.run(ctx(clock));
    expect(metrics(one.samples)).toEqual([
      'host_cpu_load_ratio',
      'host_mem_used_ratio',
      'host_disk_used_ratio{/}',
      'host_net_rx_bps{lo}',
      'host_net_tx_bps{lo}',
    ]);
  });

  it('a part that cannot be read makes the run unavailable, and the rest is still reported', async () => {
    const clock = { mono: 0 };
    const driver = replayDriver([cap.first, cap.second], clock, { filesystems: new Error('df: not found') });
    const r = await createHostProbe(check(), { driver, primeMs: 0 }).run(ctx(clock));
    expect(r.outcome).toBe('unavailable');
    expect(r.message).toBe('could not read filesystems');
    expect(metrics(r.samples)).toEqual(['host_mem_used_ratio']);
  });

  it('an abort ends the run as timeout with what was read so far', async () => {
    const clock = { mono: 0 };
    const ac = new AbortController();
    const driver = replayDriver([cap.first, cap.second], clock);
    driver.filesystems = () => new Promise(() => ac.abort()); // never answers; the timeout fires meanwhile
    const r = await createHostProbe(check(), { driver, primeMs: 0 }).run(ctx(clock, ac.signal));
    expect(r.outcome).toBe('timeout');
    expect(metrics(r.samples)).toEqual(['host_mem_used_ratio']);
  });

  it('close() releases the driver', () => {
    const clock = { mono: 0 };
    const driver = replayDriver([cap.first], clock);
    void createHostProbe(check(), { driver }).close?.();
    expect(driver.closed).toBe(true);
  });
});

describe('host check config', () => {
  it('defaults: role server, 60 s, the documented filters; target label is the host name', () => {
    const c = check();
    expect(c).toMatchObject({ kind: 'host', role: 'server', intervalMs: 60_000, mounts: { include: [] }, interfaces: { include: [] } });
    expect(c.mounts.exclude).toContain('/proc');
    expect(c.interfaces.exclude).toContain('docker*');
    expect(hostProbe.baseLabels(c)).toEqual({ target: hostname(), role: 'server' });
  });

  it('reports problems as path: message', () => {
    const r = parseWithSchema(hostProbe.schema, {
      kind: 'host',
      intervalMs: 10,
      mounts: { include: 'C:', foo: 1 },
      interfaces: { exclude: [''] },
      target: 'x',
    });
    expect(r.ok ? [] : r.problems).toEqual([
      'intervalMs: must be >= 1000',
      'mounts.include: must be array (got string "C:")',
      'mounts.foo: unknown key (allowed: include, exclude, excludeTypes)',
      'interfaces.exclude[0]: must not be empty',
      'target: unknown key (allowed: kind, id, role, intervalMs, timeoutMs, app, labels, mounts, interfaces)',
    ]);
  });
});
