/** `kind: host` — CPU, memory, disk and interface rates of the machine the agent runs on. See README.md. */
import { hostname } from 'node:os';
import { defineProbe } from '../types.ts';
import { createSystemDriver } from './driver.ts';
import { createHostProbe } from './probe.ts';
import { HOST_DEFAULTS, HostCheckSchema } from './schema.ts';

export const hostProbe = defineProbe({
  kind: 'host',
  schema: HostCheckSchema,
  concurrency: 1,
  defaultTimeoutMs: (check) => Math.min(HOST_DEFAULTS.timeoutMs, Math.floor(check.intervalMs * 0.8)),
  baseLabels: (check) => ({ target: hostname(), role: check.role, ...(check.app === undefined ? {} : { app: check.app }) }),
  create: (check) => createHostProbe(check, { driver: createSystemDriver() }),
});

export { HostCheckSchema, type HostCheck } from './schema.ts';
export type { HostDriver } from './driver.ts';
