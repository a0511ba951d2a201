/** Which practices monitor each (rule, scope) now: those with a rule state for it (any level). */
import type { RuleStateView } from '../evaluation/events.ts';
import { incidentKey, scopeOf } from './scope.ts';

export function monitoringByKey(states: readonly RuleStateView[], providerOf: (ods: string) => string | undefined): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const s of states) {
    const scope = scopeOf({ practice: s.practice, ruleId: s.rule.id, area: s.area, labels: s.labels }, providerOf);
    if (scope === undefined) continue;
    const key = incidentKey(s.rule.id, scope);
    let set = out.get(key);
    if (set === undefined) out.set(key, (set = new Set()));
    set.add(s.practice);
  }
  return out;
}
