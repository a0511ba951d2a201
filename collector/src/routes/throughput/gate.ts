/**
 * Admission for throughput transfers: a per-agent budget over a sliding hour and a global cap on
 * transfers in progress. Refusals are not charged. State is per collector process (a restart
 * forgets the hour, which at worst lets each agent run one more hour's budget). Pure apart from
 * the clock it is given.
 */
import type { Clock } from '../../../../shared/src/clock.ts';

const HOUR_MS = 3_600_000;
/** How long to suggest waiting when every slot is taken (a transfer lasts up to a minute or so). */
export const BUSY_RETRY_AFTER_S = 60;
/** Forget agents with nothing in the last hour at most this often. */
const SWEEP_EVERY_MS = 60_000;

export type Admission = { ok: true; release(): void } | { ok: false; reason: 'rate' | 'busy'; retryAfterS: number; message: string };

export interface ThroughputGate {
  /** `agent` identifies one agent (practice and name). On ok, call release() exactly once when the transfer ends. */
  admit(agent: string): Admission;
  /** Transfers in progress. */
  active(): number;
}

export function createThroughputGate(opts: { perAgentPerHour: number; maxConcurrent: number; clock: Clock }): ThroughputGate {
  const { perAgentPerHour, maxConcurrent, clock } = opts;
  /** Start times (wall clock) of each agent's admitted transfers within the last hour, oldest first. */
  const starts = new Map<string, number[]>();
  let active = 0;
  let lastSweep = clock.now();

  const recent = (agent: string, now: number): number[] => {
    const list = (starts.get(agent) ?? []).filter((t) => t > now - HOUR_MS);
    if (list.length === 0) starts.delete(agent);
    else starts.set(agent, list);
    return list;
  };

  const sweep = (now: number): void => {
    if (now - lastSweep < SWEEP_EVERY_MS) return;
    lastSweep = now;
    for (const agent of [...starts.keys()]) recent(agent, now);
  };

  return {
    admit(agent) {
      const now = clock.now();
      sweep(now);
      const list = recent(agent, now);
      if (list.length >= perAgentPerHour) {
        const oldest = list[0] as number;
        const retryAfterS = Math.max(1, Math.ceil((oldest + HOUR_MS - now) / 1000));
        return {
          ok: false,
          reason: 'rate',
          retryAfterS,
          message: `this agent started ${list.length} throughput transfers in the last hour (throughput.perAgentPerHour: ${perAgentPerHour}); retry in ${retryAfterS} s`,
        };
      }
      if (active >= maxConcurrent) {
        return {
          ok: false,
          reason: 'busy',
          retryAfterS: BUSY_RETRY_AFTER_S,
          message: `${active} throughput transfers in progress (throughput.maxConcurrent: ${maxConcurrent}); retry later`,
        };
      }
      list.push(now);
      starts.set(agent, list);
      active++;
      let released = false;
      return {
        ok: true,
        release: () => {
          if (released) return;
          released = true;
          active--;
        },
      };
    },
    active: () => active,
  };
}
