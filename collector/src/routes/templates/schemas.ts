/** Request and response schemas of the templated-config routes (./index.ts, ./agent.ts); the dashboard takes its types from here. */
import Type, { type Static } from 'typebox';
import { OdsCode } from '../../config/schema.ts';
import { Assignment, TemplateName, ValueInput, VariableName } from '../../config-templates/schema.ts';
import { PulledCheck } from '../../../../shared/src/pulled-config.ts';

export const TemplateParams = Type.Object({ name: TemplateName }, { additionalProperties: false });
export const PracticeParams = Type.Object({ ods: OdsCode }, { additionalProperties: false });

export const TemplateBody = Type.Object(
  {
    source: Type.String({
      maxLength: 256 * 1024,
      description: 'YAML: `description`, `include: [catalogue entries]`, `checks: [agent-format checks with {{ variables }}]`',
    }),
    practices: Assignment,
  },
  { additionalProperties: false },
);
export type TemplateBody = Static<typeof TemplateBody>;

export const Published = Type.Object({ version: Type.Integer({ description: 'the new organisation-wide version' }) });

export const TemplateView = Type.Object({
  name: Type.String(),
  source: Type.String(),
  practices: Assignment,
  include: Type.Array(Type.String()),
  checks: Type.Integer({ description: 'how many checks the template itself has (without included entries)' }),
  version: Type.Integer({ description: 'the current version' }),
});
export type TemplateView = Static<typeof TemplateView>;

export const TemplateList = Type.Object({
  version: Type.Integer(),
  templates: Type.Array(Type.Omit(TemplateView, ['source', 'version'])),
});

export const ValueView = Type.Union([
  Type.String(),
  Type.Number(),
  Type.Boolean(),
  Type.Object({ secret: Type.Literal(true), set: Type.Literal(true) }, { description: 'a secret: never returned' }),
]);

export const ValuesBody = Type.Object(
  {
    values: Type.Record(VariableName, ValueInput, {
      maxProperties: 200,
      propertyNames: { pattern: '^[A-Za-z][A-Za-z0-9_]{0,63}$' },
      description: 'plain values, `{ secret: "…" }` to store a secret (encrypted), `{ secret: true }` to keep the stored one',
    }),
    extraChecks: Type.Optional(
      Type.String({ maxLength: 256 * 1024, description: "YAML list of this practice's own checks (agent format, may use its variables)" }),
    ),
  },
  { additionalProperties: false },
);
export type ValuesBody = Static<typeof ValuesBody>;

export const ValuesView = Type.Object({
  practice: Type.String(),
  version: Type.Integer(),
  values: Type.Record(Type.String(), ValueView),
  extraChecks: Type.String(),
  templates: Type.Array(Type.String(), { description: 'the templates assigned to the practice' }),
});

const Diff = Type.Object({
  added: Type.Array(Type.String(), { description: 'check ids in the preview, not in the running version' }),
  removed: Type.Array(Type.String()),
  changed: Type.Array(Type.String(), { description: 'same id, other settings (a changed secret does not show: both sides are redacted)' }),
});

export const PreviewView = Type.Object({
  practice: Type.String(),
  version: Type.Integer(),
  etag: Type.Union([Type.String(), Type.Null()], { description: 'what the agents will see as the ETag; null when it does not render' }),
  sources: Type.Array(Type.String()),
  checks: Type.Array(PulledCheck, { description: 'the rendered checks, secrets as "<secret>"' }),
  problems: Type.Array(Type.String(), { description: 'why it does not render (then the agents get 404 and keep their last good config)' }),
  running: Type.Array(
    Type.Object({
      version: Type.Integer({ description: 'a version agents of the practice last reported ok (0: their local file only)' }),
      agents: Type.Array(Type.String()),
      diff: Diff,
    }),
  ),
});

export const VersionsQuery = Type.Object(
  { limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }), offset: Type.Integer({ minimum: 0, default: 0 }) },
  { additionalProperties: false },
);
export const VersionList = Type.Object({
  current: Type.Integer(),
  total: Type.Integer(),
  items: Type.Array(
    Type.Object({
      version: Type.Integer(),
      at: Type.String(),
      actor: Type.String(),
      action: Type.String(),
      target: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
});

export const RollbackBody = Type.Object(
  { version: Type.Integer({ minimum: 1, description: 'the version whose snapshot is published again' }) },
  { additionalProperties: false },
);

export const CatalogueList = Type.Object({
  entries: Type.Array(
    Type.Object({
      name: Type.String(),
      title: Type.String(),
      description: Type.Optional(Type.String()),
      app: Type.String(),
      role: Type.String(),
      area: Type.String(),
      rules: Type.Array(Type.String()),
      variables: Type.Record(Type.String(), Type.Object({ description: Type.String(), example: Type.Union([Type.String(), Type.Number()]) })),
      checks: Type.Array(PulledCheck),
    }),
  ),
});
