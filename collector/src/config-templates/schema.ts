/**
 * The shapes of templated config (docs/configuration.md): a template's YAML document, a catalogue
 * entry, a practice's values, and the organisation-wide snapshot every version stores. One TypeBox
 * schema each: the type, the validator and (through ../routes/templates/schemas.ts) the API.
 */
import Type, { type Static } from 'typebox';
import { ROLES } from '../../../shared/src/roles.ts';
import { AREAS } from '../evaluation/profile-schema.ts';

export const NAME_PATTERN = '^[a-z0-9][a-z0-9-]{0,62}$';
export const VARIABLE_PATTERN = '^[A-Za-z][A-Za-z0-9_]{0,63}$';
/** `{{ name }}` anywhere in a string value of a check. */
export const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9_]{0,63})\s*\}\}/g;

export const TemplateName = Type.String({ pattern: NAME_PATTERN, description: 'lower-case letters, digits and -, e.g. hscn' });
export const VariableName = Type.String({ pattern: VARIABLE_PATTERN, description: 'e.g. lanGateway, hscnRouter, snmpUser' });

/** Checks in the agent's own format; validated with the agent's schema only after rendering. */
const RawChecks = Type.Array(Type.Record(Type.String(), Type.Unknown()), { maxItems: 500 });

/** The YAML document of a template. */
export const TemplateDoc = Type.Object(
  {
    description: Type.Optional(Type.String({ maxLength: 500 })),
    include: Type.Optional(Type.Array(TemplateName, { maxItems: 100, description: 'catalogue entries (deploy/catalogue/) whose checks this template adds' })),
    checks: Type.Optional(RawChecks),
  },
  { additionalProperties: false },
);
export type TemplateDoc = Static<typeof TemplateDoc>;

export const Assignment = Type.Union([Type.Literal('all'), Type.Array(Type.String({ pattern: '^[A-Z0-9]{3,10}$' }), { maxItems: 20_000 })], {
  description: '"all" (every practice the collector knows) or a list of ODS codes',
});
export type Assignment = Static<typeof Assignment>;

/** One catalogue entry (deploy/catalogue/<name>.yaml). */
export const CatalogueEntry = Type.Object(
  {
    name: TemplateName,
    title: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    app: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]*$', maxLength: 64, description: 'the `app` label of its checks' }),
    role: Type.Union(ROLES.map((r) => Type.Literal(r))),
    area: Type.Union(
      AREAS.map((a) => Type.Literal(a)),
      { description: 'the thresholds area it is judged in (deploy/profiles/default.yaml)' },
    ),
    rules: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: 'ids of the default profile rules that judge it' }),
    variables: Type.Record(
      Type.String({ pattern: VARIABLE_PATTERN }),
      Type.Object(
        {
          description: Type.String({ minLength: 1 }),
          example: Type.Union([Type.String(), Type.Number()], { description: 'documentation value (never a real service)' }),
        },
        { additionalProperties: false },
      ),
    ),
    checks: Type.Array(Type.Record(Type.String(), Type.Unknown()), { minItems: 1, maxItems: 20 }),
  },
  { additionalProperties: false },
);
export type CatalogueEntry = Static<typeof CatalogueEntry>;

/** A value as the API takes it: plain, a new secret, or `{ secret: true }` to keep the stored one. */
export const ValueInput = Type.Union([
  Type.String({ maxLength: 1024 }),
  Type.Number(),
  Type.Boolean(),
  Type.Object({ secret: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false }),
  Type.Object({ secret: Type.Literal(true) }, { additionalProperties: false }),
]);
export type ValueInput = Static<typeof ValueInput>;

/** A value at rest: plain, or sealed (./secrets.ts). */
export type StoredValue = { plain: string | number | boolean } | { sealed: string };

export interface PracticeValues {
  values: Record<string, StoredValue>;
  /** YAML list of extra checks (agent format, may use the practice's variables); '' for none. */
  extraChecks: string;
}

export interface StoredTemplate {
  source: string;
  practices: Assignment;
}

/** Everything a version is: what rollback restores. Secrets sealed. */
export interface Snapshot {
  templates: Record<string, StoredTemplate>;
  practices: Record<string, PracticeValues>;
}

export const EMPTY_SNAPSHOT: Snapshot = { templates: {}, practices: {} };
