// The registries in code and their tables in docs/ must agree: every code/name documented, nothing
// documented that does not exist (STYLE habit 9).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { METRICS } from '../../../shared/src/metrics.ts';
import { OUTCOMES } from '../../../shared/src/outcomes.ts';
import { ERROR_CODES } from '../../../shared/src/errors.ts';
import { AGENT_LABELS, RESERVED_LABEL_PREFIX, RESERVED_LABELS } from '../../../shared/src/labels.ts';
import { REFUSAL_RULES } from '../../../shared/src/sample-rules.ts';
import { NATIONAL_LINK_IF_ROLES, ROLES } from '../../../shared/src/roles.ts';
import { DEFAULT_INGEST_LIMITS } from '../../../collector/src/ingest/limits-config.ts';
import { DEFAULT_CSP, HSTS, SECURITY_HEADER_NAMES } from '../../../collector/src/plugins/security-headers.ts';
import { DASHBOARD_CSP } from '../../../collector/src/ui/static.ts';
import { CollectorConfigSchema, StateConfig } from '../../../collector/src/config/schema.ts';
import { ENROLMENT_CONFIG_DEFAULTS } from '../../../collector/src/routes/enrolment/config.ts';
import { CREDENTIAL_HEADERS } from '../../../shared/src/agent-credential.ts';
import { agentConfigSchema } from '../../../agent/src/config/schema.ts';
import { DEFAULT_INCIDENTS, IncidentsConfig } from '../../../collector/src/incidents/config.ts';
import { SCOPE_KINDS } from '../../../collector/src/incidents/scope.ts';
import { PULL_INTERVAL_DEFAULT_MS, PULL_INTERVAL_MIN_MS } from '../../../shared/src/pulled-config.ts';
import { HELP as AGENT_HELP } from '../../../agent/src/cli.ts';
import { LAST_GOOD_FILE } from '../../../agent/src/config-pull/last-good.ts';
import { loadCatalogue } from '../../../collector/src/config-templates/catalogue.ts';
import { AUDIT_ACTIONS } from '../../../collector/src/meta/audit.ts';
import { ReportsConfig } from '../../../collector/src/reports/config.ts';

function firstColumn(doc: string, pattern: RegExp): string[] {
  const text = readFileSync(new URL(`../../../docs/${doc}`, import.meta.url), 'utf8');
  return [...text.matchAll(pattern)].map((m) => m[1] as string);
}

