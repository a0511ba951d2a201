/**
 * The threshold profile as data (STYLE habit 3: one schema for the type, the validator and the
 * docs). A profile is a list of rules; each selects series by metric and labels, aggregates a
 * window, compares with warning/critical levels and carries the `source` that reports print.
 * The shipped default is deploy/profiles/default.yaml; docs/thresholds.md explains every field.
 */
import { ODS_PATTERN_ANY_CASE } from '../../../shared/src/ods.ts';
import Type, { type Static, type TEnum } from 'typebox';
import { LabelNamePattern, MetricNamePattern } from '../../../shared/src/wire.ts';
import { Duration } from './duration.ts';

/** An enum of strings that keeps its literal types (errors say "must be one of …"). */
export function literals<const T extends string[]>(values: readonly [...T], options: { default?: T[number]; description?: string } = {}): TEnum<T> {
  return Type.Enum(values, options);
}

/** Dashboard areas: every rule state belongs to one, and a practice has a RAG status per area. */
export const AREAS = ['national-apps', 'national-link', 'lan', 'branch-link', 'servers', 'agent'] as const;
export type Area = (typeof AREAS)[number];

/**
 * How a window of samples becomes one number. Quantiles are nearest-rank (as the store's sketch);
 * `availability` is the share of samples > 0 (for 0/1 series such as probe_success);
 * `down_for` is seconds since the series last had a value > 0 (0 when its newest sample is > 0).
 */
export const AGGREGATIONS = ['p50', 'p90', 'p95', 'p99', 'mean', 'min', 'max', 'last', 'availability', 'down_for'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

export const RULE_ID_PATTERN = '^[a-z0-9][a-z0-9-]{0,63}$';
export const VARIANT_PATTERN = '^[a-z0-9][a-z0-9-]{0,63}$';
/** ODS codes of practices (A81001), any case: shared/src/ods.ts. */
export const ODS_PATTERN = ODS_PATTERN_ANY_CASE;

const RuleId = Type.String({ pattern: RULE_ID_PATTERN });
const MetricName = Type.String({ pattern: MetricNamePattern, maxLength: 128 });
const Area = literals(AREAS);
const Level = Type.Number({ description: "In the rule's unit (the aggregate's unit)." });

export const LabelMatch = Type.Union(
  [Type.String({ maxLength: 256 }), Type.Array(Type.String({ maxLength: 256 }), { minItems: 1, maxItems: 32, uniqueItems: true })],
  {
    description: 'The label must equal this value, or one of these values.',
  },
);

export const Selector = Type.Object(
  {
    metric: Type.Union([MetricName, Type.Array(MetricName, { minItems: 1, maxItems: 16, uniqueItems: true })]),
    labels: Type.Optional(Type.Record(Type.String({ pattern: LabelNamePattern, maxLength: 64 }), LabelMatch, { maxProperties: 8 })),
  },
  { additionalProperties: false },
);
export type Selector = Static<typeof Selector>;

const ClearLevels = Type.Object(
  { warning: Type.Optional(Level), critical: Type.Optional(Level) },
  { additionalProperties: false, description: 'Levels the aggregate must get back to (inclusive) to leave warning / critical; default: the raise level.' },
);

const common = {
  id: RuleId,
  title: Type.String({ minLength: 1, maxLength: 200 }),
  enabled: Type.Optional(Type.Boolean({ description: 'Default true.' })),
  source: Type.String({ minLength: 1, maxLength: 500, description: 'Where the figure comes from; printed by reports.' }),
  description: Type.Optional(Type.String({ maxLength: 2000 })),
};

export const ThresholdRule = Type.Object(
  {
    kind: Type.Literal('threshold'),
    ...common,
    area: Type.Optional(Area),
    scope: Type.Optional(
      literals(['live', 'report'], {
        description: 'Default live: evaluated continuously, raises alerts; report: a target the monthly report judges the month against.',
      }),
    ),
    select: Type.Array(Selector, { minItems: 1, maxItems: 16, description: 'A series belongs to the rule when any selector matches it.' }),
    aggregate: literals(AGGREGATIONS),
    window: Type.Union([Duration, Type.Literal('month')], {
      description: 'Sliding window before each evaluation; `month` (report rules): the calendar month.',
    }),
    compare: literals(['above', 'below']),
    unit: Type.String({ minLength: 1, maxLength: 16 }),
    warning: Type.Optional(Level),
    critical: Type.Optional(Level),
    clear: Type.Optional(ClearLevels),
    sustain: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440, description: 'Consecutive breaching evaluations before a level is raised.' })),
    clearSustain: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1440, description: 'Consecutive evaluations back within the clear level before it is left.' }),
    ),
    suppressedBy: Type.Optional(
      Type.Array(RuleId, { maxItems: 16, uniqueItems: true, description: 'Rules that, when active for the same practice, explain this one.' }),
    ),
    hours: Type.Optional(
      literals(['all', 'core'], {
        description: 'all (default): evaluated around the clock; core: only in core hours (the calendar), held as it is outside them.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ThresholdRule = Static<typeof ThresholdRule>;

export const SilenceRule = Type.Object(
  {
    kind: Type.Literal('silence'),
    ...common,
    area: Type.Optional(Type.Literal('agent')),
    warning: Type.Optional(Duration),
    critical: Type.Optional(Duration),
  },
  { additionalProperties: false, description: 'An agent the collector has not heard from (by arrival time) for this long.' },
);
export type SilenceRule = Static<typeof SilenceRule>;

export const Rule = Type.Union([ThresholdRule, SilenceRule]);
export type Rule = Static<typeof Rule>;

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

/** A change to an existing rule; `null` removes a level. */
export const RuleOverride = Type.Object(
  {
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    enabled: Type.Optional(Type.Boolean()),
    source: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    select: Type.Optional(Type.Array(Selector, { minItems: 1, maxItems: 16 })),
    window: Type.Optional(Type.Union([Duration, Type.Literal('month')])),
    warning: Type.Optional(Nullable(Type.Union([Type.Number(), Duration]))),
    critical: Type.Optional(Nullable(Type.Union([Type.Number(), Duration]))),
    clear: Type.Optional(Type.Object({ warning: Type.Optional(Nullable(Level)), critical: Type.Optional(Nullable(Level)) }, { additionalProperties: false })),
    sustain: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440 })),
    clearSustain: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440 })),
    suppressedBy: Type.Optional(Type.Array(RuleId, { maxItems: 16, uniqueItems: true })),
    hours: Type.Optional(literals(['all', 'core'])),
  },
  { additionalProperties: false },
);
export type RuleOverride = Static<typeof RuleOverride>;

