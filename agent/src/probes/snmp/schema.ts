/**
 * Config of an `snmp` check: a discriminated union on `version`, so a v3 check without `user`
 * (or a v2c check without `community`) is a config error at start-up, not a runtime surprise.
 * Secrets keep the key names the logger redacts: `community`, `authKey`, `privKey`.
 */
import Type, { type Static } from 'typebox';
import { baseCheckFields } from '../base-schema.ts';
import { IF_ROLE_LABEL, IF_ROLE_NONE, INTERFACE_ROLES, NATIONAL_LINK_ROLE, type Role as RoleName } from '../../../../shared/src/roles.ts';

export const DEFAULT_PORT = 161;

/**
 * The interface's role, from the shared vocabulary (shared/src/roles.ts): sent as its `ifRole`
 * label. A union built from an array types as `never`; Unsafe gives the same schema the right type.
 */
const IfRole = Type.Unsafe<RoleName>(
  Type.Union(
    INTERFACE_ROLES.map((r) => Type.Literal(r)),
    {
      description: `The interface's \`${IF_ROLE_LABEL}\` label: one of ${INTERFACE_ROLES.join(', ')}; \`${NATIONAL_LINK_ROLE}\` marks the national-link (WAN) port that the 75 % utilisation rule and the report judge. Default \`${IF_ROLE_NONE}\`.`,
    },
  ),
);

const InterfaceSelector = Type.Object(
  {
    name: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        description: 'Matches ifName or ifDescr: a glob (`Gi1/0/*`, `?` one character) or `/regex/` (add `i` after the slash for any case).',
      }),
    ),
    alias: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Matches ifAlias (the description set on the device); glob or `/regex/`.' })),
    index: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'ifIndex.' })),
    role: Type.Optional(IfRole),
    speedBps: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 1e13,
        description: 'Port speed to use instead of what the device reports (some report 0 or a wrong value).',
      }),
    ),
    inBps: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 1e13,
        description: 'Contracted inbound (download) bandwidth: the denominator of snmp_if_in_utilisation_ratio.',
      }),
    ),
    outBps: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 1e13,
        description: 'Contracted outbound (upload) bandwidth: the denominator of snmp_if_out_utilisation_ratio.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type InterfaceSelector = Static<typeof InterfaceSelector>;

const common = {
  kind: Type.Literal('snmp'),
  target: Type.String({
    minLength: 1,
    maxLength: 260,
    pattern: '^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9_][A-Za-z0-9._-]*)(:[0-9]{1,5})?$',
    description: 'host, host:port, IPv4:port or [IPv6]:port of the SNMP agent (UDP, port 161 by default).',
  }),
  ...baseCheckFields({ defaultIntervalMs: 60_000 }),
  requestTimeoutMs: Type.Integer({ minimum: 100, maximum: 60_000, default: 1500, description: 'Wait this long for each answer before retrying.' }),
  retries: Type.Integer({
    minimum: 0,
    maximum: 10,
    default: 3,
    description: 'Retries of one request after a timeout (each retry asks for half as many rows).',
  }),
  maxRepetitions: Type.Integer({
    minimum: 1,
    maximum: 250,
    default: 25,
    description: 'GETBULK max-repetitions ceiling; the probe backs off below it on tooBig and timeouts.',
  }),
  rediscoverEvery: Type.Integer({
    minimum: 1,
    maximum: 10_000,
    default: 10,
    description:
      'Walk ifTable/ifXTable (names, aliases, speeds) every N polls; in between GET only the counters of the selected interfaces. 1 = walk every poll.',
  }),
  interfaces: Type.Optional(
    Type.Array(InterfaceSelector, {
      minItems: 1,
      maxItems: 256,
      description: 'Which interfaces to report (default: all). The first selector that matches an interface gives its role and bandwidth.',
    }),
  ),
};

const Community = Type.String({ minLength: 1, maxLength: 255, description: 'SNMPv1/v2c community (a secret: redacted in logs, never a label).' });