describe('docs stay in step with the registries', () => {
  it('docs/metrics.md lists every metric, with its unit and labels', () => {
    const text = readFileSync(new URL('../../../docs/metrics.md', import.meta.url), 'utf8');
    const rows = [...text.matchAll(/^\| `([a-z0-9_]+)` \| (\w+) \| (\w+) \| ([^|]*) \|/gm)];
    const documented = new Map(
      rows.map((r) => [r[1], { source: r[2], unit: r[3], labels: (r[4] ?? '').match(/`([^`]+)`/g)?.map((l) => l.slice(1, -1)) ?? [] }]),
    );
    expect([...documented.keys()].sort()).toEqual(Object.keys(METRICS).sort());
    for (const [name, info] of Object.entries(METRICS)) {
      expect(documented.get(name), name).toEqual({ source: info.source, unit: info.unit, labels: [...info.labels] });
    }
  });

  it('docs/outcomes.md lists every outcome', () => {
    expect(firstColumn('outcomes.md', /^\| `([a-z_]+)` \|/gm).sort()).toEqual(Object.keys(OUTCOMES).sort());
  });

  it('docs/metrics.md "Labels with a meaning" names every reserved label and every label the agent sets', () => {
    const text = readFileSync(new URL('../../../docs/metrics.md', import.meta.url), 'utf8');
    const row = (kind: string): string[] =>
      [...(text.match(new RegExp(`^\\| ${kind} \\| ([^|]*) \\|`, 'm'))?.[1] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
    expect(row('reserved')).toEqual([...RESERVED_LABELS, RESERVED_LABEL_PREFIX]);
    const agentRow = row('set by the agent');
    for (const name of AGENT_LABELS) expect(agentRow, name).toContain(name);
  });

  it("docs/api.md lists every sample rule (the shared ones and the collector's own)", () => {
    expect(
      firstColumn('api.md', /^\| `([a-z_]+)` \| /gm)
        .filter((r) => (REFUSAL_RULES as readonly string[]).includes(r))
        .sort(),
    ).toEqual([...REFUSAL_RULES].sort());
  });

  it('docs/errors.md lists every error code', () => {
    expect(firstColumn('errors.md', /^\| `(N3MON_ERR_[A-Z_]+)` \|/gm).sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it('docs/metrics.md lists every role, and the ifRole values of the national-link interface', () => {
    const text = readFileSync(new URL('../../../docs/metrics.md', import.meta.url), 'utf8');
    const roles = text.slice(text.indexOf('### Roles'), text.indexOf('## Names'));
    expect([...roles.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1])).toEqual([...ROLES]);
    for (const v of NATIONAL_LINK_IF_ROLES) expect(roles).toContain(`ifRole="${v}"`);
  });

  it('docs/api.md "Limits" and deploy/examples/collector.yaml give the ingest limits\' defaults', () => {
    const api = readFileSync(new URL('../../../docs/api.md', import.meta.url), 'utf8');
    const example = readFileSync(new URL('../../../deploy/examples/collector.yaml', import.meta.url), 'utf8');
    const d = DEFAULT_INGEST_LIMITS;
    const en = (n: number): string => n.toLocaleString('en-GB');
    expect(api).toContain(`| \`ingest.maxSeriesPerAgent\` | ${en(d.maxSeriesPerAgent)} |`);
    expect(api).toContain(`| \`ingest.maxSeriesPerPractice\` | ${en(d.maxSeriesPerPractice)} |`);
    expect(api).toContain(`| \`ingest.rateLimit\` | \`{ max: ${d.rateLimit.max}, windowMs: ${d.rateLimit.windowMs} }\` |`);
    expect(example).toContain(`maxSeriesPerAgent: ${d.maxSeriesPerAgent} `);
    expect(example).toContain(`maxSeriesPerPractice: ${d.maxSeriesPerPractice} `);
    expect(example).toContain(`rateLimit: { max: ${d.rateLimit.max}, windowMs: ${d.rateLimit.windowMs} }`);
  });

  it('docs/api.md, agent/README.md and deploy/examples/collector.yaml give the enrolment defaults and the credential headers', () => {
    const api = readFileSync(new URL('../../../docs/api.md', import.meta.url), 'utf8');
    const agent = readFileSync(new URL('../../../agent/README.md', import.meta.url), 'utf8');
    const example = readFileSync(new URL('../../../deploy/examples/collector.yaml', import.meta.url), 'utf8');
    const d = ENROLMENT_CONFIG_DEFAULTS;
    const keys = `\`codeTtlMs: ${d.codeTtlMs}\`, \`credentialTtlMs: ${d.credentialTtlMs}\`,\n\`rotationOverlapMs: ${d.rotationOverlapMs}\`, \`rateLimit: { max: ${d.rateLimit.max}, windowMs: ${d.rateLimit.windowMs} }\``;
    expect(api).toContain(keys);
    for (const [k, v] of Object.entries({ codeTtlMs: d.codeTtlMs, credentialTtlMs: d.credentialTtlMs, rotationOverlapMs: d.rotationOverlapMs }))
      expect(example).toContain(`${k}: ${v} `);
    expect(example).toContain(`rateLimit: { max: ${d.rateLimit.max}, windowMs: ${d.rateLimit.windowMs} }    # POST /api/v1/enrol`);
    expect(d.credentialTtlMs / 86_400_000).toBe(90);
    for (const h of Object.values(CREDENTIAL_HEADERS)) {
      expect(api).toContain(`\`${h}\``);
      expect(agent).toContain(`\`${h}\``);
    }
  });

  it('docs/security.md lists every security header with its value, and the secure-default settings', () => {
    const text = readFileSync(new URL('../../../docs/security.md', import.meta.url), 'utf8');
    const listed = [...text.matchAll(/^\| `([A-Za-z-]+)` \| /gm)].map((m) => (m[1] as string).toLowerCase());
    expect(listed.filter((h) => SECURITY_HEADER_NAMES.includes(h)).sort()).toEqual([...SECURITY_HEADER_NAMES].sort());
    expect(text).toContain(DEFAULT_CSP);
    expect(text).toContain(HSTS);
    expect(DASHBOARD_CSP).toContain("default-src 'self'");
    const ui = (CollectorConfigSchema.properties.ui as unknown as { properties: { secureCookies: { enum: string[] } } }).properties.secureCookies.enum;
    for (const mode of ui) expect(text).toContain(`\`${mode}\``);
    for (const key of ['ui.secureCookies', 'metrics.public', 'allowInsecure', 'requireTLS', 'listen.trustProxy']) expect(text).toContain(key);
  });

  it("docs/tls.md tables every listen.tls key and every TLS key of the agent's collector section; agent/README.md and the examples name them", () => {
    const tls = readFileSync(new URL('../../../docs/tls.md', import.meta.url), 'utf8');
    const agentReadme = readFileSync(new URL('../../../agent/README.md', import.meta.url), 'utf8');
    const examples = ['agent.yaml', 'collector.yaml'].map((f) => readFileSync(new URL(`../../../deploy/examples/${f}`, import.meta.url), 'utf8')).join('\n');
    const listen = CollectorConfigSchema.properties.listen as unknown as { properties: { tls: { properties: Record<string, unknown> } } };
    const serverKeys = Object.keys(listen.properties.tls.properties);
    expect(serverKeys.sort()).toEqual(['caFile', 'certFile', 'keyFile', 'requireClientCert']);
    const tabled = [...tls.matchAll(/^\| `([A-Za-z.]+)` \| /gm)].map((m) => m[1] as string);
    for (const k of serverKeys) {
      expect(tabled).toContain(`listen.tls.${k}`);
      expect(examples).toContain(`${k}:`);
    }
    const collector = agentConfigSchema([]).properties.collector.properties as Record<string, unknown>;
    const agentTlsKeys = ['caFile', 'allowInsecure', 'clientCertFile', 'clientKeyFile'];
    for (const k of agentTlsKeys) {
      expect(Object.keys(collector)).toContain(k);
      expect(tabled).toContain(`collector.${k}`);
      expect(agentReadme).toContain(`\`collector.${k}\``);
      expect(examples).toContain(`${k}:`);
    }
  });

  it('docs/configuration.md "Agents pull", agent/README.md, the agent\'s --help and deploy/examples/agent.yaml give collector.config and pullIntervalMs with their defaults', () => {
    const doc = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    const pull = doc.slice(doc.indexOf('## Agents pull'), doc.indexOf('## Rollback'));
    const agentReadme = readFileSync(new URL('../../../agent/README.md', import.meta.url), 'utf8');
    const example = readFileSync(new URL('../../../deploy/examples/agent.yaml', import.meta.url), 'utf8');
    const collector = agentConfigSchema([]).properties.collector.properties as unknown as Record<string, { default?: unknown; minimum?: number }>;
    expect(collector.config?.default).toBe('local');
    expect(collector.pullIntervalMs).toMatchObject({ default: PULL_INTERVAL_DEFAULT_MS, minimum: PULL_INTERVAL_MIN_MS });
    expect(pull).toContain('| `collector.config` | `local` |');
    expect(pull).toContain(`| \`collector.pullIntervalMs\` | ${PULL_INTERVAL_DEFAULT_MS} |`);
    expect(pull).toContain(`at least ${PULL_INTERVAL_MIN_MS}`);
    expect(pull).toContain(`<spool.dir>/${LAST_GOOD_FILE}`);
    expect(agentReadme).toContain('| `collector.config` | `local` |');
    expect(agentReadme).toContain(`| \`collector.pullIntervalMs\` | ${PULL_INTERVAL_DEFAULT_MS} |`);
    expect(AGENT_HELP).toContain(`default ${PULL_INTERVAL_DEFAULT_MS}, at least ${PULL_INTERVAL_MIN_MS}`);
    expect(AGENT_HELP).toContain(`spool.dir/${LAST_GOOD_FILE}`);
    expect(example).toContain('# config: pull ');
    expect(example).toContain(`# pullIntervalMs: ${PULL_INTERVAL_DEFAULT_MS} `);
    for (const section of ['## Agents pull', '## Rollback', '### On the agent', '## A local file and a pulled config together']) expect(doc).toContain(section);
  });

  it('docs/configuration.md tables every catalogue entry and its variables; the configTemplates keys and the templated-config routes are documented', () => {
    const doc = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## The national application catalogue'), doc.indexOf('## Agents pull'));
    const catalogue = loadCatalogue();
    const tabled = [...section.matchAll(/^\| `([a-z0-9-]+)` \| /gm)].map((m) => m[1]);
    expect(tabled.sort()).toEqual([...catalogue.keys()].sort());
    for (const { entry } of catalogue.values()) for (const v of Object.keys(entry.variables)) expect(section, `${entry.name}: ${v}`).toContain(`{{ ${v} }}`);
    const keys = Object.keys((CollectorConfigSchema.properties.configTemplates as unknown as { properties: Record<string, unknown> }).properties).sort();
    expect(keys).toEqual(['catalogueDir', 'secretKeyFile']);
    const security = readFileSync(new URL('../../../docs/security.md', import.meta.url), 'utf8');
    const example = readFileSync(new URL('../../../deploy/examples/collector.yaml', import.meta.url), 'utf8');
    for (const k of keys) {
      expect(doc, k).toContain(k);
      expect(example, k).toContain(`${k}:`);
    }
    expect(security).toContain('secretKeyFile');
    const api = readFileSync(new URL('../../../docs/api.md', import.meta.url), 'utf8');
    for (const route of [
      '/api/v1/config/templates/:name',
      '/api/v1/practices/:ods/config/values',
      '/api/v1/practices/:ods/config/preview',
      '/api/v1/config/versions',
      '/api/v1/config/rollback',
      '/api/v1/catalogue',
    ])
      expect(api, route).toContain(route);
    for (const action of AUDIT_ACTIONS.filter((a) => /^(template|config)/.test(a))) expect(doc, action).toContain(`\`${action}\``);
  });

  it('docs/thresholds.md "National incidents" gives every incidents key with its default, and every scope kind', () => {
    const doc = readFileSync(new URL('../../../docs/thresholds.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## National incidents'), doc.indexOf('## API'));
    expect(Object.keys(IncidentsConfig.properties).sort()).toEqual(Object.keys(DEFAULT_INCIDENTS).sort());
    for (const [key, value] of Object.entries(DEFAULT_INCIDENTS)) {
      expect(section, key).toContain(`  ${key}: ${String(value)}`);
      expect((IncidentsConfig.properties[key as keyof typeof IncidentsConfig.properties] as { default?: unknown }).default, key).toBe(value);
    }
    for (const kind of SCOPE_KINDS) expect(section, kind).toContain(`| \`${kind}\` |`);
  });

  it('docs/state.md tables every state key of the collector config with its default', () => {
    const doc = readFileSync(new URL('../../../docs/state.md', import.meta.url), 'utf8');
    const branches = (StateConfig as unknown as { anyOf: { properties: Record<string, { default?: unknown; const?: unknown }> }[] }).anyOf;
    expect(branches.map((b) => b.properties.backend?.const)).toEqual(['sqlite', 'postgres']);
    for (const b of branches)
      for (const [key, field] of Object.entries(b.properties)) {
        const fallback = key === 'backend' ? 'sqlite' : field.default;
        expect(doc, key).toMatch(new RegExp(`\\| \`state\\.${key}\` \\| ${fallback === undefined ? '[^|]+' : `\`${String(fallback)}\``} \\|`));
      }
  });

  it('docs/architecture.md "Moving to the scaled setup" gives n3mon migrate with every flag its --help lists', () => {
    const doc = readFileSync(new URL('../../../docs/architecture.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## Moving to the scaled setup'));
    expect(section).toContain('n3mon migrate --from');
    // The --help text, read from the source (importing the command would load the whole collector).
    const help = readFileSync(new URL('../../../collector/src/cli/migrate.ts', import.meta.url), 'utf8');
    const flags = [...help.matchAll(/^ {2}(--[a-z-]+) /gm)].map((m) => m[1] as string);
    expect(flags).toEqual(['--from', '--config', '--dry-run', '--force']);
    for (const flag of flags) expect(section, flag).toContain(flag);
  });

  it('docs/reports.md names every reports key of the collector config', () => {
    const doc = readFileSync(new URL('../../../docs/reports.md', import.meta.url), 'utf8');
    for (const key of Object.keys(ReportsConfig.properties)) expect(doc, key).toContain(`reports.${key}`);
  });
});
