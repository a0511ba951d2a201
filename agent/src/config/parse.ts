/**
 * Agent config validation, pure (no registry import: probes are a parameter, so tests pass their
 * own kinds). Schema problems first (agentConfigSchema via parseConfigValue); when the shape is
 * right, the cross-field rules below. Every problem is one `path: message` line; all of them are
 * thrown together as N3MON_ERR_CONFIG_INVALID. The result is frozen and every check has its `id`.
 */
import Type, { type TSchema } from 'typebox';
import { N3monError } from '../../../shared/src/errors.ts';
import { parseConfigValue } from '../../../shared/src/config-file.ts';
import { deepFreeze, formatPath, parseWithSchema, type ParseResult } from '../../../shared/src/validate.ts';
import { labelRuleProblems } from './labels.ts';
import { collectorTransportProblems } from './collector-tls.ts';
import type { CheckKind } from '../probes/types.ts';
import { agentConfigSchema, checksSchema, type AgentConfig, type CheckConfig } from './schema.ts';

type RawCheck = CheckConfig;

/** The check's id: its `id`, else `kind:target`, else `kind` (a check without a target, e.g. host). */
export function checkIdOf(check: RawCheck): string {
  if (typeof check.id === 'string') return check.id;
  return check.target === undefined ? check.kind : `${check.kind}:${String(check.target)}`;
}

/** The check's timeoutMs, or its kind's default kept below intervalMs (90 % of it at most). */
export function effectiveTimeoutMs(check: RawCheck, kind: CheckKind): number {
  if (typeof check.timeoutMs === 'number') return check.timeoutMs;
  const intervalMs = check.intervalMs as number;
  return Math.max(1, Math.min(kind.defaultTimeoutMs(check), Math.floor(intervalMs * 0.9)));
}

const schemas = new WeakMap<readonly CheckKind[], { config: TSchema; checks: TSchema }>();

function schemaFor(probes: readonly CheckKind[]): { config: TSchema; checks: TSchema } {
  let s = schemas.get(probes);
  if (s === undefined) schemas.set(probes, (s = { config: agentConfigSchema(probes), checks: Type.Object({ checks: checksSchema(probes) }) }));
  return s;
}

function withIds(checks: readonly RawCheck[]): RawCheck[] {
  return checks.map((c) => (c.id === undefined ? { ...c, id: checkIdOf(c) } : c));
}

export function parseAgentConfig(value: unknown, label: string, probes: readonly CheckKind[]): AgentConfig {
  const config = parseConfigValue(schemaFor(probes).config, value, label) as AgentConfig;
  const problems = crossFieldProblems(config, probes);
  if (problems.length > 0) {
    throw new N3monError('N3MON_ERR_CONFIG_INVALID', `${label}: ${problems.length} problem(s)\n${problems.join('\n')}`, { problems });
  }
  return deepFreeze({ ...config, checks: withIds(config.checks) });
}

/**
 * A `checks` list on its own — a pulled config's (agent/src/config-pull/), or the collector
 * checking a rendered template — with the same schema and per-check rules as the local file's:
 * defaults filled, every problem as `checks[i].key: message`, the result frozen with every id set.
 */
export function parseChecks(value: unknown, probes: readonly CheckKind[], opts: CheckRuleOptions = {}): ParseResult<readonly RawCheck[]> {
  const parsed = parseWithSchema(schemaFor(probes).checks, { checks: value });
  if (!parsed.ok) return parsed;
  const checks = (parsed.value as { checks: RawCheck[] }).checks;
  const problems = checkProblems(checks, probes, opts);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: deepFreeze(withIds(checks)) };
}

/** Rules a schema cannot express, as `path: message` lines. */
export function crossFieldProblems(config: AgentConfig, probes: readonly CheckKind[]): string[] {
  const out: string[] = [];
  if ((config.collector.token === undefined) === (config.collector.tokenFile === undefined)) {
    out.push('collector: give exactly one of token (from n3mon token create) and tokenFile (written by n3mon enrol)');
  }
  out.push(...collectorTransportProblems(config.collector));
  if (config.checks.length === 0 && config.collector.config !== 'pull') {
    out.push('checks: at least one check is needed (or set collector.config: pull to take the checks from the collector)');
  }
  out.push(...checkProblems(config.checks, probes));
  return out;
}

export interface CheckRuleOptions {
  /** Also the kinds' hostProblems (what this machine can do): true on the agent (the default); the collector passes false. */
  host?: boolean;
}

/** The per-check rules (ids unique, timeout below interval, label rules, the kind's own rules). */
export function checkProblems(checks: readonly RawCheck[], probes: readonly CheckKind[], opts: CheckRuleOptions = {}): string[] {
  const out: string[] = [];
  const firstWithId = new Map<string, number>();
  checks.forEach((check, i) => {
    const at = (...rest: (string | number)[]): string => formatPath(['checks', i, ...rest]);
    const id = checkIdOf(check);
    const earlier = firstWithId.get(id);
    if (earlier === undefined) firstWithId.set(id, i);
    else out.push(`${at('id')}: duplicate check id ${JSON.stringify(id)} (checks[${earlier}] has it too); give one of them a distinct id`);

    const intervalMs = check.intervalMs as number;
    if (typeof check.timeoutMs === 'number' && check.timeoutMs >= intervalMs) {
      out.push(`${at('timeoutMs')}: must be less than intervalMs (${check.timeoutMs} >= ${intervalMs})`);
    }

    const kind = probes.find((p) => p.kind === check.kind);
    if (kind === undefined) return; // the schema's union already refused an unknown kind
    out.push(...labelRuleProblems({ check, index: i, id, kind }));
    for (const line of kind.validate?.(check) ?? []) out.push(prefixed(line, at()));
    if (opts.host !== false) for (const line of kind.hostProblems?.(check) ?? []) out.push(prefixed(line, at()));
  });
  return out;
}

/** A probe's `path: message` (relative to its check) made absolute: `count: …` → `checks[2].count: …`. */
export function prefixed(line: string, base: string): string {
  if (line.startsWith('(root)')) return base + line.slice('(root)'.length);
  if (line.startsWith('[') || line.startsWith(':')) return base + line;
  return `${base}.${line}`;
}
