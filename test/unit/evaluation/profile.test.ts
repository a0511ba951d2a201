import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfigSource } from '../../../shared/src/config-file.ts';
import { isN3monError } from '../../../shared/src/errors.ts';
import { parseWithSchema } from '../../../shared/src/validate.ts';
import { buildThresholds, defaultProfilePath, loadProfileFile, loadThresholds, parseProfile } from '../../../collector/src/evaluation/profile.ts';
import { ThresholdsConfig, type Profile } from '../../../collector/src/evaluation/profile-schema.ts';
import type { CompiledThresholdRule } from '../../../collector/src/evaluation/compiled.ts';

const profile = loadProfileFile(defaultProfilePath());

function thresholds(config: unknown) {
  const cfg = parseWithSchema(ThresholdsConfig, config);
  if (!cfg.ok) return { ok: false as const, problems: cfg.problems.map((p) => `thresholds.${p}`) };
  return buildThresholds(profile, cfg.value);
}
function problemsOfConfig(config: unknown): string[] {
  const r = thresholds(config);
  return r.ok ? [] : r.problems;
}
function organisation() {
  const r = thresholds({});
  if (!r.ok) throw new Error(r.problems.join('\n'));
  return r.value.organisation;
}
const org = organisation;
const rule = (p: { byId: ReadonlyMap<string, unknown> }, id: string) => p.byId.get(id) as CompiledThresholdRule;

