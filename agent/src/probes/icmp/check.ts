/** The config side of `icmp` (pure: ../check-kinds.ts): schema, rules, default timeout, base labels. */
import { defineCheckKind } from '../types.ts';
import { burstBoundMs, IcmpCheck, TIMEOUT_MARGIN_MS, validateIcmpCheck } from './schema.ts';

/** target, role and app; the scheduler adds `check` and the check's own static labels. */
export function icmpBaseLabels(check: IcmpCheck): Record<string, string> {
  return { target: check.target, role: check.role, ...(check.app === undefined ? {} : { app: check.app }) };
}

export const icmpCheckKind = defineCheckKind({
  kind: 'icmp',
  schema: IcmpCheck,
  defaultTimeoutMs: (check) => burstBoundMs(check) + TIMEOUT_MARGIN_MS,
  baseLabels: icmpBaseLabels,
  validate: (check) => validateIcmpCheck(check),
});
