/**
 * The national application catalogue (deploy/catalogue/*.yaml, shipped as data): the national
 * services a practice depends on, each with its checks, the thresholds area and rules that judge
 * it, and its endpoints left as `{{ variables }}` the organisation fills in. Loaded and checked at
 * collector start: every entry's rules exist in the default profile (and are of its area), every
 * variable its checks use is declared, and its checks render with the declared example values and
 * pass the agent's own validation. Nothing here contacts a service.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { N3monError } from '../../../shared/src/errors.ts';
import { parseWithSchema } from '../../../shared/src/validate.ts';
import { parseDocument } from 'yaml';
import { defaultProfilePath, packageRoot } from '../evaluation/profile.ts';
import { CatalogueEntry } from './schema.ts';
import { parseSource, pathOf, substitute, type ParsedSource, type Value } from './template.ts';
import { validateChecks } from './validate.ts';

export interface LoadedEntry {
  readonly entry: CatalogueEntry;
  /** The entry's file parsed with positions (problems name its lines). */
  readonly source: ParsedSource;
  readonly file: string;
}

export type Catalogue = ReadonlyMap<string, LoadedEntry>;

export function defaultCatalogueDir(): string {
  return join(packageRoot(), 'deploy', 'catalogue');
}

/** Loads every `*.yaml` in `dir`; throws N3MON_ERR_CONFIG_INVALID listing every problem. */
export function loadCatalogue(dir: string = defaultCatalogueDir()): Catalogue {
  const problems: string[] = [];
  const out = new Map<string, LoadedEntry>();
  // The rule ids and areas only (the alerting component validates the profile itself at start).
  const profile = parseDocument(readFileSync(defaultProfilePath(), 'utf8')).toJS() as { rules?: { id?: string; area?: string }[] };
  const rules = new Map((profile.rules ?? []).map((r) => [String(r.id), r.area]));
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  for (const f of files) {
    const file = join(dir, f);
    const text = readFileSync(file, 'utf8');
    const doc = parseDocument(text);
    if (doc.errors.length > 0) {
      problems.push(`${file}: ${doc.errors[0]?.message.split('\n')[0]}`);
      continue;
    }
    const parsed = parseWithSchema(CatalogueEntry, doc.toJS());
    if (!parsed.ok) {
      problems.push(...parsed.problems.map((p) => `${file}: ${p}`));
      continue;
    }
    const entry = parsed.value;
    if (`${entry.name}.yaml` !== f) problems.push(`${file}: name: must be the file's name without .yaml (${f.replace(/\.yaml$/, '')})`);
    if (out.has(entry.name)) problems.push(`${file}: name: ${entry.name} is already an entry`);
    for (const [i, id] of entry.rules.entries()) {
      if (!rules.has(id)) problems.push(`${file}: rules[${i}]: no rule ${id} in deploy/profiles/default.yaml`);
      else if (rules.get(id) !== undefined && rules.get(id) !== entry.area)
        problems.push(`${file}: rules[${i}]: rule ${id} is of area ${rules.get(id)}, not ${entry.area}`);
    }
    const source = parseSource(`catalogue ${entry.name}`, text, 'entry');
    problems.push(...exampleProblems(entry, source).map((p) => `${file}: ${p}`));
    out.set(entry.name, { entry, source, file });
  }
  if (problems.length > 0) throw new N3monError('N3MON_ERR_CONFIG_INVALID', `${dir}: ${problems.length} problem(s)\n${problems.join('\n')}`, { problems });
  return out;
}

/** Every variable the entry's checks use is declared; with `values` (default: the examples) they render and validate. */
export function exampleProblems(entry: CatalogueEntry, source: ParsedSource, values?: Record<string, Value>): string[] {
  const problems: string[] = [];
  const vals: Record<string, Value> = values ?? Object.fromEntries(Object.entries(entry.variables).map(([k, v]) => [k, v.example]));
  const rendered = entry.checks.map((c, i) => {
    const s = substitute(c, (n) => vals[n]);
    for (const u of s.used) if (entry.variables[u] === undefined) problems.push(`checks[${i}]: uses {{ ${u} }}, which is not under variables`);
    problems.push(...s.problems.map((p) => `checks[${i}].${p}`));
    if (c.app !== entry.app) problems.push(`checks[${i}].app: must be the entry's app (${entry.app})`);
    if (c.role !== entry.role) problems.push(`checks[${i}].role: must be the entry's role (${entry.role})`);
    return s.check;
  });
  if (problems.length > 0) return problems;
  return validateChecks(rendered).map((p) => {
    const [, index = 0, ...rest] = pathOf(p);
    return `line ${source.lineOf(Number(index), rest) ?? '?'}: ${p}`;
  });
}
