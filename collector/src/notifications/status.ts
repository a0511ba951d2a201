/**
 * The practice status the read API and /metrics show, from rule states: the worst current state
 * of the practice (critical > warning > unknown > ok), per area too (national apps, national link,
 * LAN, servers, agent). Recomputed after each evaluation tick and answered from memory.
 */
import type { Area } from '../evaluation/profile-schema.ts';
import type { PracticeRuleSummary, RuleEvaluator } from '../evaluation/evaluator.ts';
import type { RuleStateView } from '../evaluation/events.ts';
import { SEVERITY_RANK, type StateLevel } from '../evaluation/state-machine.ts';
import type { PracticeStatus, StatusProvider } from '../status/provider.ts';

/** Reasons listed per practice at most (worst first). */
const MAX_REASONS = 20;

function number(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : String(Number(v.toPrecision(3)));
}

export function reasonOf(v: RuleStateView): string {
  const what = v.labels.target ?? v.labels.device ?? v.labels.app ?? v.labels.mount ?? v.labels.iface ?? v.labels.check ?? v.agent;
  const unit = v.rule.kind === 'threshold' ? v.rule.unit : 's';
  const value = v.value === undefined ? '' : ` (${number(v.value)} ${unit})`;
  const since = v.since === undefined ? '' : ` since ${new Date(v.since).toISOString()}`;
  const cause = v.cause === undefined ? '' : ` — explained by ${v.cause.ruleId}`;
  const level = v.level === 'unknown' ? 'unknown (no data)' : v.level;
  return `${v.rule.title}: ${level} on ${what}${value}${since}${cause}`;
}

export interface RuleStatusView extends PracticeStatus {
  areas: Partial<Record<Area, StateLevel>>;
  /** Since when (event time, epoch ms) the practice has been at its worst level; null when ok or not known. */
  since: number | null;
}

export class RuleStatus implements StatusProvider {
  private summaries = new Map<string, PracticeRuleSummary>();
  /**
   * Views already built since their practice last changed: the overview asks for all 8,000
   * practices on every request, and building reasons and areas is the costly part.
   */
  private views = new Map<string, Omit<RuleStatusView, 'openAlerts'>>();

  constructor(
    private readonly evaluator: () => RuleEvaluator | undefined,
    private readonly openCount: (practice: string) => number,
  ) {}

  private full = true;

  /** Recompute from the evaluator's current states (after each tick): the practices that changed. */
  refresh(): void {
    const ev = this.evaluator();
    if (ev === undefined) return;
    const changed = ev.takeChanged();
    if (this.full) {
      this.summaries = ev.summaries();
      this.views.clear();
      this.full = false;
      return;
    }
    if (changed.size === 0) return;
    const fresh = ev.summaries(changed);
    for (const p of changed) {
      this.views.delete(p);
      const sum = fresh.get(p);
      if (sum === undefined) this.summaries.delete(p);
      else this.summaries.set(p, sum);
    }
  }

  /** The practice's status (reasons and areas are shared between calls: do not change them). */
  statusOf(practice: string): RuleStatusView {
    let v = this.views.get(practice);
    if (v === undefined) this.views.set(practice, (v = this.viewOf(practice)));
    return { status: v.status, openAlerts: this.openCount(practice), reasons: v.reasons, areas: v.areas, since: v.since };
  }

  private viewOf(practice: string): Omit<RuleStatusView, 'openAlerts'> {
    const sum = this.summaries.get(practice);
    if (sum === undefined) return { status: 'unknown', reasons: ['no rule states yet: no agent of this practice has delivered data'], areas: {}, since: null };
    const reasons = [...sum.notOk]
      .sort((a, b) => SEVERITY_RANK[b.level] - SEVERITY_RANK[a.level] || (a.since ?? 0) - (b.since ?? 0))
      .slice(0, MAX_REASONS)
      .map(reasonOf);
    if (sum.notOk.length > MAX_REASONS) reasons.push(`… and ${sum.notOk.length - MAX_REASONS} more`);
    let since: number | null = null;
    for (const v of sum.notOk) if (v.level === sum.worst && v.since !== undefined && (since === null || v.since < since)) since = v.since;
    return { status: sum.worst, reasons, areas: Object.fromEntries(sum.areas), since };
  }
}
