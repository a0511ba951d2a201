/**
 * Host computations from readings captured with the real systeminformation on the reference
 * machine (test/fixtures/host/linux-debian12.json: 2 CPUs — busy at capture time —, lo + eth0,
 * one ext4 root; ~4 MB of loopback traffic between the readings). Hand-written inputs only where
 * this machine cannot show a case (Windows drive letters, counter resets).
 */
import { describe, expect, it } from 'vitest';
import {
  cpuLoadRatio,
  cpuTotals,
  diskUsage,
  hostSamples,
  memUsedRatio,
  netRates,
  netReading,
  selectInterfaces,
} from '../../../../agent/src/probes/host/compute.ts';
import {
  compileFilter,
  DEFAULT_EXCLUDE_FS_TYPES,
  DEFAULT_EXCLUDE_INTERFACES,
  DEFAULT_EXCLUDE_MOUNTS,
  globToRegExp,
} from '../../../../agent/src/probes/host/filters.ts';
import type { FsInfo } from '../../../../agent/src/probes/host/driver.ts';
import { loadCapture } from './fixture.ts';

const cap = loadCapture('linux-debian12');
const { first, second } = cap;
const defaultDisks = { mounts: compileFilter({ include: [], exclude: DEFAULT_EXCLUDE_MOUNTS }), excludeTypes: new Set<string>(DEFAULT_EXCLUDE_FS_TYPES) };
const defaultIfaces = compileFilter({ include: [], exclude: DEFAULT_EXCLUDE_INTERFACES });

describe('host CPU', () => {
  it('sums busy and idle ticks over all CPUs of a real reading', () => {
    const t = cpuTotals(first.cpus, 'linux');
    const byHand = first.cpus.reduce((a, c) => a + c.user + c.nice + c.sys + c.irq, 0);
    expect(t.busy).toBe(byHand);
    expect(t.idle).toBe(first.cpus.reduce((a, c) => a + c.idle, 0));
  });

  it('the busy share between the two captured readings is within 0..1', () => {
    const r = cpuLoadRatio(cpuTotals(first.cpus, 'linux'), cpuTotals(second.cpus, 'linux'));
    expect(r).toBeGreaterThanOrEqual(0);
    expect(r).toBeLessThanOrEqual(1);
    // The machine was saturated while capturing (idle ticks did not move): 1 exactly.
    expect(r).toBe(1);
  });

  it('is the busy share of the ticks that passed', () => {
    const a = { busy: 1000, idle: 9000 };
    expect(cpuLoadRatio(a, { busy: 1250, idle: 9750 })).toBe(0.25);
    expect(cpuLoadRatio(a, { busy: 1000, idle: 10_000 })).toBe(0);
  });

  it('gives nothing without progress or across a counter reset (never a made-up value)', () => {
    const a = { busy: 1000, idle: 9000 };
    expect(cpuLoadRatio(a, a)).toBeUndefined();
    expect(cpuLoadRatio(a, { busy: 10, idle: 20 })).toBeUndefined();
  });

  it('on Windows does not count interrupt time twice (libuv folds it into sys there)', () => {
    const cpus = [{ user: 100, nice: 0, sys: 50, idle: 850, irq: 20 }];
    expect(cpuTotals(cpus, 'win32')).toEqual({ busy: 150, idle: 850 });
    expect(cpuTotals(cpus, 'linux')).toEqual({ busy: 170, idle: 850 });
  });
});

describe('host memory', () => {
  it('is (total - available) / total, buffers and cache not counted as used', () => {
    const m = second.mem as typeof second.mem & { buffcache: number; used: number };
    const r = memUsedRatio(m)!;
    expect(r).toBeCloseTo((m.total - m.available) / m.total, 12);
    // si's `used` includes buffers/cache; ours must be lower by at least that much.
    expect(r * m.total).toBeLessThan(m.used);
    expect(r).toBeGreaterThan(0);
    expect(r).toBeLessThan(1);
  });

  it('gives nothing for a nonsense total', () => {
    expect(memUsedRatio({ total: 0, available: 0 })).toBeUndefined();
  });
});

