/**
 * What an InfluxQL statement in a Grafana dashboard reads: its measurements (with their retention
 * policy), and the fields and tags it names — so test/unit/dashboards/grafana.test.ts can check each
 * against what the influx backend writes, and a renamed metric, tag or field fails a test instead of
 * silently emptying a panel.
 *
 * Deliberately small: the dashboards quote every identifier ("practice"), use no subqueries, no
 * regex measurements and no wildcards, so a reference can be found without a full InfluxQL parser.
 * A statement outside that subset is refused with a reason (an error, never a silent pass).
 * Grafana's macros ($timeFilter, $__interval, $practice, ${practice:regex}) are opaque tokens.
 */

export interface MeasurementRef {
  /** Retention policy named in the query ("rp"."m"), or undefined for the database's default. */
  rp: string | undefined;
  name: string;
}

export interface QueryRefs {
  measurements: MeasurementRef[];
  /** Named in SELECT: must be fields. */
  fields: string[];
  /** Named in GROUP BY, WITH KEY or with a ::tag cast: must be tags. */
  tags: string[];
  /** Named in WHERE: a tag or a field. */
  tagsOrFields: string[];
}

type Kind = 'qident' | 'ident' | 'string' | 'regex' | 'number' | 'var' | 'punct' | 'op';
interface Tok {
  kind: Kind;
  text: string;
}

const OPS = ['=~', '!~', '!=', '<>', '<=', '>=', '::', '=', '<', '>', '+', '-', '*', '/', '%'];

