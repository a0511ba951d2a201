/** `kind: throughput` — download and upload rate between the practice and the collector. See README.md. */
import { defineProbe } from '../types.ts';
import { createThroughputProbe } from './probe.ts';
import { ThroughputCheck, defaultTimeoutMs, validateThroughputCheck } from './schema.ts';

export const throughputProbe = defineProbe({
  kind: 'throughput',
  schema: ThroughputCheck,
  // It uses the practice's bandwidth: never two tests at once, whatever the config says.
  concurrency: 1,
  defaultTimeoutMs,
  // The endpoints are the collector's own: the target is always "collector".
  baseLabels: (check) => ({ target: 'collector', role: check.role, ...(check.app === undefined ? {} : { app: check.app }) }),
  validate: validateThroughputCheck,
  create: (check, env) => createThroughputProbe(check, env),
});

export { ThroughputCheck, THROUGHPUT_DEFAULTS } from './schema.ts';
export { rateOf, type Rate } from './rate.ts';
