/**
 * Each lab needs names and a subnet no other lab on the machine uses at the same time (test
 * files run in parallel processes). A lab claims a numbered slot by creating a file with O_EXCL
 * in a shared directory; the slot number gives the namespace name, the veth names and the /29.
 *
 * A process that died without cleaning up (kill -9, a crashed worker) leaves its slot file
 * behind. The next lab to start sweeps those: under a mkdir lock (one sweeper at a time) it
 * deletes the dead owner's namespace and links, then its slot file.
 */
import { mkdirSync, openSync, writeSync, closeSync, readdirSync, readFileSync, rmSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runCommandSync } from './exec.ts';

/** 10.200.0.0/16 cut into /29s: 8192 slots. */
export const SLOT_COUNT = 8192;
export const SLOT_DIR = process.env.N3MON_LAB_DIR ?? '/tmp/n3mon-lab';

export interface SlotInfo {
  slot: number;
  pid: number;
  ns: string;
  hostIf: string;
  nsIf: string;
  hostIp: string;
  nsIp: string;
  /** An address inside the subnet that nobody owns: ARP fails, so traffic gets "host unreachable". */
  unusedIp: string;
  prefixLength: 29;
  subnet: string;
}

export function slotInfo(slot: number, pid: number): SlotInfo {
  if (!Number.isInteger(slot) || slot < 0 || slot >= SLOT_COUNT) throw new RangeError(`lab slot out of range: ${slot}`);
  const third = Math.floor(slot / 32);
  const base = (slot % 32) * 8;
  const ip = (last: number): string => `10.200.${third}.${base + last}`;
  const id = slot.toString(36);
  return {
    slot,
    pid,
    ns: `n3lab-${id}`,
    hostIf: `n3h-${id}`,
    nsIf: `n3n-${id}`,
    subnet: `${ip(0)}/29`,
    hostIp: ip(1),
    nsIp: ip(2),
    unusedIp: ip(5),
    prefixLength: 29,
  };
}

/** Files here replace /etc/<name> for commands run with `ip netns exec <ns>` (iproute2 bind-mounts them). */
export function netnsEtcDir(ns: string): string {
  return join('/etc/netns', ns);
}

function slotFile(slot: number): string {
  return join(SLOT_DIR, `slot-${slot}.json`);
}

function killIfAlive(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch (err) {
    // ESRCH: it exited between the listing and the kill — the outcome we want.
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else — alive.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Claims a free slot for this process; throws when all are taken (a bug or a leak). */
export function claimSlot(): SlotInfo {
  mkdirSync(SLOT_DIR, { recursive: true });
  sweepDeadSlots();
  // Start at a random slot so parallel processes rarely race for the same file.
  const start = Math.floor(Math.random() * SLOT_COUNT);
  for (let i = 0; i < SLOT_COUNT; i++) {
    const slot = (start + i) % SLOT_COUNT;
    const info = slotInfo(slot, process.pid);
    let fd: number;
    try {
      fd = openSync(slotFile(slot), 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    writeSync(fd, JSON.stringify(info));
    closeSync(fd);
    return info;
  }
  throw new Error(`lab: all ${SLOT_COUNT} slots in ${SLOT_DIR} are taken`);
}

export function releaseSlot(slot: number): void {
  rmSync(slotFile(slot), { force: true });
}

/** Deletes a slot's namespace and host link if they exist (synchronous: usable at exit). */
export function removeSlotResources(info: Pick<SlotInfo, 'ns' | 'hostIf'>): void {
  // Processes still inside the namespace (a dead owner's servers) would keep it and its veth
  // alive after the delete; they are ours by construction, so they are killed by pid.
  for (const pid of runCommandSync('ip', ['netns', 'pids', info.ns]).stdout.split(/\s+/).filter(Boolean).map(Number)) {
    if (Number.isInteger(pid) && pid > 1 && pid !== process.pid) killIfAlive(pid);
  }
  // Deleting the namespace destroys its veth end and with it the peer; the link delete covers a
  // half-built lab whose peer never reached the namespace. Both may already be gone: the exit
  // status is ignored on purpose.
  runCommandSync('ip', ['netns', 'delete', info.ns]);
  runCommandSync('ip', ['link', 'delete', info.hostIf]);
  rmSync(netnsEtcDir(info.ns), { recursive: true, force: true });
}

const SWEEP_LOCK_STALE_MS = 60_000;

function ageMs(path: string): number {
  const st = statSync(path, { throwIfNoEntry: false });
  return st === undefined ? 0 : Date.now() - st.mtimeMs;
}

function sweepDeadSlots(): void {
  const lock = join(SLOT_DIR, 'sweep.lock');
  try {
    mkdirSync(lock);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // Someone else is sweeping; a lock left by a dead sweeper is removed so the next lab sweeps.
    if (ageMs(lock) > SWEEP_LOCK_STALE_MS) rmSync(lock, { recursive: true, force: true });
    return;
  }
  try {
    for (const name of readdirSync(SLOT_DIR)) {
      if (!/^slot-\d+\.json$/.test(name)) continue;
      const file = join(SLOT_DIR, name);
      let info: SlotInfo;
      try {
        info = JSON.parse(readFileSync(file, 'utf8')) as SlotInfo;
      } catch {
        // A slot file is written right after it is created, so an unreadable one belongs to a
        // process that is writing it now — or that died in between, once it is old.
        if (ageMs(file) > SWEEP_LOCK_STALE_MS) rmSync(file, { force: true });
        continue;
      }
      if (isAlive(info.pid)) continue;
      removeSlotResources(info);
      rmSync(file, { force: true });
    }
  } finally {
    rmdirSync(lock);
  }
}
