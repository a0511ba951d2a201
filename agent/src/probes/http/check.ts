/** The config side of `http` (pure: ../check-kinds.ts): schema, rules, default timeout, base labels. */
import { defineCheckKind } from '../types.ts';
import { HTTP_DEFAULTS, HttpCheckSchema, validateHttpCheck } from './schema.ts';

export const httpCheckKind = defineCheckKind({
  kind: 'http',
  schema: HttpCheckSchema,
  defaultTimeoutMs: (check) => Math.min(HTTP_DEFAULTS.timeoutMs, Math.floor(check.intervalMs * 0.8)),
  baseLabels: (check) => ({ target: check.target, role: check.role, ...(check.app === undefined ? {} : { app: check.app }) }),
  validate: validateHttpCheck,
});
