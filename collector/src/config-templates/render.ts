/**
 * Rendering one practice's checks from a snapshot: the templates assigned to it (by name order),
 * the catalogue entries they include (each once), then its extra checks — every `{{ variable }}`
 * filled from the practice's values — validated with the agent's own rules. A problem names where
 * it comes from: `practice A81001, template hscn line 7: checks[2].target: …`.
 *
 * `secrets: 'open'` decrypts secret values (only for the agent's own GET and for validation);
 * `'redact'` puts `<secret>` in their place (the preview).
 */
import { createHash, createHmac } from 'node:crypto';
import type { Catalogue } from './catalogue.ts';
import type { Snapshot } from './schema.ts';
import { REDACTED, type SecretBox } from './secrets.ts';
import { pathOf, substitute, type Check, type ParsedSource, type Shape, type Value } from './template.ts';
import { validateChecks } from './validate.ts';

export interface RenderDeps {
  catalogue: Catalogue;
  /** Undefined when no key is configured: a sealed value then renders as a problem. */
  box: SecretBox | undefined;
  /** Parsed sources by text (parsing is the costly part; a template is the same for every practice). */
  parse(label: string, text: string, shape: Shape): ParsedSource;
}

export interface Rendered {
  practice: string;
  checks: Check[];
  /** `template:hscn`, `catalogue:spine-eps`, `practice:A81001` (its extra checks). */
  sources: string[];
  problems: string[];
  /** Names of the variables that hold secrets and were used. */
  secretsUsed: string[];
}

/** Check keys that hold credentials (the agent's logger redacts the same names): only ever from a secret value. */
export const SECRET_FIELDS = ['community', 'authKey', 'privKey'] as const;

/** `"{{ name }}"` where the practice's value of `name` is sealed (a missing value is reported apart). */
function isSecretPlaceholder(v: unknown, own: Snapshot['practices'][string] | undefined): boolean {
  const m = typeof v === 'string' ? /^\s*\{\{\s*([A-Za-z][A-Za-z0-9_]{0,63})\s*\}\}\s*$/.exec(v) : null;
  if (m === null) return false;
  const stored = own?.values[m[1] as string];
  return stored === undefined || 'sealed' in stored;
}

interface Origin {
  source: ParsedSource;
  index: number;
  label: string;
}

/** The practices a snapshot renders for: those named by a template or with values, plus every `known` one if a template is for all. */
export function practicesOf(snapshot: Snapshot, known: readonly string[]): string[] {
  const out = new Set(Object.keys(snapshot.practices));
  for (const t of Object.values(snapshot.templates)) {
    if (t.practices === 'all') for (const p of known) out.add(p);
    else for (const p of t.practices) out.add(p);
  }
  return [...out].sort();
}

export function templatesFor(snapshot: Snapshot, ods: string): string[] {
  return Object.entries(snapshot.templates)
    .filter(([, t]) => t.practices === 'all' || t.practices.includes(ods))
    .map(([name]) => name)
    .sort();
}

export function renderPractice(snapshot: Snapshot, ods: string, deps: RenderDeps, secrets: 'open' | 'redact'): Rendered {
  const problems: string[] = [];
  const origins: Origin[] = [];
  const sources: string[] = [];
  const secretsUsed = new Set<string>();
  const opened = new Set<string>();
  const own = snapshot.practices[ods];
  const lookup = (name: string): Value | undefined => {
    const v = own?.values[name];
    if (v === undefined) return undefined;
    if ('plain' in v) return v.plain;
    secretsUsed.add(name);
    if (secrets === 'redact') return REDACTED;
    if (deps.box === undefined) return undefined;
    const plain = deps.box.open(v.sealed);
    opened.add(plain);
    return plain;
  };
  const at = (label: string, line: number | undefined) => `practice ${ods}, ${label}${line === undefined ? '' : ` line ${line}`}`;
  const add = (source: ParsedSource, label: string, sourceName: string) => {
    sources.push(sourceName);
    for (const p of source.problems) problems.push(`practice ${ods}, ${p}`);
    source.checks.forEach((_, index) => origins.push({ source, index, label }));
  };

  const included = new Set<string>();
  for (const name of templatesFor(snapshot, ods)) {
    const t = snapshot.templates[name];
    if (t === undefined) continue;
    const source = deps.parse(`template ${name}`, t.source, 'template');
    add(source, `template ${name}`, `template:${name}`);
    source.include.forEach((entry, i) => {
      const loaded = deps.catalogue.get(entry);
      if (loaded === undefined) problems.push(`${at(`template ${name}`, source.includeLine(i))}: include[${i}]: no catalogue entry ${entry}`);
      else if (!included.has(entry)) {
        included.add(entry);
        add(loaded.source, `catalogue ${entry} (included by template ${name})`, `catalogue:${entry}`);
      }
    });
  }
  if (own !== undefined && own.extraChecks.trim() !== '') add(deps.parse('extra checks', own.extraChecks, 'list'), 'extra checks', `practice:${ods}`);

  const checks = origins.map((o) => {
    const raw = o.source.checks[o.index] as Check;
    const s = substitute(raw, lookup);
    for (const p of s.problems) problems.push(`${at(o.label, o.source.lineOf(o.index, pathOf(p)))}: checks[${o.index}].${p}`);
    for (const field of SECRET_FIELDS) {
      if (raw[field] === undefined || isSecretPlaceholder(raw[field], own)) continue;
      problems.push(
        `${at(o.label, o.source.lineOf(o.index, [field]))}: checks[${o.index}].${field}: must be a {{ variable }} whose value is secret (put it as { "secret": "…" }), so that it is stored encrypted`,
      );
    }
    return s.check;
  });
  if (problems.length === 0) {
    for (const p of validateChecks(checks)) {
      const m = /^checks\[(\d+)\](.*)$/s.exec(p);
      const o = m === null ? undefined : origins[Number(m[1])];
      if (m === null || o === undefined) problems.push(`practice ${ods}: ${p}`);
      else problems.push(`${at(o.label, o.source.lineOf(o.index, pathOf(`x${m[2]}`).slice(1)))}: checks[${o.index}]${m[2]}`);
    }
  }
  return { practice: ods, checks, sources, problems: problems.map((p) => redact(p, opened)), secretsUsed: [...secretsUsed].sort() };
}

/** A problem may quote a value (`must be one of …, got string "…"`): never a secret's. */
export function redact(problem: string, secrets: ReadonlySet<string>): string {
  let out = problem;
  for (const s of secrets) {
    if (s === '') continue;
    out = out.split(s).join(REDACTED).split(JSON.stringify(s).slice(1, -1)).join(REDACTED);
  }
  return out;
}

/**
 * The ETag of a rendering: it changes exactly when the checks change (not with the version). Keyed
 * with the secret key when there is one, so the tag says nothing about a secret's value.
 */
export function etagOf(checks: readonly Check[], key: Buffer | undefined): string {
  const text = JSON.stringify(checks);
  const h = key === undefined ? createHash('sha256') : createHmac('sha256', key);
  return h.update(text).digest('base64url').slice(0, 32);
}
