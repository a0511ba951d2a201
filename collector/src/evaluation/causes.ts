/**
 * Which cause states are active per practice (a rule state held warning or critical, or an agent
 * silent), so dependent rules can be suppressed and linked to the cause instead of raising.
 */
import type { CauseRef } from './events.ts';

export class ActiveCauses {
  private readonly byPractice = new Map<string, Map<string, Map<string, CauseRef>>>();

  set(cause: CauseRef, active: boolean): void {
    let rules = this.byPractice.get(cause.practice);
    if (active) {
      if (rules === undefined) this.byPractice.set(cause.practice, (rules = new Map()));
      let series = rules.get(cause.ruleId);
      if (series === undefined) rules.set(cause.ruleId, (series = new Map()));
      series.set(cause.seriesId, cause);
      return;
    }
    const series = rules?.get(cause.ruleId);
    series?.delete(cause.seriesId);
    if (series !== undefined && series.size === 0) rules?.delete(cause.ruleId);
    if (rules !== undefined && rules.size === 0) this.byPractice.delete(cause.practice);
  }

  /** The first active cause among `ruleIds` (in their order) for the practice. */
  first(practice: string, ruleIds: readonly string[]): CauseRef | undefined {
    const rules = this.byPractice.get(practice);
    if (rules === undefined) return undefined;
    for (const id of ruleIds) {
      const series = rules.get(id);
      if (series !== undefined) for (const c of series.values()) return c;
    }
    return undefined;
  }
}
