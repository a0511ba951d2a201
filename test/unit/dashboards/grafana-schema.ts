/**
 * The parts of Grafana's file formats n3mon's dashboards rely on, as TypeBox schemas — what
 * test/unit/dashboards/grafana.test.ts checks dashboards/grafana/ against (Grafana is not
 * installable here, so the files are validated, not rendered).
 *
 * Sources: Grafana's classic dashboard JSON model (kinds/dashboard/dashboard_kind.cue: #Panel,
 * #RowPanel, #GridPos h > 0, 0 < w ≤ 24, 0 ≤ x < 24, #ThresholdsConfig "sorted by value, first
 * value is always -Infinity" — null in JSON —, #VariableModel, #DataSourceRef {type, uid}), the
 * InfluxDB data source's query model (refId, query, rawQuery, resultFormat, alias) and the
 * provisioning docs (apiVersion 1, datasources[], providers[] with type file and options.path;
 * jsonData.dbName replaces the deprecated `database`). Stricter than Grafana where a typo would
 * otherwise pass silently: unknown keys are refused on the objects we write by hand.
 */
import Type, { type Static } from 'typebox';

const strict = { additionalProperties: false } as const;

/** Panel types of Grafana's core (no plugin needs installing). */
export const CORE_PANEL_TYPES = [
  'timeseries',
  'table',
  'stat',
  'gauge',
  'bargauge',
  'barchart',
  'state-timeline',
  'status-history',
  'piechart',
  'heatmap',
  'text',
  'row',
] as const;

export const DataSourceRef = Type.Object({ type: Type.String({ minLength: 1 }), uid: Type.String({ minLength: 1 }) }, strict);

export const GridPos = Type.Object(
  {
    h: Type.Integer({ minimum: 1 }),
    w: Type.Integer({ minimum: 1, maximum: 24 }),
    x: Type.Integer({ minimum: 0, maximum: 23 }),
    y: Type.Integer({ minimum: 0 }),
  },
  strict,
);

/** A query of the InfluxDB data source in raw InfluxQL mode. */
export const InfluxTarget = Type.Object(
  {
    refId: Type.String({ pattern: '^[A-Z]$' }),
    datasource: DataSourceRef,
    query: Type.String({ minLength: 1 }),
    rawQuery: Type.Literal(true),
    resultFormat: Type.Union([Type.Literal('time_series'), Type.Literal('table')]),
    alias: Type.Optional(Type.String()),
    hide: Type.Optional(Type.Boolean()),
  },
  strict,
);

export const ThresholdStep = Type.Object({ color: Type.String({ minLength: 1 }), value: Type.Union([Type.Number(), Type.Null()]) }, strict);
export const ThresholdsConfig = Type.Object(
  { mode: Type.Union([Type.Literal('absolute'), Type.Literal('percentage')]), steps: Type.Array(ThresholdStep, { minItems: 1 }) },
  strict,
);

const FieldConfig = Type.Object({
  unit: Type.Optional(Type.String()),
  decimals: Type.Optional(Type.Integer({ minimum: 0 })),
  min: Type.Optional(Type.Number()),
  max: Type.Optional(Type.Number()),
  thresholds: Type.Optional(ThresholdsConfig),
  color: Type.Optional(Type.Object({ mode: Type.String(), fixedColor: Type.Optional(Type.String()) }, strict)),
  mappings: Type.Optional(Type.Array(Type.Object({ type: Type.String() }))),
  custom: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  displayName: Type.Optional(Type.String()),
  noValue: Type.Optional(Type.String()),
});

const Override = Type.Object(
  {
    matcher: Type.Object({ id: Type.String({ minLength: 1 }), options: Type.Optional(Type.Unknown()) }, strict),
    properties: Type.Array(Type.Object({ id: Type.String({ minLength: 1 }), value: Type.Optional(Type.Unknown()) }, strict)),
  },
  strict,
);

export const Panel = Type.Object(
  {
    id: Type.Integer({ minimum: 1 }),
    type: Type.Union(CORE_PANEL_TYPES.map((t) => Type.Literal(t))),
    title: Type.String({ minLength: 1 }),
    description: Type.Optional(Type.String()),
    gridPos: GridPos,
    datasource: Type.Optional(DataSourceRef),
    targets: Type.Array(InfluxTarget),
    fieldConfig: Type.Object({ defaults: FieldConfig, overrides: Type.Array(Override) }, strict),
    options: Type.Record(Type.String(), Type.Unknown()),
    transformations: Type.Optional(
      Type.Array(
        Type.Object(
          { id: Type.String({ minLength: 1 }), options: Type.Record(Type.String(), Type.Unknown()), disabled: Type.Optional(Type.Boolean()) },
          strict,
        ),
      ),
    ),
    repeat: Type.Optional(Type.String({ minLength: 1 })),
    repeatDirection: Type.Optional(Type.Union([Type.Literal('h'), Type.Literal('v')])),
    maxPerRow: Type.Optional(Type.Integer({ minimum: 1 })),
    interval: Type.Optional(Type.String()),
    maxDataPoints: Type.Optional(Type.Integer({ minimum: 1 })),
    collapsed: Type.Optional(Type.Boolean()),
  },
  strict,
);
export type Panel = Static<typeof Panel>;

