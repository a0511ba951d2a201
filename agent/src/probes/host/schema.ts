/** Config of the `kind: host` check: this machine's CPU, memory, disks and interfaces. */
import Type, { type Static } from 'typebox';
import { baseCheckFields } from '../base-schema.ts';
import { DEFAULT_EXCLUDE_FS_TYPES, DEFAULT_EXCLUDE_INTERFACES, DEFAULT_EXCLUDE_MOUNTS } from './filters.ts';

export const HOST_DEFAULTS = { intervalMs: 60_000, timeoutMs: 15_000 } as const;

const Pattern = Type.String({ minLength: 1, maxLength: 256, description: 'Glob: * any characters, ? one; case-insensitive.' });
const Patterns = (def: readonly string[], description: string) => Type.Array(Pattern, { maxItems: 64, default: [...def], description });

export const HostCheckSchema = Type.Object(
  {
    kind: Type.Literal('host'),
    ...baseCheckFields({ defaultIntervalMs: HOST_DEFAULTS.intervalMs, defaultRole: 'server' }),
    mounts: Type.Object(
      {
        include: Patterns([], 'Mount points to report (empty: all). E.g. ["/", "/srv/*"] or ["C:", "D:"].'),
        exclude: Patterns(DEFAULT_EXCLUDE_MOUNTS, 'Mount points never reported. Setting it replaces the default list.'),
        excludeTypes: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
          maxItems: 128,
          default: [...DEFAULT_EXCLUDE_FS_TYPES],
          description: 'Filesystem types never reported (pseudo, container, optical, network). Setting it replaces the default list.',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    interfaces: Type.Object(
      {
        include: Patterns([], 'Interfaces to report (empty: all but loopback). Loopback only when named here.'),
        exclude: Patterns(DEFAULT_EXCLUDE_INTERFACES, 'Interfaces never reported. Setting it replaces the default list.'),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);

export type HostCheck = Static<typeof HostCheckSchema>;