describe('host disks', () => {
  it('reports the real root filesystem as df does: used / (used + available)', () => {
    const d = diskUsage(second.fsSize, defaultDisks);
    expect(d.map((x) => x.mount)).toEqual(['/']);
    const root = second.fsSize[0]!;
    expect(d[0]!.ratio).toBeCloseTo(root.used / (root.used + root.available), 12);
    // si's own `use` (percent) agrees.
    expect(d[0]!.ratio * 100).toBeCloseTo((root as FsInfo & { use: number }).use, 1);
  });

  const fs = (mount: string, type: string, used = 50, available = 50, size = 100): FsInfo => ({ fs: `/dev/x${mount}`, type, mount, size, used, available });

  it('drops pseudo, container and network filesystems and kernel mounts by default', () => {
    const list = [
      fs('/', 'ext4'),
      fs('/boot/efi', 'vfat'),
      fs('/var/lib/docker/overlay2/abc/merged', 'overlay'),
      fs('/run/user/0', 'tmpfs'),
      fs('/mnt/nas', 'nfs4'),
      fs('/dev', 'devtmpfs'),
      fs('/srv/data', 'xfs'),
    ];
    expect(diskUsage(list, defaultDisks).map((x) => x.mount)).toEqual(['/', '/boot/efi', '/srv/data']);
  });

  it('include narrows, exclude wins, matching ignores case (Windows drive letters)', () => {
    const win = [fs('C:', 'NTFS', 30, 70), fs('D:', 'NTFS', 90, 10), fs('E:', 'CDFS', 1, 0)];
    const only = (include: string[], exclude: string[] = []) => ({
      mounts: compileFilter({ include, exclude }),
      excludeTypes: new Set<string>(DEFAULT_EXCLUDE_FS_TYPES),
    });
    expect(diskUsage(win, defaultDisks)).toEqual([
      { mount: 'C:', ratio: 0.3 },
      { mount: 'D:', ratio: 0.9 },
    ]);
    expect(diskUsage(win, only(['c:'])).map((x) => x.mount)).toEqual(['C:']);
    expect(diskUsage(win, only(['*'], ['D:'])).map((x) => x.mount)).toEqual(['C:']);
  });

  it('counts a mount once, skips zero-sized ones, clamps to 0..1', () => {
    expect(diskUsage([fs('/', 'ext4', 10, 90), fs('/', 'ext4', 99, 1)], defaultDisks)).toEqual([{ mount: '/', ratio: 0.1 }]);
    expect(diskUsage([fs('/a', 'ext4', 0, 0, 0)], defaultDisks)).toEqual([]);
    expect(diskUsage([fs('/b', 'ext4', 120, 0, 100)], defaultDisks)).toEqual([{ mount: '/b', ratio: 1 }]);
  });

  it('never emits a mount label longer than the collector accepts', () => {
    expect(diskUsage([fs(`/${'x'.repeat(300)}`, 'ext4')], defaultDisks)).toEqual([]);
  });
});