describe('the default profile (deploy/profiles/default.yaml)', () => {
  // The table "Default threshold profile" of the product brief, row by row.
  const table: [
    string,
    {
      aggregate: string;
      window: string;
      compare: string;
      warning?: number;
      critical?: number;
      source: string;
      metric: string;
      labels?: Record<string, unknown>;
    },
  ][] = [
    [
      'n3-rtt-p95',
      {
        aggregate: 'p95',
        window: '15m',
        compare: 'above',
        warning: 60,
        critical: 150,
        source: 'product default (ITU-T Y.1541 class 0 / G.114 basis)',
        metric: 'icmp_rtt_avg_ms',
        labels: { role: 'n3-gateway' },
      },
    ],
    [
      'n3-jitter-p95',
      {
        aggregate: 'p95',
        window: '15m',
        compare: 'above',
        warning: 10,
        critical: 30,
        source: 'product default',
        metric: 'icmp_jitter_ms',
        labels: { role: 'n3-gateway' },
      },
    ],
    [
      'n3-loss-mean',
      {
        aggregate: 'mean',
        window: '15m',
        compare: 'above',
        warning: 0.001,
        critical: 0.01,
        source: 'product default (Y.1541 IPLR 1e-3)',
        metric: 'icmp_loss_ratio',
        labels: { role: 'n3-gateway' },
      },
    ],
    [
      'lan-rtt-p95',
      {
        aggregate: 'p95',
        window: '15m',
        compare: 'above',
        warning: 5,
        critical: 20,
        source: 'product default',
        metric: 'icmp_rtt_avg_ms',
        labels: { role: 'lan-gateway' },
      },
    ],
    [
      'wan-utilisation-p95',
      {
        aggregate: 'p95',
        window: '15m',
        compare: 'above',
        warning: 0.75,
        critical: 0.9,
        source: 'NHS Digital advice: sites over 75 % of FTTC capacity should review connectivity',
        metric: 'snmp_if_in_utilisation_ratio',
      },
    ],
    [
      'app-connect-p95',
      {
        aggregate: 'p95',
        window: '15m',
        compare: 'above',
        warning: 300,
        critical: 1000,
        source: 'product default',
        metric: 'tcp_connect_ms',
        labels: { role: 'national-app' },
      },
    ],
    [
      'app-http-total-p95',
      {
        aggregate: 'p95',
        window: '15m',
        compare: 'above',
        warning: 1500,
        critical: 3000,
        source: 'Choose and Book contract: 95 % of "create referral" within 3.0 s',
        metric: 'http_total_ms',
        labels: { role: 'national-app' },
      },
    ],
    [
      'n3-availability-month',
      {
        aggregate: 'availability',
        window: 'month',
        compare: 'below',
        warning: 0.99,
        source: 'HSCN Obligations Framework (end-to-end access availability): 99.5 % resilient / 99.0 % single',
        metric: 'probe_success',
        labels: { role: 'n3-gateway' },
      },
    ],
    [
      'app-availability-month',
      {
        aggregate: 'availability',
        window: 'month',
        compare: 'below',
        warning: 0.999,
        source: 'CfH assurance: 99.9 % = 45 min down in 31 days',
        metric: 'probe_success',
        labels: { role: 'national-app' },
      },
    ],
    [
      'n3-outage',
      {
        aggregate: 'down_for',
        window: '15m',
        compare: 'above',
        critical: 5 * 3600,
        source: 'HSCN: severity-1 incidents resolved within 5 h',
        metric: 'probe_success',
        labels: { role: 'n3-gateway' },
      },
    ],
    [
      'tls-cert-expiry',
      { aggregate: 'last', window: '1h', compare: 'below', warning: 30, critical: 7, source: 'product default', metric: 'tls_cert_expiry_days' },
    ],
    [
      'host-disk-used',
      { aggregate: 'last', window: '15m', compare: 'above', warning: 0.8, critical: 0.9, source: 'product default', metric: 'host_disk_used_ratio' },
    ],
    [
      'host-memory-used',
      { aggregate: 'mean', window: '15m', compare: 'above', warning: 0.9, critical: 0.97, source: 'product default', metric: 'host_mem_used_ratio' },
    ],
    [
      'asset-age-pc',
      {
        aggregate: 'last',
        window: 'month',
        compare: 'above',
        warning: 4,
        critical: 5,
        source: 'HM Treasury asset lives; Gartner PC refresh',
        metric: 'asset_age_years',
        labels: { assetClass: 'pc' },
      },
    ],
    [
      'asset-age-server',
      {
        aggregate: 'last',
        window: 'month',
        compare: 'above',
        warning: 4,
        critical: 5,
        source: 'HM Treasury asset lives; Gartner PC refresh',
        metric: 'asset_age_years',
        labels: { assetClass: 'server' },
      },
    ],
    [
      'asset-age-switch',
      {
        aggregate: 'last',
        window: 'month',
        compare: 'above',
        warning: 6,
        critical: 7,
        source: 'HM Treasury asset lives; Gartner PC refresh',
        metric: 'asset_age_years',
        labels: { assetClass: 'switch' },
      },
    ],
    [
      'asset-age-router-firewall',
      {
        aggregate: 'last',
        window: 'month',
        compare: 'above',
        warning: 4,
        critical: 5,
        source: 'HM Treasury asset lives; Gartner PC refresh',
        metric: 'asset_age_years',
        labels: { assetClass: 'router-firewall' },
      },
    ],
  ];

  it.each(table)('%s matches the table', (id, want) => {
    const r = profile.rules.find((x) => x.id === id);
    expect(r?.kind).toBe('threshold');
    if (r?.kind !== 'threshold') return;
    expect({ aggregate: r.aggregate, window: r.window, compare: r.compare, warning: r.warning, critical: r.critical, source: r.source }).toEqual({
      aggregate: want.aggregate,
      window: want.window,
      compare: want.compare,
      warning: want.warning,
      critical: want.critical,
      source: want.source,
    });
    const sel = r.select[0];
    expect([sel?.metric].flat()).toContain(want.metric);
    if (want.labels !== undefined) expect(sel?.labels).toMatchObject(want.labels);
  });

  it('every rule has a source, and the resilient-link variant carries the 99.5 % target', () => {
    for (const r of profile.rules) expect(r.source.length).toBeGreaterThan(5);
    const r = thresholds({ practices: { A81001: { variants: ['resilient-link'] } } });
    if (!r.ok) throw new Error(r.problems.join('\n'));
    const t = r.value;
    expect(rule(t.forPractice('A81001'), 'n3-availability-month').warning).toBe(0.995);
    expect(rule(t.organisation, 'n3-availability-month').warning).toBe(0.99);
    expect(t.forPractice('A81001').variants).toEqual(['resilient-link']);
  });

  it('national app connect covers TCP connect and the HTTP connect and TLS phases', () => {
    const r = rule(org(), 'app-connect-p95');
    expect(r.selectors.map((s) => [...s.metrics])).toEqual([['tcp_connect_ms'], ['http_phase_ms']]);
    expect(r.selectors[1]?.labels.map(([k, v]) => [k, [...v]])).toEqual([
      ['role', ['national-app']],
      ['phase', ['connect', 'tls']],
    ]);
  });

  it('causes are evaluated before the rules they suppress; report rules are not live', () => {
    const org = organisation();
    const ids = org.live.map((r) => r.id);
    expect(ids.indexOf('n3-link-down')).toBeLessThan(ids.indexOf('n3-rtt-p95'));
    expect(ids.indexOf('n3-link-down')).toBeLessThan(ids.indexOf('app-unreachable'));
    expect(ids).not.toContain('n3-availability-month');
    expect(org.report.map((r) => r.id)).toContain('app-availability-month');
    expect(org.silence.map((r) => r.id)).toEqual(['agent-silent']);
    expect(rule(org, 'n3-rtt-p95').sustain).toBe(3);
    expect(rule(org, 'n3-rtt-p95').clearWarning).toBe(50);
    expect(rule(org, 'tls-cert-expiry').clearWarning).toBe(30); // defaulted to the level
  });
});

