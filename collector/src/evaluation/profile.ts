/**
 * Loading and resolving threshold profiles: the shipped default (deploy/profiles/default.yaml) or
 * a replacement file, then the organisation's override, then each practice's own — validated at
 * every layer with problems as `path: message` (paths into the profile file or collector.yaml),
 * then compiled and frozen. Practices without an override share the organisation's profile.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readConfigSource } from '../../../shared/src/config-file.ts';
import { N3monError } from '../../../shared/src/errors.ts';
import { isMetricName } from '../../../shared/src/metrics.ts';
import { formatPath, parseWithSchema, problemsOf, type ParseResult } from '../../../shared/src/validate.ts';
import { compileRule, type CompiledRule, type CompiledSilenceRule, type CompiledThresholdRule } from './compiled.ts';
import { durationMs } from './duration.ts';
import { ODS_PATTERN, Profile, Rule, VARIANT_PATTERN, type ProfileOverride, type RuleOverride, type ThresholdsConfig } from './profile-schema.ts';

/** Inputs report rules may use besides metrics (from the asset inventory). */
export const REPORT_INPUTS: readonly string[] = ['asset_age_years'];
/** Live windows are held in memory per series; longer questions are for reports. */
export const MAX_LIVE_WINDOW_MS = 6 * 3_600_000;

export interface CompiledProfile {
  readonly name: string;
  /** Variants in force, in the order applied. */
  readonly variants: readonly string[];
  /** Every rule after overrides, as data (disabled ones included), for reports and docs. */
  readonly definitions: readonly Rule[];
  readonly byId: ReadonlyMap<string, CompiledRule>;
  /** Enabled live threshold rules, causes before the rules they suppress. */
  readonly live: readonly CompiledThresholdRule[];
  /** Enabled report rules (targets the monthly report judges). */
  readonly report: readonly CompiledThresholdRule[];
  readonly silence: readonly CompiledSilenceRule[];
  /** Metrics any live rule selects (what the evaluator asks the store for). */
  readonly liveMetrics: ReadonlySet<string>;
}

export interface ThresholdProfiles {
  readonly organisation: CompiledProfile;
  forPractice(ods: string): CompiledProfile;
  /** Practices with an override of their own. */
  readonly overridden: ReadonlySet<string>;
}

/** The package root (where deploy/ lives), found from this file whether run from src or dist. */
export function packageRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (let i = 0; i < 12; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'n3mon') return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new Error(`cannot find the n3mon package root above ${from}`);
}

export function defaultProfilePath(): string {
  return join(packageRoot(), 'deploy', 'profiles', 'default.yaml');
}

// ── checks beyond the schema ─────────────────────────────────────────────────────────────────

/** Problems of one schema-valid rule, with paths relative to the rule. */
export function ruleProblems(rule: Rule): string[] {
  const out: string[] = [];
  if (rule.kind === 'silence') {
    if (rule.warning === undefined && rule.critical === undefined) out.push('(rule): needs a warning or a critical duration');
    if (rule.warning !== undefined && rule.critical !== undefined && durationMs(rule.warning) >= durationMs(rule.critical)) {
      out.push(`warning: must be shorter than critical (${rule.critical})`);
    }
    return out;
  }
  const { warning: w, critical: c, compare } = rule;
  const above = compare === 'above';
  if (w === undefined && c === undefined) out.push('(rule): needs a warning or a critical level');
  if (w !== undefined && c !== undefined && (above ? w >= c : w <= c))
    out.push(`warning: must be ${above ? 'below' : 'above'} critical (${c}) for compare: ${compare}`);
  for (const level of ['warning', 'critical'] as const) {
    const raise = rule[level];
    const clear = rule.clear?.[level];
    if (clear === undefined) continue;
    if (raise === undefined) out.push(`clear.${level}: there is no ${level} level to clear`);
    else if (above ? clear > raise : clear < raise)
      out.push(`clear.${level}: must be at or ${above ? 'below' : 'above'} ${level} (${raise}) for compare: ${compare}`);
  }
  if (rule.aggregate === 'availability') {
    for (const level of ['warning', 'critical'] as const) {
      const v = rule[level];
      if (v !== undefined && (v < 0 || v > 1)) out.push(`${level}: an availability is a ratio from 0 to 1`);
    }
  }
  if (rule.aggregate === 'down_for' && !above) out.push('compare: down_for (seconds down) needs compare: above');
  if (rule.scope !== 'report') {
    if (rule.window === 'month') out.push("window: 'month' is for report rules (scope: report)");
    else if (durationMs(rule.window) > MAX_LIVE_WINDOW_MS) out.push('window: at most 6h for live rules (longer questions belong to reports)');
  }
  rule.select.forEach((s, i) => {
    const metrics = typeof s.metric === 'string' ? [s.metric] : s.metric;
    metrics.forEach((m, j) => {
      const ok = isMetricName(m) || (rule.scope === 'report' && REPORT_INPUTS.includes(m));
      if (!ok) out.push(`${formatPath(['select', i, 'metric', ...(typeof s.metric === 'string' ? [] : [j])])}: unknown metric '${m}' (see docs/metrics.md)`);
    });
  });
  return out;
}

