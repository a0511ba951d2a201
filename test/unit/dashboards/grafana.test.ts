/**
 * dashboards/grafana/: the provisioning files and the dashboards, validated against the parts of
 * Grafana's formats they rely on (grafana-schema.ts) and against what the influx backend writes
 * (influx-layout.ts, built from the metric catalog and the backend's constants) — Grafana itself is
 * not installable here, so this is what stands between a rename and an empty panel. Each kind of
 * breakage is shown to be caught on a mutated copy.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { TSchema } from 'typebox';
import { problemsOf } from '../../../shared/src/validate.ts';
import { METRIC_NAMES } from '../../../shared/src/metrics.ts';
import { NATIONAL_LINK_IF_ROLES } from '../../../shared/src/roles.ts';
import { defaultProfilePath, loadProfileFile } from '../../../collector/src/evaluation/profile.ts';
import { DashboardProvidersFile, DatasourcesFile, type Dashboard } from './grafana-schema.ts';
import { dashboardProblems, type CheckContext } from './check-dashboard.ts';
import { influxLayout } from './influx-layout.ts';
import { influxqlRefs } from './influxql.ts';

const DIR = join(import.meta.dirname, '../../../dashboards/grafana');
const yamlFile = (rel: string): unknown => parseYaml(readFileSync(join(DIR, rel), 'utf8'));
const dashboardFiles = readdirSync(join(DIR, 'dashboards')).filter((f) => f.endsWith('.json'));
const load = (f: string): Dashboard => JSON.parse(readFileSync(join(DIR, 'dashboards', f), 'utf8')) as Dashboard;
const copy = <T>(v: T): T => structuredClone(v);

const datasources = yamlFile('provisioning/datasources/n3mon-influxdb.yaml') as { datasources: { uid: string; name: string; type: string }[] };
const ds = datasources.datasources[0]!;
const profile = loadProfileFile(defaultProfilePath());
const rules = new Map(
  profile.rules.flatMap((r) =>
    r.kind === 'threshold' ? [[r.id, { warning: r.warning as number | undefined, critical: r.critical as number | undefined }] as const] : [],
  ),
);
const ctx: CheckContext = { datasource: { uid: ds.uid, name: ds.name, type: ds.type }, layout: influxLayout(), rules };

const overview = load('n3mon-overview.json');
const practice = load('n3mon-practice.json');
const panelByTitle = (d: Dashboard, part: string) => {
  const p = d.panels.find((x) => x.title.includes(part));
  if (p === undefined) throw new Error(`no panel titled …${part}… in ${d.uid}`);
  return p;
};

describe('provisioning files', () => {
  it('the data source file is what Grafana provisions: InfluxQL, URL, database and credentials from the environment', () => {
    expect(problemsOf(DatasourcesFile as TSchema, datasources)).toEqual([]);
    const d = datasources.datasources[0] as unknown as { url: string; user: string; jsonData: { dbName: string }; secureJsonData: { password: string } };
    // Grafana expands $VAR / ${VAR} in provisioning files (not in dashboard JSON).
    expect(d.url).toBe('${N3MON_INFLUX_URL}');
    expect(d.jsonData.dbName).toBe('${N3MON_INFLUX_DATABASE}');
    expect(d.user).toBe('${N3MON_INFLUX_USER}');
    expect(d.secureJsonData.password).toBe('${N3MON_INFLUX_PASSWORD}');
    // Every variable the file reads is one the README tells the operator to set.
    const readme = readFileSync(join(DIR, 'README.md'), 'utf8');
    const used = [
      ...readFileSync(join(DIR, 'provisioning/datasources/n3mon-influxdb.yaml'), 'utf8')
        .replace(/#.*$/gm, '')
        .matchAll(/\$\{(\w+)\}/g),
    ].map((m) => m[1] as string);
    expect(used.length).toBe(4);
    for (const v of used) expect(readme).toMatch(new RegExp(`^${v}=`, 'm'));
  });

  it('the dashboard provider serves files from one folder, read-only in the UI', () => {
    const p = yamlFile('provisioning/dashboards/n3mon.yaml');
    expect(problemsOf(DashboardProvidersFile as TSchema, p)).toEqual([]);
    const readme = readFileSync(join(DIR, 'README.md'), 'utf8');
    expect(readme).toContain((p as { providers: { options: { path: string } }[] }).providers[0]!.options.path);
  });
});

describe.each(dashboardFiles)('dashboard %s', (file) => {
  const d = load(file);
  it("matches Grafana's model, queries only what the influx backend writes, and names rule levels right", () => {
    expect(dashboardProblems(d, ctx)).toEqual([]);
  });
  it('has the organisation and practice template variables', () => {
    const names = d.templating.list.map((v) => v.name);
    expect(names.slice(0, 2)).toEqual(['organisation', 'practice']);
    expect(d.templating.list[0]!.type).toBe('datasource');
  });
});

describe('what the dashboards show', () => {
  it('overview: practices by status, worst national-link RTT and loss, national applications by phase', () => {
    for (const t of ['Practices by status', 'Worst national-link RTT', 'Worst national-link loss', 'National applications by phase']) panelByTitle(overview, t);
    expect(influxqlRefs(panelByTitle(overview, 'Worst national-link RTT').targets[0]!.query).measurements.map((m) => m.name)).toEqual(['icmp_rtt_avg_ms']);
  });

  it("practice: latency with loss, apps by phase, WAN utilisation against the profile's 75 % line, interface errors, host", () => {
    for (const t of ['Latency to $target', 'by phase', 'Interface errors', 'Host']) panelByTitle(practice, t);
    const wan = panelByTitle(practice, 'WAN utilisation');
    const rule = rules.get('wan-utilisation-p95');
    expect(rule?.warning).toBe(0.75);
    expect(wan.fieldConfig.defaults.thresholds?.steps.map((s) => s.value)).toEqual([null, rule?.warning, rule?.critical]);
    // The WAN interface is the one shared/src/roles.ts says (ifRole n3-gateway or wan), no other.
    for (const t of wan.targets) expect(t.query).toContain(`"ifRole" =~ /^(${NATIONAL_LINK_IF_ROLES.join('|')})$/`);
    const latency = panelByTitle(practice, 'Latency to $target');
    expect(latency.repeat).toBe('target');
    const loss = latency.fieldConfig.overrides.find((o) => o.matcher.options === 'loss');
    expect(loss?.properties.find((p) => p.id === 'color')?.value).toEqual({ mode: 'thresholds' });
  });
});

describe('a broken dashboard is caught', () => {
  const problemsAfter = (d: Dashboard, mutate: (x: Dashboard) => void, c: CheckContext = ctx): string[] => {
    const m = copy(d);
    mutate(m);
    return dashboardProblems(m, c);
  };
  const wan = practice.panels.findIndex((p) => p.title.includes('WAN utilisation'));
  const rename = (from: string, to: string) => (x: Dashboard) => {
    for (const t of x.panels[wan]!.targets) t.query = t.query.replaceAll(from, to);
  };

  it('a metric renamed in the catalog (the measurement no longer written)', () => {
    const layout = influxLayout(METRIC_NAMES.filter((m) => m !== 'snmp_if_in_utilisation_ratio'));
    expect(dashboardProblems(practice, { ...ctx, layout })).toContainEqual(
      expect.stringContaining('measurement "snmp_if_in_utilisation_ratio" is not one the influx backend writes'),
    );
  });

  it('a measurement, tag or field the backend does not write', () => {
    expect(problemsAfter(practice, rename('"snmp_if_in_utilisation_ratio"', '"snmp_if_in_utilization_ratio"'))).toContainEqual(
      expect.stringContaining('measurement "snmp_if_in_utilization_ratio"'),
    );
    expect(problemsAfter(practice, rename('"ifRole"', '"if_role"'))).toContainEqual(expect.stringContaining('"if_role" is neither a tag nor a field'));
    expect(problemsAfter(practice, rename('GROUP BY time($__interval), "target"', 'GROUP BY time($__interval), "device_name"'))).toContainEqual(
      expect.stringContaining('tag "device_name" is not written'),
    );
    expect(problemsAfter(practice, rename('max("value")', 'max("val")'))).toContainEqual(expect.stringContaining('field "val" is not written'));
    // A tag of another metric: ifName is on SNMP interface metrics, not on ICMP ones.
    expect(
      problemsAfter(overview, (x) => (x.panels[2]!.targets[0]!.query = x.panels[2]!.targets[0]!.query.replace('GROUP BY "practice"', 'GROUP BY "ifName"'))),
    ).toContainEqual(expect.stringContaining('tag "ifName" is not written to "icmp_rtt_avg_ms"'));
    const tier = practice.panels.findIndex((p) => p.targets.some((t) => t.query.includes('.1h"')));
    expect(
      problemsAfter(practice, (x) => (x.panels[tier]!.targets[0]!.query = x.panels[tier]!.targets[0]!.query.replace('sum("count")', 'sum("n")'))),
    ).toContainEqual(expect.stringContaining('field "n" is not written to "icmp_rtt_avg_ms.1h"'));
  });

  it('a query the checker cannot vouch for is refused, not passed', () => {
    expect(problemsAfter(overview, (x) => (x.panels[1]!.targets[0]!.query = 'SELECT mean("value") FROM /.*/ WHERE $timeFilter'))).toContainEqual(
      expect.stringContaining('regex measurement'),
    );
    expect(problemsAfter(overview, (x) => (x.panels[1]!.targets[0]!.query = 'SELECT mean(value) FROM "probe_success"'))).toContainEqual(
      expect.stringContaining('unquoted identifier value'),
    );
    expect(
      problemsAfter(
        overview,
        (x) => (x.panels[1]!.targets[0]!.query = 'SELECT max("m") FROM (SELECT mean("value") AS "m" FROM "probe_success" GROUP BY "practice")'),
      ),
    ).toContainEqual(expect.stringContaining('subquery'));
  });

  it('duplicate panel ids, a panel off the grid, an unknown panel type', () => {
    expect(problemsAfter(overview, (x) => (x.panels[2]!.id = x.panels[1]!.id))).toContainEqual(
      expect.stringContaining(`panels[2].id: ${overview.panels[1]!.id} is also panels[1].id`),
    );
    expect(problemsAfter(overview, (x) => (x.panels[1]!.gridPos.w = 25))).toContainEqual(expect.stringMatching(/^panels\[1\]\.gridPos\.w: /));
    expect(problemsAfter(overview, (x) => (x.panels[1]!.gridPos.x = 14))).toContainEqual(expect.stringContaining('panels[1].gridPos: x + w = 26 > 24'));
    expect(problemsAfter(overview, (x) => ((x.panels[1] as { type: string }).type = 'graph-panel-plugin'))).toContainEqual(
      expect.stringMatching(/^panels\[1\]\.type: /),
    );
  });

  it('a data source other than the provisioned one, or a variable that does not default to it', () => {
    expect(problemsAfter(overview, (x) => (x.panels[1]!.datasource = { type: 'influxdb', uid: 'my-influx' }))).toContainEqual(
      expect.stringContaining("panels[1].datasource.uid: 'my-influx' is neither"),
    );
    expect(problemsAfter(overview, (x) => (x.panels[1]!.targets[0]!.datasource = { type: 'prometheus', uid: ds.uid }))).toContainEqual(
      expect.stringContaining("panels[1].targets[0].datasource.type: 'prometheus'"),
    );
    expect(problemsAfter(overview, (x) => (x.templating.list[0]!.current = { value: 'other' }))).toContainEqual(
      expect.stringContaining('does not default to the provisioned data source'),
    );
    expect(problemsAfter(overview, (x) => (x.templating.list[0]!.regex = '/^grafana/'))).toContainEqual(
      expect.stringContaining('does not offer the provisioned data source'),
    );
  });

  it('a template variable used but not defined, or an alias naming a tag the query does not group by', () => {
    expect(problemsAfter(overview, (x) => (x.panels[1]!.targets[0]!.query = x.panels[1]!.targets[0]!.query.replace('$practice', '$practise')))).toContainEqual(
      expect.stringContaining('$practise is not a template variable'),
    );
    expect(problemsAfter(practice, (x) => (x.templating.list[2]!.query = x.templating.list[2]!.query.replace('$practice', '$target')))).toContainEqual(
      expect.stringContaining('templating.list[2].query: $target is not a template variable'),
    );
    expect(problemsAfter(practice, (x) => (x.panels[wan]!.targets[0]!.alias = 'in $tag_ifIndex'))).toContainEqual(
      expect.stringContaining('does not GROUP BY "ifIndex"'),
    );
    expect(problemsAfter(practice, (x) => (x.panels[1]!.repeat = 'nosuch'))).toContainEqual(expect.stringContaining("repeat: 'nosuch'"));
  });

  it("thresholds that drift from the default profile's rule, or are out of order", () => {
    expect(problemsAfter(practice, (x) => (x.panels[wan]!.fieldConfig.defaults.thresholds!.steps[1]!.value = 0.8))).toContainEqual(
      expect.stringContaining('rule wan-utilisation-p95 of the default profile says warning/critical [0.75,0.9]'),
    );
    const changed = new Map(rules);
    changed.set('wan-utilisation-p95', { warning: 0.7, critical: 0.9 });
    expect(dashboardProblems(practice, { ...ctx, rules: changed })).toContainEqual(expect.stringContaining('wan-utilisation-p95'));
    expect(problemsAfter(practice, (x) => (x.panels[wan]!.fieldConfig.defaults.thresholds!.steps[0]!.value = 0))).toContainEqual(
      expect.stringContaining('steps[0].value: must be null'),
    );
  });
});
