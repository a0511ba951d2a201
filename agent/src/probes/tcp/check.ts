/** The config side of `tcp` (pure: ../check-kinds.ts): schema, rules, default timeout, base labels. */
import Type, { type Static } from 'typebox';
import { baseCheckFields } from '../base-schema.ts';
import { defineCheckKind } from '../types.ts';
import { parseHostPort } from './target.ts';

export const TcpCheck = Type.Object(
  {
    kind: Type.Literal('tcp'),
    target: Type.String({
      minLength: 3,
      maxLength: 300,
      pattern: '^(\\[[0-9A-Fa-f:.]+(%[A-Za-z0-9._-]+)?\\]|[A-Za-z0-9_][A-Za-z0-9._-]*):[0-9]{1,5}$',
      description: 'host:port, or [IPv6]:port.',
    }),
    ...baseCheckFields({ defaultIntervalMs: 60_000 }),
  },
  { additionalProperties: false },
);
export type TcpCheck = Static<typeof TcpCheck>;

export const TCP_DEFAULT_TIMEOUT_MS = 5000;

export const tcpCheckKind = defineCheckKind({
  kind: 'tcp',
  schema: TcpCheck,
  defaultTimeoutMs: () => TCP_DEFAULT_TIMEOUT_MS,
  baseLabels: (check) => ({ target: check.target, role: check.role, ...(check.app === undefined ? {} : { app: check.app }) }),
  validate: (check) => {
    const r = parseHostPort(check.target);
    return r.ok ? [] : [`target: ${r.problem}`];
  },
});
