/**
 * A YAML source of checks — a template, a catalogue entry, a practice's extra checks — parsed
 * with positions, so a problem can name the LINE it comes from, and `{{ variable }}` substitution.
 *
 * A string that is exactly one placeholder takes the value with its type (`port: "{{ snmpPort }}"`
 * with 161 gives the number 161); a placeholder inside a longer string is replaced by the value's
 * text. A missing value is a problem naming the variable, never an empty string.
 */
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { parseWithSchema } from '../../../shared/src/validate.ts';
import { PLACEHOLDER, TemplateDoc } from './schema.ts';

export type Path = readonly (string | number)[];
export type Shape = 'template' | 'entry' | 'list';
export type Check = Record<string, unknown>;

export interface ParsedSource {
  /** `template hscn`, `catalogue eps`, `extra checks`. */
  readonly label: string;
  readonly checks: readonly Check[];
  readonly include: readonly string[];
  /** Problems of the source itself, already `label line N: message`. */
  readonly problems: readonly string[];
  /** The line (1-based) of the deepest node along `path` under check `index`, else of the check. */
  lineOf(index: number, path?: Path): number | undefined;
  /** The line of the `include` entry `i`. */
  includeLine(i: number): number | undefined;
}

interface Located {
  doc: Document;
  lines: LineCounter;
}

function lineAt(loc: Located, path: Path): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = loc.doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node?.range !== undefined) return loc.lines.linePos(node.range[0]).line;
  }
  return undefined;
}

/**
 * Parse a source. `shape: 'template'` is a TemplateDoc (`description`, `include`, `checks`);
 * `'entry'` a catalogue entry (already checked against CatalogueEntry: only its `checks` are read);
 * `'list'` a bare YAML list of checks (a practice's extra checks).
 */
export function parseSource(label: string, text: string, shape: Shape): ParsedSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const loc: Located = { doc, lines };
  const problems: string[] = [];
  for (const e of doc.errors) problems.push(`${label} line ${lines.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]}`);
  const base: Path = shape === 'list' ? [] : ['checks'];
  let checks: Check[] = [];
  let include: string[] = [];
  if (problems.length === 0) {
    const value: unknown = doc.toJS() ?? (shape === 'list' ? [] : {});
    if (shape === 'entry') checks = ((value as { checks?: Check[] }).checks ?? []) as Check[];
    else if (shape === 'template') {
      const parsed = parseWithSchema(TemplateDoc, value);
      if (!parsed.ok) for (const p of parsed.problems) problems.push(`${label} line ${lineAt(loc, pathOf(p)) ?? 1}: ${p}`);
      else {
        checks = (parsed.value.checks ?? []) as Check[];
        include = parsed.value.include ?? [];
      }
    } else if (!Array.isArray(value) || value.some((c) => typeof c !== 'object' || c === null || Array.isArray(c))) {
      problems.push(`${label} line 1: must be a YAML list of checks (- { kind: icmp, target: … })`);
    } else checks = value as Check[];
  }
  const root = shape === 'list' ? doc.contents : doc.getIn(['checks'], true);
  if (problems.length === 0 && root !== undefined && root !== null && !isSeq(root) && !(shape === 'list' && isMap(root))) {
    problems.push(`${label} line 1: checks must be a list`);
  }
  return {
    label,
    checks,
    include,
    problems,
    lineOf: (index, path = []) => lineAt(loc, [...base, index, ...path]),
    includeLine: (i) => lineAt(loc, ['include', i]),
  };
}

/** `checks[2].target: …` or `include[0]: …` → ['checks', 2, 'target']. */
export function pathOf(problem: string): Path {
  const head = problem.split(': ')[0] ?? '';
  const out: (string | number)[] = [];
  for (const m of head.matchAll(/([A-Za-z_$][\w$-]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(m[3]);
  }
  return out;
}

export type Value = string | number | boolean;

export interface Substituted {
  check: Check;
  /** Problems as `path: message`, the path relative to the check (`target`, `interfaces[0].name`). */
  problems: string[];
  /** Variables the check used. */
  used: Set<string>;
}

/** Replace every `{{ name }}` in the check's strings with `lookup(name)`; undefined = no value. */
export function substitute(check: Check, lookup: (name: string) => Value | undefined): Substituted {
  const problems: string[] = [];
  const used = new Set<string>();
  const walk = (v: unknown, path: string): unknown => {
    if (typeof v === 'string') return replaceIn(v, path);
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}[${i}]`));
    if (typeof v === 'object' && v !== null) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, path === '' ? k : `${path}.${k}`)]));
    }
    return v;
  };
  const replaceIn = (s: string, path: string): unknown => {
    const whole = /^\s*\{\{\s*([A-Za-z][A-Za-z0-9_]{0,63})\s*\}\}\s*$/.exec(s);
    const where = path === '' ? '(root)' : path;
    if (whole !== null) {
      const name = whole[1] as string;
      used.add(name);
      const value = lookup(name);
      if (value === undefined) problems.push(`${where}: variable {{ ${name} }} has no value for this practice`);
      return value ?? s;
    }
    if (/\{\{|\}\}/.test(s.replace(PLACEHOLDER, ''))) {
      problems.push(`${where}: a {{ … }} that is not a variable (names are letters, digits and _, starting with a letter)`);
      return s;
    }
    return s.replace(PLACEHOLDER, (all, name: string) => {
      used.add(name);
      const value = lookup(name);
      if (value === undefined) {
        problems.push(`${where}: variable {{ ${name} }} has no value for this practice`);
        return all;
      }
      return String(value);
    });
  };
  return { check: walk(check, '') as Check, problems, used };
}