function tokenize(q: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const prev = (): Tok | undefined => out[out.length - 1];
  while (i < q.length) {
    const c = q[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const quoted = (end: string, kind: Kind): void => {
      let j = i + 1;
      let text = '';
      while (j < q.length && q[j] !== end) {
        if (q[j] === '\\' && j + 1 < q.length) j++;
        text += q[j];
        j++;
      }
      if (j >= q.length) throw new Error(`unterminated ${end} at ${i}`);
      out.push({ kind, text });
      i = j + 1;
    };
    if (c === '"') quoted('"', 'qident');
    else if (c === "'") quoted("'", 'string');
    else if (c === '/' && (prev()?.text === '=~' || prev()?.text === '!~')) quoted('/', 'regex');
    else if (c === '$') {
      const m = /^\$(\{[^}]*\}|\w+)/.exec(q.slice(i));
      if (m === null) throw new Error(`a lone $ at ${i}`);
      out.push({ kind: 'var', text: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_]\w*/.exec(q.slice(i)) as RegExpExecArray;
      out.push({ kind: 'ident', text: m[0] });
      i += m[0].length;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?[a-z]*/.exec(q.slice(i)) as RegExpExecArray;
      out.push({ kind: 'number', text: m[0] });
      i += m[0].length;
    } else {
      const op = OPS.find((o) => q.startsWith(o, i));
      if (op !== undefined) {
        out.push({ kind: 'op', text: op });
        i += op.length;
      } else if ('(),;.'.includes(c)) {
        out.push({ kind: 'punct', text: c });
        i++;
      } else throw new Error(`unexpected character ${JSON.stringify(c)} at ${i}`);
    }
  }
  return out;
}

const kw = (t: Tok | undefined, word: string): boolean => t?.kind === 'ident' && t.text.toUpperCase() === word;

/** Splits a SELECT's tokens into its clauses (at nesting depth 0). */
function clauses(toks: Tok[]): Map<string, Tok[]> {
  const starts = ['SELECT', 'FROM', 'WHERE', 'GROUP', 'ORDER', 'LIMIT', 'SLIMIT', 'OFFSET', 'SOFFSET', 'FILL', 'TZ', 'INTO'];
  const out = new Map<string, Tok[]>();
  let current = '';
  let depth = 0;
  for (const t of toks) {
    if (t.text === '(') depth++;
    if (t.text === ')') depth--;
    const word = t.kind === 'ident' ? t.text.toUpperCase() : '';
    if (depth === 0 && starts.includes(word)) {
      if (out.has(word)) throw new Error(`${word} twice`);
      current = word;
      out.set(word, []);
      continue;
    }
    // fill(…) and tz(…) open their clause with the parenthesis: it is theirs.
    out.get(current)?.push(t);
  }
  return out;
}

function selectRefs(toks: Tok[], refs: QueryRefs): void {
  toks.forEach((t, k) => {
    const before = toks[k - 1];
    const after = toks[k + 1];
    if (t.kind === 'op' && t.text === '*' && (before === undefined || before.text === '(' || before.text === ','))
      throw new Error('a wildcard (*) cannot be checked: name the fields');
    if (t.kind === 'ident' && after?.text !== '(' && !kw(t, 'AS') && !(before?.text === '::'))
      throw new Error(`unquoted identifier ${t.text}: quote it ("${t.text}")`);
    if (t.kind !== 'qident' || kw(before, 'AS')) return;
    const cast = after?.text === '::' ? toks[k + 2]?.text.toLowerCase() : undefined;
    (cast === 'tag' ? refs.tags : refs.fields).push(t.text);
  });
}

function fromRefs(toks: Tok[], refs: QueryRefs): void {
  const sources: Tok[][] = [[]];
  for (const t of toks) {
    if (t.text === '(') throw new Error('a subquery cannot be checked: keep dashboard queries flat');
    if (t.kind === 'regex' || t.text === '/') throw new Error('a regex measurement cannot be checked: name the measurement');
    if (t.text === ',') sources.push([]);
    else (sources[sources.length - 1] as Tok[]).push(t);
  }
  for (const s of sources) {
    const parts = s.filter((t) => t.text !== '.');
    if (parts.length === 0 || parts.length > 3 || parts.some((t) => t.kind !== 'qident'))
      throw new Error(`FROM ${s.map((t) => t.text).join('')}: quote each part ("rp"."measurement")`);
    const name = (parts[parts.length - 1] as Tok).text;
    refs.measurements.push({ rp: parts.length >= 2 ? (parts[parts.length - 2] as Tok).text : undefined, name });
  }
}

/** WHERE: every quoted identifier is a tag or field; values are strings, regexes or macros. */
function whereRefs(toks: Tok[], refs: QueryRefs): void {
  for (const t of toks) {
    if (t.kind === 'qident') refs.tagsOrFields.push(t.text);
    else if (t.kind === 'ident' && !['AND', 'OR', 'NOT', 'TIME', 'NOW'].includes(t.text.toUpperCase()))
      throw new Error(`unquoted identifier ${t.text} in WHERE`);
  }
}

function groupRefs(toks: Tok[], refs: QueryRefs): void {
  if (!kw(toks[0], 'BY')) throw new Error('GROUP without BY');
  let depth = 0;
  for (const t of toks.slice(1)) {
    if (t.text === '(') depth++;
    else if (t.text === ')') depth--;
    else if (t.text === '*') throw new Error('GROUP BY * cannot be checked: name the tags');
    else if (depth === 0 && t.kind === 'qident') refs.tags.push(t.text);
    else if (depth === 0 && t.kind === 'ident' && !kw(t, 'TIME')) throw new Error(`unquoted identifier ${t.text} in GROUP BY`);
  }
}

function selectStatement(toks: Tok[]): QueryRefs {
  const refs: QueryRefs = { measurements: [], fields: [], tags: [], tagsOrFields: [] };
  const c = clauses(toks);
  if (c.has('INTO')) throw new Error('SELECT … INTO writes: not in a dashboard');
  selectRefs(c.get('SELECT') ?? [], refs);
  const from = c.get('FROM');
  if (from === undefined) throw new Error('SELECT without FROM');
  fromRefs(from, refs);
  whereRefs(c.get('WHERE') ?? [], refs);
  if (c.has('GROUP')) groupRefs(c.get('GROUP') as Tok[], refs);
  return refs;
}

/** SHOW TAG VALUES [FROM "m"] WITH KEY = "k" | IN ("a", "b") [WHERE …] [LIMIT n] */
function showTagValues(toks: Tok[]): QueryRefs {
  const refs: QueryRefs = { measurements: [], fields: [], tags: [], tagsOrFields: [] };
  const withAt = toks.findIndex((t, k) => kw(t, 'WITH') && kw(toks[k + 1], 'KEY'));
  if (withAt < 0) throw new Error('SHOW TAG VALUES without WITH KEY');
  const head = toks.slice(3, withAt);
  if (head.length > 0) {
    if (!kw(head[0], 'FROM')) throw new Error('SHOW TAG VALUES: only FROM may come before WITH KEY');
    fromRefs(head.slice(1), refs);
  }
  const rest = toks.slice(withAt + 2);
  const whereAt = rest.findIndex((t) => kw(t, 'WHERE'));
  const limitAt = rest.findIndex((t) => kw(t, 'LIMIT'));
  const keyPart = rest.slice(0, whereAt >= 0 ? whereAt : limitAt >= 0 ? limitAt : rest.length);
  if (keyPart[0]?.text === '=~') throw new Error('WITH KEY =~ cannot be checked: name the key');
  for (const t of keyPart) if (t.kind === 'qident') refs.tags.push(t.text);
  if (refs.tags.length === 0) throw new Error('WITH KEY names no quoted key');
  if (whereAt >= 0) whereRefs(rest.slice(whereAt + 1, limitAt > whereAt ? limitAt : rest.length), refs);
  return refs;
}

/** The references of every statement in `query` (statements separated by `;`). */
export function influxqlRefs(query: string): QueryRefs {
  const all: QueryRefs = { measurements: [], fields: [], tags: [], tagsOrFields: [] };
  const statements: Tok[][] = [[]];
  for (const t of tokenize(query)) {
    if (t.text === ';') statements.push([]);
    else (statements[statements.length - 1] as Tok[]).push(t);
  }
  for (const st of statements.filter((s) => s.length > 0)) {
    let r: QueryRefs;
    if (kw(st[0], 'SELECT')) r = selectStatement(st);
    else if (kw(st[0], 'SHOW') && kw(st[1], 'TAG') && kw(st[2], 'VALUES')) r = showTagValues(st);
    else
      throw new Error(
        `only SELECT and SHOW TAG VALUES are checked, not ${st
          .slice(0, 3)
          .map((t) => t.text)
          .join(' ')}`,
      );
    for (const k of ['measurements', 'fields', 'tags', 'tagsOrFields'] as const) (all[k] as unknown[]).push(...r[k]);
  }
  return all;
}

/** Grafana variables a text uses: $name, ${name}, ${name:format}, [[name]]. */
export function variablesIn(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(/\$(\w+)|\$\{(\w+)(?::[^}]*)?\}|\[\[(\w+)(?::[^\]]*)?\]\]/g)) out.add((m[1] ?? m[2] ?? m[3]) as string);
  return [...out];
}
