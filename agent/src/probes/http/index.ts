/** `kind: http` — HTTP/HTTPS request timing, status/body check and certificate expiry. See README.md. */
import { defineProbe } from '../types.ts';
import { createHttpProbe } from './probe.ts';
import { httpCheckKind } from './check.ts';

export const httpProbe = defineProbe({
  ...httpCheckKind,
  concurrency: 4,
  create: (check) => createHttpProbe(check),
});

export { HttpCheckSchema, type HttpCheck } from './schema.ts';
