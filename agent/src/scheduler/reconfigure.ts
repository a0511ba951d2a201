/**
 * What a reconfigure does to the running checks (Scheduler.reconfigure), decided and prepared
 * before anything changes, so it is all or nothing:
 *
 * - identity is the check's id (its `id`, or the default `kind:target` the config derives);
 * - same id, same validated config (deep equal, defaults filled) → unchanged: the running slot is
 *   kept as it is (its probe, timer, counters and stats);
 * - same id, different config → changed: a new probe, from the kind's `handOver` when it has one
 *   (it may carry the old probe's state, e.g. SNMP counters when the device is the same) or from
 *   `create`;
 * - a new id → added; an id no longer there → removed.
 *
 * Every new probe is created here; when one throws, the ones already created are closed and a
 * CheckStartError names the check — the scheduler has not touched its running set.
 */
import { isDeepStrictEqual } from 'node:util';
import type { CheckConfig } from '../config/schema.ts';
import { checkIdOf } from '../config/parse.ts';
import type { Logger } from '../../../shared/src/log.ts';
import type { Probe, ProbeEnv, ProbeKind } from '../probes/types.ts';

/** A probe of the new set could not be created (its kind's factory threw): nothing was changed. */
export class CheckStartError extends Error {
  readonly checkId: string;
  /** The check's index in the list given to reconfigure. */
  readonly index: number;
  constructor(checkId: string, index: number, cause: unknown) {
    super(`check ${JSON.stringify(checkId)} cannot start: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'CheckStartError';
    this.checkId = checkId;
    this.index = index;
  }
}

export interface ReconfigureSummary {
  added: string[];
  removed: string[];
  changed: string[];
  unchanged: string[];
  /** Changed checks whose new probe took over the old one's state (kind.handOver). */
  handedOver: string[];
}

/** What the planner needs of a running slot. */
export interface RunningCheck {
  readonly check: CheckConfig;
  readonly kind: ProbeKind;
  readonly rt: { readonly id: string; readonly probe: Probe };
}

export interface PlanEntry<R extends RunningCheck> {
  check: CheckConfig;
  kind: ProbeKind;
  /** Unchanged: the running slot to keep. */
  keep?: R;
  /** Changed: the running slot this entry replaces. */
  replaces?: R;
  /** The new probe (for added and changed entries; the kept slot's own for unchanged ones). */
  probe: Probe;
  handedOver: boolean;
}

export interface ReconfigurePlan<R extends RunningCheck> {
  entries: PlanEntry<R>[];
  removed: R[];
  summary: ReconfigureSummary;
}

export function planReconfigure<R extends RunningCheck>(input: {
  running: readonly R[];
  next: ReadonlyArray<CheckConfig>;
  kindOf: (check: CheckConfig) => ProbeKind;
  env: ProbeEnv;
  log: Logger;
}): ReconfigurePlan<R> {
  const byId = new Map(input.running.map((r) => [r.rt.id, r]));
  const seen = new Set<string>();
  const summary: ReconfigureSummary = { added: [], removed: [], changed: [], unchanged: [], handedOver: [] };
  const entries: PlanEntry<R>[] = [];
  const created: Probe[] = [];
  try {
    input.next.forEach((check, index) => {
      const id = checkIdOf(check);
      if (seen.has(id)) throw new CheckStartError(id, index, new Error('duplicate check id'));
      seen.add(id);
      const old = byId.get(id);
      if (old !== undefined && isDeepStrictEqual(old.check, check)) {
        entries.push({ check: old.check, kind: old.kind, keep: old, probe: old.rt.probe, handedOver: false });
        summary.unchanged.push(id);
        return;
      }
      let kind: ProbeKind;
      let probe: Probe | undefined;
      let handedOver = false;
      try {
        kind = input.kindOf(check);
        if (old !== undefined && old.kind === kind && kind.handOver !== undefined) {
          probe = kind.handOver({ check: old.check, probe: old.rt.probe }, check, input.env);
          handedOver = probe !== undefined;
        }
        probe ??= kind.create(check, input.env);
      } catch (err) {
        throw new CheckStartError(id, index, err);
      }
      created.push(probe);
      if (old === undefined) summary.added.push(id);
      else summary.changed.push(id);
      if (handedOver) summary.handedOver.push(id);
      entries.push({ check, kind, ...(old === undefined ? {} : { replaces: old }), probe, handedOver });
    });
  } catch (err) {
    // Nothing was swapped in: the probes made for the new set are discarded (a handed-over probe
    // has taken nothing from its predecessor before its first run, so closing it is safe).
    for (const p of created) {
      Promise.resolve()
        .then(() => p.close?.())
        .catch((closeErr: unknown) => input.log.warn({ err: closeErr }, 'closing a probe of a refused reconfigure failed'));
    }
    throw err;
  }
  const removed = input.running.filter((r) => !seen.has(r.rt.id));
  summary.removed = removed.map((r) => r.rt.id);
  return { entries, removed, summary };
}