export const Variant = Type.Object(
  {
    description: Type.String({ minLength: 1, maxLength: 500 }),
    rules: Type.Record(RuleId, RuleOverride),
  },
  { additionalProperties: false },
);

export const Profile = Type.Object(
  {
    version: Type.Literal(1),
    name: Type.String({ minLength: 1, maxLength: 64 }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    defaults: Type.Object(
      {
        sustain: Type.Integer({ minimum: 1, maximum: 1440, default: 3 }),
        clearSustain: Type.Integer({ minimum: 1, maximum: 1440, default: 1 }),
      },
      { additionalProperties: false, default: {} },
    ),
    rules: Type.Array(Rule, { minItems: 1, maxItems: 500 }),
    variants: Type.Record(Type.String({ pattern: VARIANT_PATTERN }), Variant, { default: {} }),
  },
  { additionalProperties: false },
);
export type Profile = Static<typeof Profile>;

/** Changes for a whole organisation or one practice, applied in this order: variants, rules, add. */
export const ProfileOverride = Type.Object(
  {
    variants: Type.Optional(
      Type.Array(Type.String({ pattern: VARIANT_PATTERN }), {
        maxItems: 16,
        uniqueItems: true,
        description: 'Named variants of the profile, e.g. resilient-link.',
      }),
    ),
    rules: Type.Optional(Type.Record(RuleId, RuleOverride)),
    add: Type.Optional(Type.Array(Rule, { maxItems: 100, description: 'Extra rules.' })),
  },
  { additionalProperties: false },
);
export type ProfileOverride = Static<typeof ProfileOverride>;

/** The `thresholds` section of collector.yaml. */
export const ThresholdsConfig = Type.Object(
  {
    profile: Type.Optional(Type.String({ minLength: 1, description: 'A profile file replacing the shipped deploy/profiles/default.yaml.' })),
    organisation: Type.Optional(ProfileOverride),
    practices: Type.Optional(Type.Record(Type.String({ pattern: ODS_PATTERN }), ProfileOverride, { description: 'Per practice (ODS code).' })),
  },
  { additionalProperties: false, default: {} },
);
export type ThresholdsConfig = Static<typeof ThresholdsConfig>;