describe('host interfaces', () => {
  it('by default reads every real interface and not loopback', () => {
    expect(selectInterfaces(first.interfaces, defaultIfaces)).toEqual(['eth0']);
  });

  it('loopback only when named in include; container plumbing excluded', () => {
    expect(selectInterfaces(first.interfaces, compileFilter({ include: ['lo'], exclude: [] }))).toEqual(['lo']);
    const many = [
      { name: 'eth0', internal: false },
      { name: 'docker0', internal: false },
      { name: 'veth12ab', internal: false },
      { name: 'br-5f3e', internal: false },
      { name: 'ens18', internal: false },
    ];
    expect(selectInterfaces(many, defaultIfaces)).toEqual(['eth0', 'ens18']);
    expect(
      selectInterfaces(
        [
          { name: 'Ethernet 2', internal: false },
          { name: 'Loopback Pseudo-Interface 1', internal: true },
        ],
        defaultIfaces,
      ),
    ).toEqual(['Ethernet 2']);
  });

  it('computes bit rates from the captured counters and the time between the readings', () => {
    const asked = ['lo', 'eth0'];
    const a = netReading(first.at, asked, first.networkStats);
    const b = netReading(second.at, asked, second.networkStats);
    const rates = netRates(a, b);
    const lo = rates.find((r) => r.iface === 'lo')!;
    const bytes = second.networkStats[0]!.rx_bytes - first.networkStats[0]!.rx_bytes;
    expect(bytes).toBeGreaterThan(4 * 1024 * 1024); // the capture's 4 MB of loopback traffic
    expect(lo.rxBps).toBeCloseTo((bytes * 8 * 1000) / (second.at - first.at), 2);
    expect(lo.txBps).toBe(lo.rxBps); // loopback: every byte sent is received
    expect(rates.find((r) => r.iface === 'eth0')).toEqual({ iface: 'eth0', rxBps: 0, txBps: 0 });
  });

  it('no rate for a new interface, across a counter reset, or from readings too close together', () => {
    const a = netReading(
      0,
      ['eth0', 'eth1'],
      [
        { iface: 'eth0', operstate: 'up', rx_bytes: 1000, tx_bytes: 1000 },
        { iface: 'eth1', operstate: 'up', rx_bytes: 5000, tx_bytes: 5000 },
      ],
    );
    const b = netReading(
      2000,
      ['eth0', 'eth1', 'eth2'],
      [
        { iface: 'eth0', operstate: 'up', rx_bytes: 3000, tx_bytes: 1500 },
        { iface: 'eth1', operstate: 'up', rx_bytes: 10, tx_bytes: 10 },
        { iface: 'eth2', operstate: 'up', rx_bytes: 10, tx_bytes: 10 },
      ],
    );
    expect(netRates(a, b)).toEqual([{ iface: 'eth0', rxBps: 8000, txBps: 2000 }]);
    expect(netRates(a, { ...b, at: 999 })).toEqual([]);
  });

  it('treats all-zero counters as unreadable (how si answers for an interface it cannot read)', () => {
    const r = netReading(0, ['Ethernet 2'], [{ iface: 'Ethernet2', operstate: 'unknown', rx_bytes: 0, tx_bytes: 0 }]);
    expect(r.counters.size).toBe(0);
  });
});

describe('host samples and patterns', () => {
  it('names samples with their labels', () => {
    expect(hostSamples({ cpu: 0.5, mem: 0.25, disks: [{ mount: '/', ratio: 0.1 }], rates: [{ iface: 'eth0', rxBps: 8, txBps: 16 }] })).toEqual([
      { metric: 'host_cpu_load_ratio', value: 0.5 },
      { metric: 'host_mem_used_ratio', value: 0.25 },
      { metric: 'host_disk_used_ratio', value: 0.1, labels: { mount: '/' } },
      { metric: 'host_net_rx_bps', value: 8, labels: { iface: 'eth0' } },
      { metric: 'host_net_tx_bps', value: 16, labels: { iface: 'eth0' } },
    ]);
    expect(hostSamples({ disks: [], rates: [] })).toEqual([]);
  });

  it('globs: * any run, ? one character, everything else literal', () => {
    expect(globToRegExp('/var/lib/docker/*').test('/var/lib/docker/overlay2/x/merged')).toBe(true);
    expect(globToRegExp('/run').test('/running')).toBe(false);
    expect(globToRegExp('eth?').test('eth1')).toBe(true);
    expect(globToRegExp('a.b').test('axb')).toBe(false);
    expect(globToRegExp('(x)').test('(x)')).toBe(true);
  });
});
