/** `kind: throughput` — download and upload rate between the practice and the collector. See README.md. */
import { defineProbe } from '../types.ts';
import { createThroughputProbe } from './probe.ts';
import { throughputCheckKind } from './check.ts';

export const throughputProbe = defineProbe({
  ...throughputCheckKind,
  // It uses the practice's bandwidth: never two tests at once, whatever the config says.
  concurrency: 1,
  create: (check, env) => createThroughputProbe(check, env),
});

export { ThroughputCheck, THROUGHPUT_DEFAULTS } from './schema.ts';
export { rateOf, type Rate } from './rate.ts';
