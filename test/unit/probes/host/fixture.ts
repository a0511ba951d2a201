/** Loads a capture made by test/fixtures/host/capture.ts and replays it through a HostDriver. */
import { readFileSync } from 'node:fs';
import type { CpuTimes, FsInfo, HostDriver, MemInfo, NetCounters, NetInterfaceInfo } from '../../../../agent/src/probes/host/driver.ts';

export interface Reading {
  at: number;
  cpus: CpuTimes[];
  interfaces: NetInterfaceInfo[];
  asked: string[];
  networkStats: NetCounters[];
  mem: MemInfo;
  fsSize: FsInfo[];
}

export interface Capture {
  capturedWith: string;
  platform: NodeJS.Platform;
  first: Reading;
  second: Reading;
}

export function loadCapture(name: string): Capture {
  return JSON.parse(readFileSync(new URL(`../../../fixtures/host/${name}.json`, import.meta.url), 'utf8')) as Capture;
}

/**
 * A driver that answers from captured readings, one reading per networkStats() call (the probe
 * reads counters once per reading), and moves `clock` to the reading's capture time.
 */
export function replayDriver(readings: readonly Reading[], clock: { mono: number }, fail: { filesystems?: Error } = {}): HostDriver & { closed: boolean } {
  let i = -1;
  const current = (): Reading => readings[Math.max(0, Math.min(i, readings.length - 1))]!;
  return {
    platform: 'linux',
    closed: false,
    cpuTimes: () => readings[Math.min(i + 1, readings.length - 1)]!.cpus,
    interfaces: () => readings[0]!.interfaces,
    async networkStats(ifaces) {
      i++;
      const r = current();
      clock.mono = r.at;
      return ifaces.map((name) => r.networkStats[r.asked.indexOf(name)] ?? { iface: name, operstate: 'unknown', rx_bytes: 0, tx_bytes: 0 });
    },
    memory: async () => current().mem,
    filesystems: async () => {
      if (fail.filesystems !== undefined) throw fail.filesystems;
      return current().fsSize;
    },
    close() {
      this.closed = true;
    },
  };
}
