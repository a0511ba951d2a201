/**
 * What national thing an alert is about, if any: its scope. Practice alerts with the same rule and
 * scope are the candidates for one national incident.
 *
 * - area `national-apps`: the `app` label the agent sends (the check's `app:`), else its `target`;
 * - area `national-link`: the practice's national-link provider (`practices[].provider` in the
 *   collector config), when it has one — the link's own target is the practice's router;
 * - anything else (LAN, branch, servers, agent silence): no scope, never national.
 */
export const SCOPE_KINDS = ['app', 'target', 'provider'] as const;
export type ScopeKind = (typeof SCOPE_KINDS)[number];

export interface Scope {
  kind: ScopeKind;
  value: string;
}

export interface ScopedAlert {
  practice: string;
  ruleId: string;
  area: string;
  labels: Readonly<Record<string, string>>;
}

export function scopeOf(a: ScopedAlert, providerOf: (ods: string) => string | undefined): Scope | undefined {
  if (a.area === 'national-apps') {
    const app = a.labels.app;
    if (app !== undefined && app !== '') return { kind: 'app', value: app };
    const target = a.labels.target;
    if (target !== undefined && target !== '') return { kind: 'target', value: target };
    return undefined;
  }
  if (a.area === 'national-link') {
    const provider = providerOf(a.practice);
    return provider === undefined ? undefined : { kind: 'provider', value: provider };
  }
  return undefined;
}

/** One key per (rule, scope): `app-http-total-p95|app:EPS`. */
export function incidentKey(ruleId: string, s: Scope): string {
  return `${ruleId}|${s.kind}:${s.value}`;
}
