/** `kind: http` — HTTP/HTTPS request timing, status/body check and certificate expiry. See README.md. */
import { defineProbe } from '../types.ts';
import { createHttpProbe } from './probe.ts';
import { HTTP_DEFAULTS, HttpCheckSchema, validateHttpCheck } from './schema.ts';

export const httpProbe = defineProbe({
  kind: 'http',
  schema: HttpCheckSchema,
  concurrency: 4,
  defaultTimeoutMs: (check) => Math.min(HTTP_DEFAULTS.timeoutMs, Math.floor(check.intervalMs * 0.8)),
  baseLabels: (check) => ({ target: check.target, role: check.role, ...(check.app === undefined ? {} : { app: check.app }) }),
  validate: validateHttpCheck,
  create: (check) => createHttpProbe(check),
});

export { HttpCheckSchema, type HttpCheck } from './schema.ts';