describe('overrides per organisation and per practice', () => {
  it('organisation then practice; other practices share the organisation profile', () => {
    const r = thresholds({
      organisation: { rules: { 'n3-rtt-p95': { warning: 80, clear: { warning: 70 } } } },
      practices: {
        A81001: { rules: { 'n3-rtt-p95': { critical: 250 }, 'lan-rtt-p95': { enabled: false } } },
        B82002: { rules: { 'wan-utilisation-p95': { warning: 0.6, clear: { warning: 0.55 } } } },
      },
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const a = r.value.forPractice('a81001');
    expect([rule(a, 'n3-rtt-p95').warning, rule(a, 'n3-rtt-p95').critical]).toEqual([80, 250]);
    expect(a.byId.has('lan-rtt-p95')).toBe(false);
    expect(a.definitions.find((d) => d.id === 'lan-rtt-p95')?.enabled).toBe(false);
    expect(rule(r.value.forPractice('B82002'), 'wan-utilisation-p95').warning).toBe(0.6);
    expect(r.value.forPractice('C83003')).toBe(r.value.organisation);
    expect(rule(r.value.organisation, 'n3-rtt-p95').warning).toBe(80);
  });

  it('a practice with a 20 Mbit/s contracted link adds its own rule', () => {
    const r = thresholds({
      practices: {
        A81001: {
          add: [
            {
              kind: 'threshold',
              id: 'contracted-throughput',
              title: 'Download below 80 % of the contracted 20 Mbit/s',
              area: 'national-link',
              select: [{ metric: 'throughput_down_bps' }],
              aggregate: 'last',
              window: '2h',
              compare: 'below',
              unit: 'bps',
              warning: 16_000_000,
              sustain: 1,
              source: 'contract with the connectivity supplier (20 Mbit/s)',
            },
          ],
        },
      },
    });
    expect(r.ok).toBe(true);
    if (r.ok) expect(rule(r.value.forPractice('A81001'), 'contracted-throughput').warning).toBe(16_000_000);
  });

  it('null removes a level (and its clear level)', () => {
    const r = thresholds({ practices: { A81001: { rules: { 'n3-rtt-p95': { warning: null } } } } });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const x = rule(r.value.forPractice('A81001'), 'n3-rtt-p95');
    expect([x.warning, x.clearWarning, x.critical, x.clearCritical]).toEqual([undefined, undefined, 150, 120]);
  });

  it('every problem as path: message', () => {
    expect(
      problemsOfConfig({
        organisation: { variants: ['dual-link'], rules: { 'n3-rtt-p95': { warning: 200 }, 'no-such-rule': { enabled: false } } },
        practices: {
          A81001: {
            rules: { 'lan-rtt-p95': { clear: { warning: 9 } }, 'n3-loss-mean': { critical: '5m' } },
            add: [
              {
                kind: 'threshold',
                id: 'n3-jitter-p95',
                title: 'x',
                select: [{ metric: 'icmp_jiter_ms' }],
                aggregate: 'p95',
                window: 'month',
                compare: 'above',
                unit: 'ms',
                warning: 1,
                source: 's',
              },
            ],
          },
        },
      }),
    ).toEqual([
      "thresholds.organisation.variants[0]: unknown variant 'dual-link' (known: resilient-link)",
      'thresholds.organisation.rules.n3-rtt-p95.warning: must be below critical (150) for compare: above',
      "thresholds.organisation.rules.no-such-rule: unknown rule 'no-such-rule' (known: n3-rtt-p95, n3-jitter-p95, n3-loss-mean, wan-utilisation-p95, n3-availability-month, n3-outage, app-connect-p95, app-http-total-p95, app-availability-month, app-outage, tls-cert-expiry, host-disk-used, host-memory-used, lan-rtt-p95, lan-loss-mean, branch-rtt-p95, branch-loss-mean, branch-link-down, branch-availability-month, asset-age-pc, asset-age-server, asset-age-switch, asset-age-router-firewall, n3-link-down, app-unreachable, agent-silent)",
      'thresholds.practices.A81001.rules.lan-rtt-p95.clear.warning: must be at or below warning (5) for compare: above',
      expect.stringMatching(/^thresholds\.practices\.A81001\.rules\.n3-loss-mean\.critical: /),
      "thresholds.practices.A81001.add[0].window: 'month' is for report rules (scope: report)",
      "thresholds.practices.A81001.add[0].select[0].metric: unknown metric 'icmp_jiter_ms' (see docs/metrics.md)",
      "thresholds.practices.A81001.add[0].id: duplicate rule id 'n3-jitter-p95'",
    ]);
  });

  it('unknown keys and bad ODS codes are refused by the schema', () => {
    expect(problemsOfConfig({ organisation: { rule: {} } })).toEqual(['thresholds.organisation.rule: unknown key (allowed: variants, rules, add)']);
    expect(problemsOfConfig({ practices: { 'A8 1001': {} } })).toEqual(['thresholds.practices["A8 1001"]: not an ODS code (3–10 letters and digits)']);
    expect(problemsOfConfig({ practices: { A81001: { rules: { 'n3-rtt-p95': { warnig: 1 } } } } })).toEqual([expect.stringContaining('warnig')]);
  });

  it('suppressedBy must name live rules, not itself, without cycles', () => {
    expect(problemsOfConfig({ organisation: { rules: { 'n3-link-down': { suppressedBy: ['n3-rtt-p95'] } } } })).toEqual([
      'thresholds.organisation.rules.n3-link-down.suppressedBy: cycle n3-link-down → n3-rtt-p95 → n3-link-down',
    ]);
    expect(problemsOfConfig({ organisation: { rules: { 'lan-rtt-p95': { suppressedBy: ['lan-rtt-p95', 'nope', 'app-availability-month'] } } } })).toEqual([
      'thresholds.organisation.rules.lan-rtt-p95.suppressedBy[0]: a rule cannot suppress itself',
      "thresholds.organisation.rules.lan-rtt-p95.suppressedBy[1]: unknown rule 'nope'",
      "thresholds.organisation.rules.lan-rtt-p95.suppressedBy[2]: 'app-availability-month' is a report rule, not a live one",
    ]);
  });
});

describe('profile files', () => {
  it('a replacement profile file is validated with paths inside it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'n3mon-profile-'));
    try {
      const doc = structuredClone(readConfigSource(defaultProfilePath())) as Profile & { rules: Record<string, unknown>[] };
      (doc.rules[0] as Record<string, unknown>).critical = 10;
      (doc.rules[1] as Record<string, unknown>).aggregate = 'p97';
      delete (doc.rules[2] as Record<string, unknown>).source;
      const r = parseProfile(doc);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.problems).toContain(
          'rules[1].aggregate: must be one of "p50", "p90", "p95", "p99", "mean", "min", "max", "last", "availability", "down_for" (got string "p97")',
        );
        expect(r.problems).toContain('rules[2].source: missing required key');
      }
      delete (doc.rules[2] as Record<string, unknown>).unused;
      (doc.rules[1] as Record<string, unknown>).aggregate = 'p95';
      (doc.rules[2] as Record<string, unknown>).source = 'x';
      expect(parseProfile(doc)).toEqual({
        ok: false,
        problems: [
          'rules[0].warning: must be below critical (10) for compare: above',
          'rules[0].clear.critical: must be at or below critical (10) for compare: above',
        ],
      });
      const file = join(dir, 'profile.json');
      writeFileSync(file, JSON.stringify({ ...doc, rules: [] }));
      let caught: unknown;
      try {
        loadThresholds({ profile: 'profile.json' }, { baseDir: dir });
      } catch (err) {
        caught = err;
      }
      expect(isN3monError(caught, 'N3MON_ERR_CONFIG_INVALID')).toBe(true);
      expect((caught as { problems: string[] }).problems[0]).toMatch(/^rules: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
