/** `kind: host` — CPU, memory, disk and interface rates of the machine the agent runs on. See README.md. */
import { defineProbe } from '../types.ts';
import { createSystemDriver } from './driver.ts';
import { createHostProbe } from './probe.ts';
import { hostCheckKind } from './check.ts';

export const hostProbe = defineProbe({
  ...hostCheckKind,
  concurrency: 1,
  create: (check) => createHostProbe(check, { driver: createSystemDriver() }),
});

export { HostCheckSchema, type HostCheck } from './schema.ts';
export type { HostDriver } from './driver.ts';
