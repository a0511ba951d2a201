/**
 * Config of one `kind: http` check. Defaults are filled in by parseWithSchema; cross-field rules
 * (URL shape, ranges, header names) live in validateHttpCheck so they print as `path: message`.
 */
import Type, { type Static } from 'typebox';
import { INGEST_LIMITS } from '../../../../shared/src/wire.ts';
import { baseCheckFields } from '../base-schema.ts';
import { parseStatusSpec } from './status.ts';

export const HTTP_DEFAULTS = {
  intervalMs: 60_000,
  timeoutMs: 10_000,
  method: 'GET',
  expectStatus: ['200-399'],
  maxBodyBytes: 1024 * 1024,
  followRedirects: 0,
} as const;

/** A status code (`204`), a range (`"200-299"`) or a class (`"2xx"`). */
export const StatusSpec = Type.Union(
  [Type.Integer({ minimum: 100, maximum: 599 }), Type.String({ pattern: '^(?:[1-5][0-9]{2}(?:-[1-5][0-9]{2})?|[1-5]xx)$' })],
  {
    description: 'A status code (204), a range ("200-299") or a class ("2xx").',
  },
);

export const HttpCheckSchema = Type.Object(
  {
    kind: Type.Literal('http'),
    target: Type.String({
      maxLength: INGEST_LIMITS.maxLabelValueLength,
      pattern: '^https?://[^\\s]+$',
      description: 'http:// or https:// URL; it is the `target` label, so it is at most as long as a label value. No credentials in it: use headers.',
    }),
    ...baseCheckFields({ defaultIntervalMs: HTTP_DEFAULTS.intervalMs }),
    method: Type.Enum(['GET', 'HEAD'], { default: HTTP_DEFAULTS.method }),
    headers: Type.Optional(
      Type.Record(Type.String({ minLength: 1, maxLength: 64 }), Type.String({ maxLength: 4096, pattern: '^[^\\r\\n\\u0000]*$' }), {
        maxProperties: 32,
        description: 'Request headers, e.g. Authorization (never logged).',
      }),
    ),
    expectStatus: Type.Array(StatusSpec, { minItems: 1, maxItems: 16, default: [...HTTP_DEFAULTS.expectStatus] }),
    expectBodyContains: Type.Optional(
      Type.String({ minLength: 1, maxLength: 1024, description: 'Text the body must contain (searched in the first maxBodyBytes).' }),
    ),
    maxBodyBytes: Type.Integer({
      minimum: 0,
      maximum: 64 * 1024 * 1024,
      default: HTTP_DEFAULTS.maxBodyBytes,
      description: 'Read at most this much of the body, then stop.',
    }),
    followRedirects: Type.Integer({
      minimum: 0,
      maximum: 10,
      default: HTTP_DEFAULTS.followRedirects,
      description: 'Redirects to follow, each on a fresh connection (0: judge the first response).',
    }),
    ipFamily: Type.Optional(Type.Enum([4, 6], { description: 'Resolve the name to IPv4 or IPv6 only (default: the system order).' })),
    tls: Type.Object(
      {
        caFile: Type.Optional(Type.String({ minLength: 1, description: 'PEM file of extra CA certificates to trust (added to the system roots).' })),
        insecureSkipVerify: Type.Boolean({ default: false, description: 'Accept any certificate (expiry is still measured).' }),
        serverName: Type.Optional(Type.String({ minLength: 1, maxLength: 253, description: 'SNI and certificate name, when it differs from the URL host.' })),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);

export type HttpCheck = Static<typeof HttpCheckSchema>;

/** RFC 9110 token characters. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Framing headers are the probe's business (one request, one fresh connection). */
const RESERVED_HEADERS = new Set(['connection', 'content-length', 'transfer-encoding', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect']);

/** Rules the schema cannot say, as `path: message` relative to the check. */
export function validateHttpCheck(check: HttpCheck): string[] {
  const problems: string[] = [];
  let url: URL | undefined;
  try {
    url = new URL(check.target);
  } catch {
    // A parse failure is exactly the problem being reported; nothing else to do with it.
    problems.push('target: not a valid URL');
  }
  if (url !== undefined) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') problems.push(`target: must be http:// or https:// (got ${url.protocol})`);
    if (url.username !== '' || url.password !== '') problems.push('target: must not contain credentials (the URL is a label); send them in headers');
    if (url.hostname === '') problems.push('target: has no host');
  }
  check.expectStatus.forEach((spec, i) => {
    if (parseStatusSpec(spec) === undefined) problems.push(`expectStatus[${i}]: range must go from low to high (got ${JSON.stringify(spec)})`);
  });
  const seen = new Map<string, string>();
  for (const name of Object.keys(check.headers ?? {})) {
    const key = `headers[${JSON.stringify(name)}]`;
    const lower = name.toLowerCase();
    if (!HEADER_NAME.test(name)) problems.push(`${key}: not a valid header name`);
    else if (RESERVED_HEADERS.has(lower)) problems.push(`${key}: set by the probe, cannot be configured`);
    const previous = seen.get(lower);
    if (previous !== undefined) problems.push(`${key}: same header as ${JSON.stringify(previous)} (names are case-insensitive)`);
    seen.set(lower, name);
  }
  if (check.expectBodyContains !== undefined) {
    if (check.method === 'HEAD') problems.push('expectBodyContains: a HEAD response has no body; use method GET');
    else if (Buffer.byteLength(check.expectBodyContains) > check.maxBodyBytes)
      problems.push('expectBodyContains: longer than maxBodyBytes, it could never be found');
  }
  return problems;
}
