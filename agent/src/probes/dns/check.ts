/** The config side of `dns` (pure: ../check-kinds.ts): schema, rules, default timeout, base labels. */
import { isIP } from 'node:net';
import Type, { type Static } from 'typebox';
import { baseCheckFields } from '../base-schema.ts';
import { parseHostPort } from '../tcp/target.ts';
import { defineCheckKind } from '../types.ts';
import { RECORD_TYPES } from './resolve.ts';

export const DnsCheck = Type.Object(
  {
    kind: Type.Literal('dns'),
    target: Type.String({
      minLength: 1,
      maxLength: 253,
      pattern: '^[A-Za-z0-9_][A-Za-z0-9._:-]*$',
      description: 'The name to resolve (an IP address for recordType PTR).',
    }),
    server: Type.Optional(
      Type.String({
        minLength: 2,
        maxLength: 64,
        description: 'DNS server to ask, "ip[:port]" or "[ipv6]:port" (default port 53). Without it: the system resolver.',
      }),
    ),
    recordType: Type.Enum([...RECORD_TYPES], { default: 'A', description: 'Record type to ask for.' }),
    ...baseCheckFields({ defaultIntervalMs: 60_000 }),
  },
  { additionalProperties: false },
);
export type DnsCheck = Static<typeof DnsCheck>;

export const DNS_DEFAULT_TIMEOUT_MS = 5000;

export function validateDnsCheck(check: DnsCheck): string[] {
  const problems: string[] = [];
  if (check.server !== undefined) {
    const r = parseHostPort(check.server, { defaultPort: 53 });
    if (!r.ok) problems.push(`server: ${r.problem}`);
    // The server's own name would need DNS to find it.
    else if (r.value.family === 0) problems.push(`server: must be an IP address, not a name ('${r.value.host}')`);
  }
  if (check.recordType === 'PTR' && isIP(check.target) === 0) problems.push(`target: recordType PTR needs an IP address, got '${check.target}'`);
  if (check.recordType !== 'PTR' && isIP(check.target) !== 0) problems.push(`target: '${check.target}' is an address; use recordType PTR to look it up`);
  return problems;
}

export const dnsCheckKind = defineCheckKind({
  kind: 'dns',
  schema: DnsCheck,
  defaultTimeoutMs: () => DNS_DEFAULT_TIMEOUT_MS,
  // `server` tells apart checks of the same name against different servers.
  baseLabels: (check) => ({
    target: check.target,
    role: check.role,
    ...(check.app === undefined ? {} : { app: check.app }),
    ...(check.server === undefined ? {} : { server: check.server }),
  }),
  validate: validateDnsCheck,
});