export const SnmpV1Check = Type.Object({ ...common, version: Type.Literal('1'), community: Community }, { additionalProperties: false });
export const SnmpV2cCheck = Type.Object({ ...common, version: Type.Literal('2c'), community: Community }, { additionalProperties: false });

export const AUTH_PROTOCOLS = ['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512'] as const;
export const PRIV_PROTOCOLS = ['des', 'aes', 'aes256b', 'aes256r'] as const;

export const SnmpV3Check = Type.Object(
  {
    ...common,
    version: Type.Literal('3'),
    user: Type.String({ minLength: 1, maxLength: 32, description: 'USM user name.' }),
    authProtocol: Type.Optional(
      Type.Union(
        AUTH_PROTOCOLS.map((p) => Type.Literal(p)),
        { description: 'Authentication digest; with authKey makes the level authNoPriv.' },
      ),
    ),
    authKey: Type.Optional(Type.String({ minLength: 8, maxLength: 256, description: 'Authentication passphrase (a secret).' })),
    privProtocol: Type.Optional(
      Type.Union(
        PRIV_PROTOCOLS.map((p) => Type.Literal(p)),
        {
          description:
            'Privacy cipher; with privKey makes the level authPriv. aes = AES-128-CFB; aes256b / aes256r = AES-256 with Blumenthal / Reeder ("Cisco") key extension.',
        },
      ),
    ),
    privKey: Type.Optional(Type.String({ minLength: 8, maxLength: 256, description: 'Privacy passphrase (a secret).' })),
    context: Type.Optional(Type.String({ maxLength: 64, description: 'SNMPv3 context name.' })),
  },
  { additionalProperties: false },
);

export const SnmpCheck = Type.Union([SnmpV1Check, SnmpV2cCheck, SnmpV3Check]);
export type SnmpCheck = Static<typeof SnmpCheck>;
export type SnmpV3Check = Static<typeof SnmpV3Check>;

export function splitTarget(target: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(target);
  if (m === null) return { host: target, port: DEFAULT_PORT };
  return { host: m[1] as string, port: m[2] === undefined ? DEFAULT_PORT : Number(m[2]) };
}

/** Compiles a selector pattern: `/re/flags` or a glob (`*`, `?`), matched against the whole text. */
export function compilePattern(pattern: string): RegExp {
  const re = /^\/(.*)\/([imsu]*)$/s.exec(pattern);
  if (re !== null) return new RegExp(re[1] as string, re[2]);
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/**
 * Cross-field rules a schema cannot say, as `path: message` relative to the check — the same on
 * every machine (what this machine's OpenSSL can do is the kind's hostProblems: ./ciphers.ts).
 */
export function validateSnmpCheck(check: SnmpCheck): string[] {
  const problems: string[] = [];
  const { port } = splitTarget(check.target);
  if (port < 1 || port > 65_535) problems.push(`target: port must be 1..65535 (got ${port})`);
  if (check.version === '3') {
    if ((check.authProtocol === undefined) !== (check.authKey === undefined)) {
      problems.push(check.authKey === undefined ? 'authKey: required when authProtocol is set' : 'authProtocol: required when authKey is set');
    }
    if ((check.privProtocol === undefined) !== (check.privKey === undefined)) {
      problems.push(check.privKey === undefined ? 'privKey: required when privProtocol is set' : 'privProtocol: required when privKey is set');
    }
    if (check.privProtocol !== undefined && check.authProtocol === undefined && check.authKey === undefined) {
      problems.push('privProtocol: privacy needs authentication too (set authProtocol and authKey)');
    }
  }
  (check.interfaces ?? []).forEach((sel, i) => {
    const keys = (['name', 'alias', 'index'] as const).filter((k) => sel[k] !== undefined);
    if (keys.length !== 1) problems.push(`interfaces[${i}]: set exactly one of name, alias, index (got ${keys.length === 0 ? 'none' : keys.join(', ')})`);
    for (const k of ['name', 'alias'] as const) {
      const p = sel[k];
      if (p === undefined) continue;
      try {
        compilePattern(p);
      } catch (err) {
        problems.push(`interfaces[${i}].${k}: not a valid pattern (${(err as Error).message})`);
      }
    }
  });
  return problems;
}
