/**
 * Default StatusProvider (until alert rules replace it):
 *   unknown — no agent of the practice has delivered a batch for `staleAfterMs` (5 min), or never;
 *   warning — the latest probe_success of some check is 0 (and that sample is newer than
 *             `checkStaleMs`, so a check removed from an agent's config stops counting);
 *   ok      — otherwise.
 * A check is one agent's `check` label (or, without it, its labels other than `outcome`); the
 * latest sample is the one with the greatest ts, so a replayed backlog does not overwrite a newer state.
 */
import type { SeriesStore } from '../storage/types.ts';
import type { IngestObserver, IngestedBatch, PracticeStatus, StatusProvider } from './provider.ts';

export interface CheckState {
  agent: string;
  check: string;
  ts: number;
  value: number;
  outcome: string;
}

export interface LatestProbeOptions {
  lastSeen: (practice: string) => number | null;
  staleAfterMs?: number;
  checkStaleMs?: number;
}

export const DEFAULT_STALE_AFTER_MS = 5 * 60_000;
export const DEFAULT_CHECK_STALE_MS = 2 * 3600_000;

function checkKey(labels: Readonly<Record<string, string>>): string {
  const id = labels.check;
  if (id !== undefined) return id;
  return Object.keys(labels)
    .filter((k) => k !== 'outcome')
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}

export class LatestProbeStatus implements StatusProvider, IngestObserver {
  readonly #checks = new Map<string, Map<string, CheckState>>();
  /** Per practice, the checks whose latest value is 0. */
  readonly #failing = new Map<string, Set<string>>();
  readonly #lastSeen: (practice: string) => number | null;
  readonly #staleAfterMs: number;
  readonly #checkStaleMs: number;

  constructor(opts: LatestProbeOptions) {
    this.#lastSeen = opts.lastSeen;
    this.#staleAfterMs = opts.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
    this.#checkStaleMs = opts.checkStaleMs ?? DEFAULT_CHECK_STALE_MS;
  }

  record(practice: string, agent: string, labels: Readonly<Record<string, string>>, ts: number, value: number): void {
    const key = `${agent}\u0000${checkKey(labels)}`;
    let checks = this.#checks.get(practice);
    if (checks === undefined) {
      checks = new Map();
      this.#checks.set(practice, checks);
    }
    const prev = checks.get(key);
    if (prev !== undefined && prev.ts > ts) return;
    checks.set(key, { agent, check: labels.check ?? checkKey(labels), ts, value, outcome: labels.outcome ?? '' });
    let failing = this.#failing.get(practice);
    if (value === 0) {
      if (failing === undefined) {
        failing = new Set();
        this.#failing.set(practice, failing);
      }
      failing.add(key);
    } else failing?.delete(key);
  }

  onBatch(b: IngestedBatch): void {
    const samples = b.samples;
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i] as (typeof samples)[number];
      if (s.metric === 'probe_success') this.record(b.practice, b.agent, s.labels, s.ts, s.value);
    }
  }

  /** Latest state of each check of the practice (for the detail view). */
  checksOf(practice: string): CheckState[] {
    return [...(this.#checks.get(practice)?.values() ?? [])];
  }

  statusOf(practice: string, now: number): PracticeStatus {
    const seen = this.#lastSeen(practice);
    if (seen === null) return { status: 'unknown', openAlerts: 0, reasons: ['no agent has reported yet'] };
    if (now - seen > this.#staleAfterMs) return { status: 'unknown', openAlerts: 0, reasons: [`no agent has reported since ${new Date(seen).toISOString()}`] };
    const failing = this.#failing.get(practice);
    if (failing === undefined || failing.size === 0) return { status: 'ok', openAlerts: 0, reasons: [] };
    const checks = this.#checks.get(practice);
    const reasons: string[] = [];
    for (const key of failing) {
      const c = checks?.get(key);
      if (c !== undefined && now - c.ts <= this.#checkStaleMs)
        reasons.push(`check ${c.check} on agent ${c.agent} failed (${c.outcome || 'probe_success 0'}) at ${new Date(c.ts).toISOString()}`);
    }
    return reasons.length === 0 ? { status: 'ok', openAlerts: 0, reasons: [] } : { status: 'warning', openAlerts: 0, reasons };
  }

  /** Load the latest probe_success of every check from the store (at start-up). Returns series read. */
  async warm(store: SeriesStore, now: number): Promise<number> {
    const series = await store.findSeries({ metric: 'probe_success' });
    let n = 0;
    for (const s of series) {
      if (s.lastTs !== undefined && now - s.lastTs > this.#checkStaleMs) continue;
      const points = s.lastTs === undefined ? await store.raw(s.id, now - this.#checkStaleMs, now + 3600_000) : await store.raw(s.id, s.lastTs, s.lastTs + 1);
      const last = points.at(-1);
      if (last !== undefined) this.record(s.practice, s.agent, s.labels, last.ts, last.value);
      n++;
    }
    return n;
  }
}