/** Template variables of the kinds the dashboards use (#VariableModel, #VariableType). */
export const Variable = Type.Object(
  {
    type: Type.Union([
      Type.Literal('query'),
      Type.Literal('datasource'),
      Type.Literal('custom'),
      Type.Literal('constant'),
      Type.Literal('interval'),
      Type.Literal('textbox'),
    ]),
    name: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }),
    label: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    datasource: Type.Optional(DataSourceRef),
    query: Type.String(),
    definition: Type.Optional(Type.String()),
    regex: Type.Optional(Type.String()),
    refresh: Type.Optional(Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)])),
    sort: Type.Optional(Type.Integer({ minimum: 0, maximum: 8 })),
    hide: Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)]),
    includeAll: Type.Boolean(),
    multi: Type.Boolean(),
    allValue: Type.Optional(Type.String()),
    current: Type.Record(Type.String(), Type.Unknown()),
    options: Type.Array(Type.Unknown()),
    skipUrlSync: Type.Boolean(),
  },
  strict,
);
export type Variable = Static<typeof Variable>;

export const Dashboard = Type.Object({
  uid: Type.String({ pattern: '^[A-Za-z0-9_-]{1,40}$' }),
  title: Type.String({ minLength: 1 }),
  description: Type.Optional(Type.String()),
  tags: Type.Array(Type.String()),
  // 36 is the cue model's default; 39 is what Grafana 10.4 / 11 write (older ones migrate up).
  schemaVersion: Type.Integer({ minimum: 36 }),
  version: Type.Optional(Type.Integer({ minimum: 0 })),
  editable: Type.Boolean(),
  graphTooltip: Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)]),
  timezone: Type.Optional(Type.String()),
  refresh: Type.Optional(Type.Union([Type.String(), Type.Literal(false)])),
  time: Type.Object({ from: Type.String({ minLength: 1 }), to: Type.String({ minLength: 1 }) }, strict),
  panels: Type.Array(Panel, { minItems: 1 }),
  templating: Type.Object({ list: Type.Array(Variable) }, strict),
  annotations: Type.Object({ list: Type.Array(Type.Record(Type.String(), Type.Unknown())) }),
  links: Type.Optional(Type.Array(Type.Object({ title: Type.String(), type: Type.Union([Type.Literal('link'), Type.Literal('dashboards')]) }))),
});
export type Dashboard = Static<typeof Dashboard>;

/** provisioning/datasources/*.yaml */
export const DatasourcesFile = Type.Object(
  {
    apiVersion: Type.Literal(1),
    datasources: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1 }),
          uid: Type.String({ pattern: '^[A-Za-z0-9_-]{1,40}$' }),
          type: Type.Literal('influxdb'),
          access: Type.Literal('proxy'),
          url: Type.String({ minLength: 1 }),
          user: Type.Optional(Type.String()),
          isDefault: Type.Optional(Type.Boolean()),
          editable: Type.Optional(Type.Boolean()),
          orgId: Type.Optional(Type.Integer({ minimum: 1 })),
          jsonData: Type.Object(
            {
              version: Type.Literal('InfluxQL'),
              dbName: Type.String({ minLength: 1 }),
              httpMode: Type.Union([Type.Literal('GET'), Type.Literal('POST')]),
              timeInterval: Type.Optional(Type.String()),
            },
            strict,
          ),
          secureJsonData: Type.Optional(Type.Object({ password: Type.String() }, strict)),
        },
        strict,
      ),
      { minItems: 1 },
    ),
  },
  strict,
);
export type DatasourcesFile = Static<typeof DatasourcesFile>;

/** provisioning/dashboards/*.yaml */
export const DashboardProvidersFile = Type.Object(
  {
    apiVersion: Type.Literal(1),
    providers: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1 }),
          orgId: Type.Optional(Type.Integer({ minimum: 1 })),
          folder: Type.Optional(Type.String()),
          folderUid: Type.Optional(Type.String()),
          type: Type.Literal('file'),
          disableDeletion: Type.Optional(Type.Boolean()),
          allowUiUpdates: Type.Optional(Type.Boolean()),
          updateIntervalSeconds: Type.Optional(Type.Integer({ minimum: 1 })),
          options: Type.Object({ path: Type.String({ minLength: 1 }), foldersFromFilesStructure: Type.Optional(Type.Boolean()) }, strict),
        },
        strict,
      ),
      { minItems: 1 },
    ),
  },
  strict,
);