/** Cross-rule problems: duplicate ids, dangling or cyclic suppressedBy. `where(id)` gives a rule's path. */
function setProblems(rules: readonly Rule[], where: (id: string, index: number) => string, changed: (id: string) => boolean = () => false): string[] {
  const out: string[] = [];
  const byId = new Map<string, Rule>();
  rules.forEach((r, i) => {
    if (byId.has(r.id)) out.push(`${where(r.id, i)}.id: duplicate rule id '${r.id}'`);
    else byId.set(r.id, r);
  });
  rules.forEach((r, i) => {
    if (r.kind !== 'threshold') return;
    (r.suppressedBy ?? []).forEach((cause, j) => {
      const target = byId.get(cause);
      const p = `${where(r.id, i)}.suppressedBy[${j}]`;
      if (cause === r.id) out.push(`${p}: a rule cannot suppress itself`);
      else if (target === undefined) out.push(`${p}: unknown rule '${cause}'`);
      else if (target.kind === 'threshold' && target.scope === 'report') out.push(`${p}: '${cause}' is a report rule, not a live one`);
    });
  });
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, trail: string[]): void => {
    const r = byId.get(id);
    if (r === undefined || r.kind !== 'threshold' || state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(id)), id];
      out.push(`${where(id, rules.indexOf(r))}.suppressedBy: cycle ${cycle.join(' → ')}`);
      return;
    }
    state.set(id, 'visiting');
    for (const cause of r.suppressedBy ?? []) if (cause !== id) visit(cause, [...trail, id]);
    state.set(id, 'done');
  };
  // Start from the rules an override changed, so a cycle is reported where it was made.
  for (const r of [...rules].sort((a, b) => Number(changed(b.id)) - Number(changed(a.id)))) visit(r.id, []);
  return out;
}

// ── merging ──────────────────────────────────────────────────────────────────────────────────

function mergeRule(rule: Rule, ov: RuleOverride): unknown {
  const out = structuredClone(rule) as Record<string, unknown>;
  for (const [k, v] of Object.entries(ov)) {
    if (v === undefined) continue;
    if (k === 'clear') {
      const clear = { ...((out.clear as Record<string, number> | undefined) ?? {}) };
      for (const [ck, cv] of Object.entries(v as Record<string, number | null | undefined>)) {
        if (cv === null) delete clear[ck];
        else if (cv !== undefined) clear[ck] = cv;
      }
      out.clear = clear;
    } else if (v === null) {
      delete out[k];
      // Removing a level removes its clear level too, unless the override gives one.
      if ((k === 'warning' || k === 'critical') && ov.clear?.[k] === undefined && out.clear !== undefined) delete (out.clear as Record<string, unknown>)[k];
    } else {
      out[k] = v;
    }
  }
  if (out.clear !== undefined && Object.keys(out.clear as object).length === 0) delete out.clear;
  return out;
}

interface Layer {
  override: ProfileOverride;
  /** Path of the override in collector.yaml, e.g. `thresholds.practices.A81001`. */
  path: string;
}

interface Working {
  rules: Rule[];
  /** Path prefix where each rule was last changed. */
  origin: Map<string, string>;
  variants: string[];
}

