/** The `trace:` settings of an icmp check, their defaults, and the roles that trace. */
import Type, { type Static } from 'typebox';

/** The roles whose degraded bursts are traced: the national link, national apps, branch links. */
export const TRACE_ROLES: readonly string[] = ['n3-gateway', 'national-app', 'branch-site'];

export const TraceConfig = Type.Object(
  {
    enabled: Type.Optional(
      Type.Boolean({ description: "Trace this check's target (default true for the roles n3-gateway, national-app, branch-site; other roles never trace)." }),
    ),
    onLossRatio: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: "Trace when a burst's loss is at least this (default 0.05)." })),
    onRttMultiple: Type.Optional(
      Type.Number({
        minimum: 1,
        maximum: 100,
        description: "Trace when a burst's median RTT is above this multiple of the median of the recent bursts' medians (default 3).",
      }),
    ),
    minIntervalMs: Type.Optional(
      Type.Integer({ minimum: 60_000, maximum: 86_400_000, description: 'At most one burst-triggered trace per target in this time (default 300000, 5 min).' }),
    ),
    baselineIntervalMs: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 86_400_000, description: 'A baseline trace this often, the first at start-up; 0 = none (default 3600000, 1 h).' }),
    ),
    probesPerHop: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 20, description: 'Probes to each hop (mtr -c; default 5). A trace takes about this many seconds, plus 2 s.' }),
    ),
    maxHops: Type.Optional(Type.Integer({ minimum: 1, maximum: 30, description: 'Highest TTL probed (mtr -m; default 30). Bounds the hop labels.' })),
  },
  { additionalProperties: false },
);
export type TraceConfig = Static<typeof TraceConfig>;

export interface TraceSettings {
  onLossRatio: number;
  onRttMultiple: number;
  minIntervalMs: number;
  baselineIntervalMs: number;
  probesPerHop: number;
  maxHops: number;
}

export const TRACE_DEFAULTS: TraceSettings = {
  onLossRatio: 0.05,
  onRttMultiple: 3,
  minIntervalMs: 300_000,
  baselineIntervalMs: 3_600_000,
  probesPerHop: 5,
  maxHops: 30,
};

/** The settings of a check, or undefined when it does not trace (role, `enabled: false`, Windows). */
export function traceSettings(check: { role: string; trace?: TraceConfig }, platform: NodeJS.Platform = process.platform): TraceSettings | undefined {
  if (platform === 'win32' || !TRACE_ROLES.includes(check.role) || check.trace?.enabled === false) return undefined;
  const { enabled: _enabled, ...given } = check.trace ?? {};
  return { ...TRACE_DEFAULTS, ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) };
}

/** mtr's gracetime (-G): seconds it waits for the last answers. */
export const TRACE_GRACE_S = 2;

/** The longest a trace takes: one round of probes a second (mtr's least interval as non-root), then the grace. */
export function traceBoundMs(s: Pick<TraceSettings, 'probesPerHop'>): number {
  return s.probesPerHop * 1000 + TRACE_GRACE_S * 1000;
}
