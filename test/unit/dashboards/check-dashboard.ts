/**
 * Every problem of one Grafana dashboard JSON, as `path: message` lines (empty = fine): the
 * schema (grafana-schema.ts), unique panel ids and a grid that fits, data source references to the
 * provisioned InfluxDB data source, template variables that exist, every measurement / tag / field
 * an InfluxQL query names being one the influx backend writes (influx-layout.ts), and thresholds
 * that name a rule of the default profile equal to that rule's levels.
 */
import type { TSchema } from 'typebox';
import { problemsOf } from '../../../shared/src/validate.ts';
import { Dashboard, type Panel, type Variable } from './grafana-schema.ts';
import { influxqlRefs, variablesIn } from './influxql.ts';
import type { InfluxLayout } from './influx-layout.ts';

export interface CheckContext {
  /** The provisioned data source (provisioning/datasources/*.yaml). */
  datasource: { uid: string; name: string; type: string };
  layout: InfluxLayout;
  /** Threshold rules of the default profile by id: their warning and critical levels. */
  rules: ReadonlyMap<string, { warning?: number; critical?: number }>;
}

/** Variables Grafana defines itself (global variables and the InfluxDB data source's macros). */
const BUILT_IN = new Set([
  'timeFilter',
  '__timeFilter',
  '__interval',
  '__interval_ms',
  '__range',
  '__range_s',
  '__range_ms',
  '__rate_interval',
  '__from',
  '__to',
  '__all',
  '__dashboard',
  '__org',
  '__user',
  '__name',
]);
/** InfluxDB alias patterns: $m / $measurement, $col, $tag_<tag>. */
const ALIAS_NAMES = new Set(['m', 'measurement', 'col']);

function datasourceProblems(path: string, ref: { type: string; uid: string } | undefined, vars: Map<string, Variable>, ctx: CheckContext): string[] {
  if (ref === undefined) return [`${path}: missing (a query panel must name the n3mon data source)`];
  if (ref.type !== ctx.datasource.type) return [`${path}.type: '${ref.type}', the provisioned data source is '${ctx.datasource.type}'`];
  if (ref.uid === ctx.datasource.uid) return [];
  const name = /^\$\{?(\w+)\}?$/.exec(ref.uid)?.[1];
  const v = name === undefined ? undefined : vars.get(name);
  if (v === undefined) return [`${path}.uid: '${ref.uid}' is neither the provisioned data source '${ctx.datasource.uid}' nor a data source variable`];
  if (v.type !== 'datasource' || v.query !== ctx.datasource.type)
    return [`${path}.uid: variable '${name}' is not a data source variable of type ${ctx.datasource.type}`];
  const out: string[] = [];
  const re = /^\/(.*)\/([a-z]*)$/.exec(v.regex ?? '');
  if (v.regex !== undefined && v.regex !== '' && (re === null || !new RegExp(re[1] as string, re[2]).test(ctx.datasource.name)))
    out.push(`${path}.uid: variable '${name}' (regex ${v.regex}) does not offer the provisioned data source '${ctx.datasource.name}'`);
  if ((v.current as { value?: unknown }).value !== ctx.datasource.uid)
    out.push(`${path}.uid: variable '${name}' does not default to the provisioned data source '${ctx.datasource.uid}'`);
  return out;
}

/** The query's references against what the backend writes. */
function queryProblems(path: string, query: string, layout: InfluxLayout): { problems: string[]; groupTags: string[] } {
  let refs;
  try {
    refs = influxqlRefs(query);
  } catch (err) {
    return { problems: [`${path}: ${(err as Error).message}`], groupTags: [] };
  }
  const out: string[] = [];
  const known = refs.measurements.filter((m) => {
    if (m.rp !== undefined)
      out.push(`${path}: retention policy "${m.rp}" named — n3mon writes every measurement into one policy (docs/storage.md); query the default`);
    if (layout.has(m.name)) return true;
    out.push(`${path}: measurement "${m.name}" is not one the influx backend writes`);
    return false;
  });
  const each = known.map((m) => layout.get(m.name)!);
  const anyTags = each.length > 0 ? each : [...layout.values()];
  for (const f of refs.fields)
    for (const [k, m] of each.entries())
      if (!m.fields.has(f)) out.push(`${path}: field "${f}" is not written to "${known[k]!.name}" (fields: ${[...m.fields].join(', ')})`);
  for (const t of refs.tags) {
    if (each.length === 0 && !anyTags.some((m) => m.tags.has(t))) out.push(`${path}: tag "${t}" is on no measurement the influx backend writes`);
    for (const [k, m] of each.entries()) if (!m.tags.has(t)) out.push(`${path}: tag "${t}" is not written to "${known[k]!.name}"`);
  }
  for (const x of refs.tagsOrFields)
    for (const [k, m] of each.entries())
      if (!m.tags.has(x) && !m.fields.has(x)) out.push(`${path}: "${x}" is neither a tag nor a field of "${known[k]!.name}"`);
  return { problems: out, groupTags: refs.tags };
}