function applyRuleOverride(w: Working, id: string, ov: RuleOverride, path: string, problems: string[]): void {
  const i = w.rules.findIndex((r) => r.id === id);
  if (i < 0) {
    problems.push(`${path}: unknown rule '${id}' (known: ${w.rules.map((r) => r.id).join(', ')})`);
    return;
  }
  const merged = mergeRule(w.rules[i] as Rule, ov);
  const shape = problemsOf(Rule, merged);
  if (shape.length > 0) {
    for (const p of shape) problems.push(`${path}${p.startsWith('(root)') ? p.slice('(root)'.length) : `.${p}`}`);
    return;
  }
  w.rules[i] = merged as Rule;
  w.origin.set(id, path);
  for (const p of ruleProblems(merged as Rule)) problems.push(p.startsWith('(rule)') ? `${path}${p.slice('(rule)'.length)}` : `${path}.${p}`);
}

function applyLayer(w: Working, profile: Profile, layer: Layer, problems: string[]): void {
  const { override: ov, path } = layer;
  (ov.variants ?? []).forEach((name, i) => {
    const variant = profile.variants[name];
    if (variant === undefined) {
      const known = Object.keys(profile.variants);
      problems.push(`${path}.variants[${i}]: unknown variant '${name}' (known: ${known.length > 0 ? known.join(', ') : 'none'})`);
      return;
    }
    if (!w.variants.includes(name)) w.variants.push(name);
    for (const [id, rov] of Object.entries(variant.rules)) applyRuleOverride(w, id, rov, `${path}.variants[${i}] (${name}): rules.${id}`, problems);
  });
  for (const [id, rov] of Object.entries(ov.rules ?? {})) applyRuleOverride(w, id, rov, `${formatPath([...path.split('.'), 'rules', id])}`, problems);
  (ov.add ?? []).forEach((rule, i) => {
    const p = `${path}.add[${i}]`;
    const rp = ruleProblems(rule);
    for (const x of rp) problems.push(x.startsWith('(rule)') ? `${p}${x.slice('(rule)'.length)}` : `${p}.${x}`);
    if (w.rules.some((r) => r.id === rule.id)) {
      problems.push(`${p}.id: duplicate rule id '${rule.id}'`);
      return;
    }
    w.rules.push(rule);
    if (!w.origin.has(rule.id)) w.origin.set(rule.id, p);
  });
}

function compileProfile(profile: Profile, w: Working): CompiledProfile {
  const defaults = profile.defaults;
  const enabled = w.rules.filter((r) => r.enabled !== false);
  const compiled = enabled.map((r) => compileRule(r, defaults));
  const byId = new Map(compiled.map((r) => [r.id, r]));
  const liveUnsorted = compiled.filter((r): r is CompiledThresholdRule => r.kind === 'threshold' && r.scope === 'live');
  // Causes first: a rule comes after every live rule in its suppressedBy.
  const live: CompiledThresholdRule[] = [];
  const placed = new Set<string>();
  const place = (r: CompiledThresholdRule): void => {
    if (placed.has(r.id)) return;
    placed.add(r.id);
    for (const c of r.suppressedBy) {
      const cause = byId.get(c);
      if (cause !== undefined && cause.kind === 'threshold' && cause.scope === 'live') place(cause);
    }
    live.push(r);
  };
  liveUnsorted.forEach(place);
  const liveMetrics = new Set<string>();
  for (const r of live) for (const s of r.selectors) for (const m of s.metrics) liveMetrics.add(m);
  return Object.freeze({
    name: profile.name,
    variants: Object.freeze([...w.variants]),
    definitions: Object.freeze(w.rules.map((r) => Object.freeze(r))),
    byId,
    live: Object.freeze(live),
    report: Object.freeze(compiled.filter((r): r is CompiledThresholdRule => r.kind === 'threshold' && r.scope === 'report')),
    silence: Object.freeze(compiled.filter((r): r is CompiledSilenceRule => r.kind === 'silence')),
    liveMetrics,
  });
}

/** The profile with these layers applied, or every problem found. */
export function resolveProfile(profile: Profile, layers: readonly Layer[]): ParseResult<CompiledProfile> {
  const w: Working = { rules: profile.rules.map((r) => structuredClone(r)), origin: new Map(profile.rules.map((r, i) => [r.id, `rules[${i}]`])), variants: [] };
  const problems: string[] = [];
  for (const layer of layers) applyLayer(w, profile, layer, problems);
  problems.push(
    ...setProblems(
      w.rules,
      (id) => w.origin.get(id) ?? id,
      (id) => !(w.origin.get(id) ?? '').startsWith('rules['),
    ),
  );
  if (problems.length > 0) return { ok: false, problems: [...new Set(problems)] };
  return { ok: true, value: compileProfile(profile, w) };
}

