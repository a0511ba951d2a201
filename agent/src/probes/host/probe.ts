/**
 * The host probe's run. It keeps the previous CPU and interface counters (per check, in the probe
 * instance) to turn them into a busy share and bit rates. The very first run takes a second
 * reading after a short pause so it, too, reports CPU and rates — never a since-boot average or
 * a made-up zero.
 */
import type { Probe, ProbeResult, RunContext } from '../types.ts';
import {
  cpuLoadRatio,
  cpuTotals,
  diskUsage,
  hostSamples,
  memUsedRatio,
  netRates,
  netReading,
  selectInterfaces,
  MIN_RATE_INTERVAL_MS,
  type CpuTotals,
  type NetReading,
} from './compute.ts';
import type { HostDriver } from './driver.ts';
import { compileFilter } from './filters.ts';
import type { HostCheck } from './schema.ts';

export interface HostProbeOptions {
  driver: HostDriver;
  /** Pause before the first run's second reading; 0 makes the first run only take a baseline. */
  primeMs?: number;
}

interface Baseline {
  cpu: CpuTotals;
  net: NetReading;
}

class Aborted extends Error {}

/** Resolves with p, or rejects with Aborted when the signal fires first (p is left to settle). */
function bounded<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) {
      reject(new Aborted());
      return;
    }
    const onAbort = (): void => reject(new Aborted());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return bounded(new Promise<void>((resolve) => setTimeout(resolve, ms)), signal);
}

export function createHostProbe(check: HostCheck, opts: HostProbeOptions): Probe {
  const { driver } = opts;
  const primeMs = opts.primeMs ?? MIN_RATE_INTERVAL_MS + 100;
  const ifaceFilter = compileFilter(check.interfaces);
  const diskFilter = { mounts: compileFilter(check.mounts), excludeTypes: new Set(check.mounts.excludeTypes.map((t) => t.toLowerCase())) };
  let last: Baseline | undefined;

  const read = async (ctx: RunContext): Promise<Baseline> => {
    const names = selectInterfaces(driver.interfaces(), ifaceFilter);
    const cpu = cpuTotals(driver.cpuTimes(), driver.platform);
    const stats = await bounded(driver.networkStats(names), ctx.signal);
    return { cpu, net: netReading(ctx.clock.monotonic(), names, stats) };
  };

  return {
    async run(ctx: RunContext): Promise<ProbeResult> {
      const failed: string[] = [];
      let cpu: number | undefined;
      let mem: number | undefined;
      let disks: { mount: string; ratio: number }[] = [];
      let rates: { iface: string; rxBps: number; txBps: number }[] = [];
      const attempt = async (part: string, fn: () => Promise<void>): Promise<void> => {
        try {
          await fn();
        } catch (err) {
          if (err instanceof Aborted) throw err;
          failed.push(part);
          ctx.log.warn({ part, err: err instanceof Error ? err.message : String(err) }, 'host probe: reading failed');
        }
      };
      try {
        await attempt('cpu/net', async () => {
          let prev = last;
          const prime = Math.min(primeMs, Math.floor(ctx.timeoutMs / 2));
          if (prev === undefined && prime > 0) {
            prev = await read(ctx);
            await pause(prime, ctx.signal);
          }
          const cur = await read(ctx);
          if (prev !== undefined) {
            cpu = cpuLoadRatio(prev.cpu, cur.cpu);
            rates = netRates(prev.net, cur.net);
          }
          last = cur;
        });
        await attempt('memory', async () => {
          mem = memUsedRatio(await bounded(driver.memory(), ctx.signal));
        });
        await attempt('filesystems', async () => {
          disks = diskUsage(await bounded(driver.filesystems(), ctx.signal), diskFilter);
        });
      } catch (err) {
        if (!(err instanceof Aborted)) throw err;
        return { outcome: 'timeout', samples: hostSamples({ cpu, mem, disks, rates }), message: 'host readings did not finish within the timeout' };
      }
      const samples = hostSamples({ cpu, mem, disks, rates });
      if (failed.length > 0) return { outcome: 'unavailable', samples, message: `could not read ${failed.join(', ')}` };
      return { outcome: 'success', samples };
    },
    close() {
      driver.close();
    },
  };
}