function thresholdProblems(path: string, panel: Panel, ctx: CheckContext): string[] {
  const out: string[] = [];
  const all = [{ p: `${path}.fieldConfig.defaults.thresholds`, t: panel.fieldConfig.defaults.thresholds }];
  panel.fieldConfig.overrides.forEach((o, i) =>
    o.properties.forEach((pr, j) => {
      if (pr.id === 'thresholds') all.push({ p: `${path}.fieldConfig.overrides[${i}].properties[${j}].value`, t: pr.value as (typeof all)[0]['t'] });
    }),
  );
  for (const { p, t } of all) {
    if (t === undefined) continue;
    if (t.steps[0]?.value !== null) out.push(`${p}.steps[0].value: must be null (the base step: -Infinity)`);
    const values = t.steps.slice(1).map((s) => s.value);
    if (values.some((v, i) => v === null || (i > 0 && (v as number) <= (values[i - 1] as number))))
      out.push(`${p}.steps: values after the base must be numbers in ascending order`);
  }
  const rule = /\brule ([a-z0-9-]+)/.exec(panel.description ?? '')?.[1];
  if (rule !== undefined) {
    const r = ctx.rules.get(rule);
    const levels = panel.fieldConfig.defaults.thresholds?.steps.slice(1).map((s) => s.value);
    const want = r === undefined ? undefined : [r.warning, r.critical].filter((v) => v !== undefined);
    if (r === undefined) out.push(`${path}.description: names rule ${rule}, which the default profile does not have`);
    else if (JSON.stringify(levels) !== JSON.stringify(want))
      out.push(
        `${path}.fieldConfig.defaults.thresholds: ${JSON.stringify(levels)}, rule ${rule} of the default profile says warning/critical ${JSON.stringify(want)}`,
      );
  }
  return out;
}

function variableUseProblems(path: string, text: string, defined: ReadonlySet<string>): string[] {
  return variablesIn(text)
    .filter((v) => !defined.has(v) && !BUILT_IN.has(v))
    .map((v) => `${path}: $${v} is not a template variable of the dashboard`);
}

export function dashboardProblems(input: unknown, ctx: CheckContext): string[] {
  const schema = problemsOf(Dashboard as TSchema, input);
  if (schema.length > 0) return schema;
  const d = input as Dashboard;
  const out: string[] = [];
  const vars = new Map<string, Variable>();
  d.templating.list.forEach((v, i) => {
    const p = `templating.list[${i}]`;
    if (vars.has(v.name)) out.push(`${p}.name: '${v.name}' twice`);
    if (v.type === 'query') {
      out.push(...datasourceProblems(`${p}.datasource`, v.datasource, vars, ctx));
      // A variable's query may use only the variables before it (Grafana resolves them in order).
      out.push(...variableUseProblems(`${p}.query`, v.query, new Set(vars.keys())));
      out.push(...queryProblems(`${p}.query`, v.query, ctx.layout).problems);
    }
    vars.set(v.name, v);
  });
  const names = new Set(vars.keys());
  const ids = new Map<number, number>();
  d.panels.forEach((panel, i) => {
    const p = `panels[${i}]`;
    if (ids.has(panel.id)) out.push(`${p}.id: ${panel.id} is also panels[${ids.get(panel.id)}].id`);
    ids.set(panel.id, i);
    if (panel.gridPos.x + panel.gridPos.w > 24) out.push(`${p}.gridPos: x + w = ${panel.gridPos.x + panel.gridPos.w} > 24 columns`);
    d.panels.slice(0, i).forEach((q, j) => {
      const a = panel.gridPos;
      const b = q.gridPos;
      if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h) out.push(`${p}.gridPos: overlaps panels[${j}]`);
    });
    out.push(...variableUseProblems(`${p}.title`, panel.title, names));
    if (panel.repeat !== undefined) {
      const v = vars.get(panel.repeat);
      if (v === undefined || !(v.multi || v.includeAll)) out.push(`${p}.repeat: '${panel.repeat}' is not a multi-value template variable`);
    }
    if (panel.type === 'text' || panel.type === 'row') {
      if (panel.targets.length > 0) out.push(`${p}.targets: a ${panel.type} panel runs no query`);
      return;
    }
    if (panel.targets.length === 0) out.push(`${p}.targets: a ${panel.type} panel needs a query`);
    out.push(...datasourceProblems(`${p}.datasource`, panel.datasource, vars, ctx));
    const refIds = new Set<string>();
    panel.targets.forEach((t, k) => {
      const tp = `${p}.targets[${k}]`;
      if (refIds.has(t.refId)) out.push(`${tp}.refId: '${t.refId}' twice`);
      refIds.add(t.refId);
      out.push(...datasourceProblems(`${tp}.datasource`, t.datasource, vars, ctx));
      out.push(...variableUseProblems(`${tp}.query`, t.query, names));
      const q = queryProblems(`${tp}.query`, t.query, ctx.layout);
      out.push(...q.problems);
      for (const v of variablesIn(t.alias ?? '')) {
        const tag = /^tag_(\w+)$/.exec(v)?.[1];
        if (tag !== undefined ? !q.groupTags.includes(tag) : !ALIAS_NAMES.has(v) && !names.has(v))
          out.push(`${tp}.alias: $${v} — ${tag !== undefined ? `the query does not GROUP BY "${tag}"` : 'not an alias pattern or variable'}`);
      }
    });
    out.push(...thresholdProblems(p, panel, ctx));
  });
  return out;
}
