/** Schema pieces every check shares. Each probe spreads baseCheckFields() into its own schema. */
import Type from 'typebox';
import { ROLES } from '../../../shared/src/metrics.ts';
import { LabelNamePattern } from '../../../shared/src/wire.ts';

export const Role = Type.Union(
  ROLES.map((r) => Type.Literal(r)),
  { description: 'What the target is to the practice.' },
);

export const CheckId = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9._:-]+$',
  description: 'Unique id of the check; defaults to kind:target.',
});

export function baseCheckFields(opts: { defaultIntervalMs: number; defaultRole?: (typeof ROLES)[number] }) {
  return {
    id: Type.Optional(CheckId),
    role:
      opts.defaultRole === undefined
        ? Role
        : Type.Union(
            ROLES.map((r) => Type.Literal(r)),
            { default: opts.defaultRole },
          ),
    intervalMs: Type.Integer({ minimum: 1000, maximum: 7 * 24 * 3600 * 1000, default: opts.defaultIntervalMs }),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 3600 * 1000 })),
    app: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        pattern: '^[a-z0-9][a-z0-9_-]*$',
        description: 'National application (spine, eps, ers, gp2gp, scr, mesh, nhsmail, …).',
      }),
    ),
    labels: Type.Optional(
      Type.Record(Type.String({ pattern: LabelNamePattern, maxLength: 64 }), Type.String({ maxLength: 128 }), {
        maxProperties: 8,
        // A Record's key schema becomes patternProperties, which alone lets other keys through;
        // propertyNames closes that (additionalProperties: false would break Value.Default).
        propertyNames: { pattern: LabelNamePattern, maxLength: 64 },
        description: 'Extra static labels, e.g. site: Branch.',
      }),
    ),
  };
}
