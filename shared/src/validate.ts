/**
 * One schema, three uses (STYLE habit 3): TypeBox schemas are the TS types, the runtime validator
 * and the Fastify route schemas. This module turns a failed check into human lines `path: message`.
 *
 * Discriminated unions (a check's `kind`, an SNMP check's `version`) are explained against the
 * branch the value selects, so `checks[2].community: missing required key` is said instead of
 * "must match a schema in anyOf".
 *
 * String limits: TypeBox's `maxLength`/`minLength` count Unicode code points — not graphemes
 * (`"a"` + 500,000 combining marks is 500,001 long) and not UTF-16 units — so `maxLength: N`
 * holds at most 2N UTF-16 code units and 4N UTF-8 bytes. test/integration/security/bounds.test.ts
 * pins this; a TypeBox that counted graphemes would fail it.
 */
import { Compile, type Validator } from 'typebox/compile';
import type { Static, TSchema } from 'typebox';
import { Value } from 'typebox/value';

type JsonSchema = {
  type?: string | string[];
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  patternProperties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  const?: unknown;
  [key: string]: unknown;
};

const compiled = new WeakMap<object, Validator>();

function validatorFor(schema: TSchema): Validator {
  let v = compiled.get(schema);
  if (v === undefined) {
    v = Compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

/** `checks[2].target` from ['checks', 2, 'target']; the root is `(root)`. */
export function formatPath(parts: readonly (string | number)[]): string {
  let out = '';
  for (const p of parts) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(p)) out += out === '' ? p : `.${p}`;
    else out += `[${JSON.stringify(p)}]`;
  }
  return out === '' ? '(root)' : out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The `const` a branch has for `key`: its own property, or — for a branch that is itself a union
 * (an SNMP check is a union on `version`) — the one const all its sub-branches share.
 */
function branchConst(branch: JsonSchema, key: string): unknown {
  if (branch.anyOf !== undefined) {
    const values = new Set(branch.anyOf.map((b) => branchConst(b, key)));
    return values.size === 1 ? [...values][0] : undefined;
  }
  return branch.required?.includes(key) === true ? branch.properties?.[key]?.const : undefined;
}

/** The property that tells the branches of a union apart (each branch has it as a `const`). */
function discriminatorOf(branches: JsonSchema[]): string | undefined {
  const candidates = new Set<string>();
  const collect = (b: JsonSchema): void => {
    if (b.anyOf !== undefined) b.anyOf.forEach(collect);
    else for (const k of Object.keys(b.properties ?? {})) candidates.add(k);
  };
  if (branches[0] !== undefined) collect(branches[0]);
  for (const key of candidates) {
    const values = branches.map((b) => branchConst(b, key));
    if (values.every((v) => v !== undefined) && new Set(values).size === values.length) return key;
  }
  return undefined;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

function explain(schema: JsonSchema, value: unknown, path: (string | number)[], out: string[]): void {
  const validator = validatorFor(schema as TSchema);
  const valid: boolean = validator.Check(value); // not a type guard here: narrowing `unknown` by it leaves `never`
  if (valid) return;

  if (schema.anyOf !== undefined) {
    const key = discriminatorOf(schema.anyOf);
    if (key !== undefined && isPlainObject(value)) {
      const allowed = schema.anyOf.map((b) => branchConst(b, key));
      const branch = schema.anyOf.find((b) => branchConst(b, key) === value[key]);
      if (branch === undefined) {
        const got = value[key] === undefined ? 'missing' : `got ${describe(value[key])}`;
        out.push(`${formatPath([...path, key])}: must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')} (${got})`);
        return;
      }
      // Defaults of the chosen branch first: a union that matched no branch got none from parseWithSchema.
      explain(branch, Value.Default(branch as TSchema, structuredClone(value)), path, out);
      return;
    }
  }

  if (schema.anyOf?.every((b) => b.const !== undefined)) {
    out.push(`${formatPath(path)}: must be one of ${schema.anyOf.map((b) => JSON.stringify(b.const)).join(', ')} (got ${describe(value)})`);
    return;
  }

  if (schema.type === 'object' && schema.properties !== undefined && isPlainObject(value)) {
    const props = schema.properties;
    for (const req of schema.required ?? []) {
      if (value[req] === undefined) out.push(`${formatPath([...path, req])}: missing required key`);
    }
    for (const [k, v] of Object.entries(value)) {
      const sub = props[k];
      if (sub !== undefined) {
        if (v !== undefined) explain(sub, v, [...path, k], out);
      } else if (schema.additionalProperties === false) {
        const known = Object.keys(props);
        out.push(`${formatPath([...path, k])}: unknown key (allowed: ${known.join(', ')})`);
      }
    }
    const own = [...validator.Errors(value)].filter((e) => e.instancePath === '' && !['required', 'additionalProperties', 'boolean'].includes(e.keyword));
    for (const e of own) out.push(`${formatPath(path)}: ${e.message}`);
    return;
  }

  if (schema.type === 'object' && schema.properties === undefined && schema.patternProperties !== undefined && isPlainObject(value)) {
    explainRecord(schema, value, path, out, validator);
    return;
  }

  if (schema.type === 'array' && schema.items !== undefined && Array.isArray(value)) {
    value.forEach((item, i) => explain(schema.items as JsonSchema, item, [...path, i], out));
    const own = [...validator.Errors(value)].filter((e) => e.instancePath === '');
    for (const e of own) out.push(`${formatPath(path)}: ${e.message}`);
    return;
  }

  const errors = [...validator.Errors(value)];
  const seen = new Set<string>();
  for (const e of errors) {
    if (e.keyword === 'anyOf' && errors.length > 1) continue;
    const parts = e.instancePath === '' ? [] : e.instancePath.slice(1).split('/').map(unescapePointer);
    const line = `${formatPath([...path, ...parts])}: ${messageFor(e.keyword, e.message, valueAt(value, parts), schema)}`;
    if (!seen.has(line)) {
      seen.add(line);
      out.push(line);
    }
  }
  if (out.length === 0) out.push(`${formatPath(path)}: invalid value ${describe(value)}`);
}

/**
 * A record (`Type.Record`: patternProperties, maybe `additionalProperties: false` and
 * `propertyNames`): each key is checked against the key rules, each value against its schema.
 */
function explainRecord(schema: JsonSchema, value: Record<string, unknown>, path: (string | number)[], out: string[], validator: Validator): void {
  const patterns = Object.entries(schema.patternProperties ?? {}).map(([p, s]) => ({ re: new RegExp(p), schema: s }));
  const names = isPlainObject(schema.propertyNames) ? validatorFor(schema.propertyNames as TSchema) : undefined;
  for (const [k, v] of Object.entries(value)) {
    const where = formatPath([...path, k]);
    if (names !== undefined && !names.Check(k)) {
      for (const e of names.Errors(k)) out.push(`${where}: key ${e.message}`);
      continue;
    }
    const match = patterns.find((p) => p.re.test(k));
    if (match !== undefined) explain(match.schema, v, [...path, k], out);
    else if (schema.additionalProperties === false)
      out.push(`${where}: key must match pattern ${patterns.map((p) => JSON.stringify(p.re.source)).join(' or ')}`);
  }
  const own = [...validator.Errors(value)].filter(
    (e) => e.instancePath === '' && !['additionalProperties', 'propertyNames', 'patternProperties', 'boolean'].includes(e.keyword),
  );
  for (const e of own) out.push(`${formatPath(path)}: ${e.message}`);
}

/** The part of `value` an error's instancePath points at (for `(got …)` in messages). */
function valueAt(value: unknown, parts: readonly (string | number)[]): unknown {
  let v = value;
  for (const p of parts) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}

function unescapePointer(s: string): string | number {
  const t = s.replace(/~1/g, '/').replace(/~0/g, '~');
  return /^\d+$/.test(t) ? Number(t) : t;
}

function messageFor(keyword: string, message: string, value: unknown, schema: JsonSchema): string {
  if (keyword === 'type' || keyword === 'anyOf') return `${message} (got ${describe(value)})`;
  if (keyword === 'minLength' && schema.minLength === 1) return 'must not be empty';
  if (keyword === 'enum' && Array.isArray(schema.enum))
    return `must be one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')} (got ${describe(value)})`;
  if (keyword === 'const' && schema.const !== undefined) return `must be ${JSON.stringify(schema.const)} (got ${describe(value)})`;
  return message;
}

/** Every problem with `value` against `schema`, as `path: message` lines (empty when valid). */
export function problemsOf(schema: TSchema, value: unknown): string[] {
  const out: string[] = [];
  explain(schema as unknown as JsonSchema, value, [], out);
  return out;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/**
 * Validate `input` against `schema` after filling in schema defaults; on success the value is
 * deep-frozen (validate once, then trust and never mutate).
 */
export function parseWithSchema<S extends TSchema>(schema: S, input: unknown): ParseResult<Static<S>> {
  const withDefaults = Value.Default(schema, structuredClone(input));
  const problems = problemsOf(schema, withDefaults);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: deepFreeze(withDefaults) as Static<S> };
}

/** Fast check for hot paths (ingest): the compiled validator only, no explanation. */
export function checker<S extends TSchema>(schema: S): (value: unknown) => value is Static<S> {
  const v = validatorFor(schema);
  return (value: unknown): value is Static<S> => v.Check(value);
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
