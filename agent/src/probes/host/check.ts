/** The config side of `host` (pure: ../check-kinds.ts): schema, default timeout, base labels. */
import { hostname } from 'node:os';
import { defineCheckKind } from '../types.ts';
import { HOST_DEFAULTS, HostCheckSchema } from './schema.ts';

export const hostCheckKind = defineCheckKind({
  kind: 'host',
  schema: HostCheckSchema,
  defaultTimeoutMs: (check) => Math.min(HOST_DEFAULTS.timeoutMs, Math.floor(check.intervalMs * 0.8)),
  baseLabels: (check) => ({ target: hostname(), role: check.role, ...(check.app === undefined ? {} : { app: check.app }) }),
});
