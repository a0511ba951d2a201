/** The config side of `throughput` (pure: ../check-kinds.ts): schema, rules, default timeout, base labels. */
import { defineCheckKind } from '../types.ts';
import { defaultTimeoutMs, ThroughputCheck, validateThroughputCheck } from './schema.ts';

export const throughputCheckKind = defineCheckKind({
  kind: 'throughput',
  schema: ThroughputCheck,
  defaultTimeoutMs,
  // The endpoints are the collector's own: the target is always "collector".
  baseLabels: (check) => ({ target: 'collector', role: check.role, ...(check.app === undefined ? {} : { app: check.app }) }),
  validate: validateThroughputCheck,
});