// ── entry points ─────────────────────────────────────────────────────────────────────────────

/** Schema and meaning of a profile document; paths are inside the profile. */
export function parseProfile(doc: unknown): ParseResult<Profile> {
  const parsed = parseWithSchema(Profile, doc);
  if (!parsed.ok) return parsed;
  const problems: string[] = [];
  for (const name of Object.keys(parsed.value.variants)) {
    if (!new RegExp(VARIANT_PATTERN).test(name)) problems.push(`variants[${JSON.stringify(name)}]: a variant name is lower-case letters, digits and dashes`);
  }
  parsed.value.rules.forEach((r, i) => {
    for (const p of ruleProblems(r)) problems.push(p.startsWith('(rule)') ? `rules[${i}]${p.slice('(rule)'.length)}` : `rules[${i}].${p}`);
  });
  if (problems.length === 0) {
    const base = resolveProfile(
      parsed.value,
      Object.keys(parsed.value.variants).map((name) => ({ override: { variants: [name] }, path: `variants.${name}` })),
    );
    if (!base.ok) problems.push(...base.problems);
  }
  return problems.length > 0 ? { ok: false, problems } : parsed;
}

export function loadProfileFile(file: string): Profile {
  const r = parseProfile(readConfigSource(file));
  if (!r.ok) throw new N3monError('N3MON_ERR_CONFIG_INVALID', `${file}: ${r.problems.length} problem(s)\n${r.problems.join('\n')}`, { problems: r.problems });
  return r.value;
}

/** The organisation's and every overridden practice's profile; problems with `path` prefixes. */
export function buildThresholds(profile: Profile, config: ThresholdsConfig, path = 'thresholds'): ParseResult<ThresholdProfiles> {
  const orgLayers: Layer[] = config.organisation === undefined ? [] : [{ override: config.organisation, path: `${path}.organisation` }];
  const org = resolveProfile(profile, orgLayers);
  const problems = new Set<string>(org.ok ? [] : org.problems);
  const practices = new Map<string, CompiledProfile>();
  for (const [ods, ov] of Object.entries(config.practices ?? {})) {
    if (!new RegExp(ODS_PATTERN).test(ods)) {
      problems.add(`${path}.practices[${JSON.stringify(ods)}]: not an ODS code (3–10 letters and digits)`);
      continue;
    }
    if (practices.has(ods.toUpperCase())) problems.add(`${path}.practices.${ods}: ODS codes are case-insensitive; this practice is listed twice`);
    const r = resolveProfile(profile, [...orgLayers, { override: ov, path: `${path}.practices.${ods}` }]);
    if (r.ok) practices.set(ods.toUpperCase(), r.value);
    else for (const p of r.problems) problems.add(p);
  }
  if (!org.ok || problems.size > 0) return { ok: false, problems: [...problems] };
  const organisation = org.value;
  return {
    ok: true,
    value: Object.freeze({
      organisation,
      forPractice: (ods: string) => practices.get(ods.toUpperCase()) ?? organisation,
      overridden: new Set(practices.keys()),
    }),
  };
}

/**
 * Thresholds from the collector config: reads the profile file (the shipped default unless
 * `thresholds.profile` names another, relative to `baseDir`), applies the overrides. Throws
 * N3MON_ERR_CONFIG_INVALID listing every problem.
 */
export function loadThresholds(config: ThresholdsConfig, opts: { baseDir?: string; path?: string } = {}): ThresholdProfiles {
  const file = config.profile === undefined ? defaultProfilePath() : resolve(opts.baseDir ?? process.cwd(), config.profile);
  const profile = loadProfileFile(file);
  const r = buildThresholds(profile, config, opts.path ?? 'thresholds');
  if (!r.ok)
    throw new N3monError('N3MON_ERR_CONFIG_INVALID', `${opts.path ?? 'thresholds'}: ${r.problems.length} problem(s)\n${r.problems.join('\n')}`, {
      problems: r.problems,
    });
  return r.value;
}
