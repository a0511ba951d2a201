/**
 * Route schemas are TypeBox schemas compiled by TypeBox (one schema: type, validator, OpenAPI).
 * Query strings, params and headers are converted first ("5" → 5) and get their defaults; a failure becomes
 * N3MON_ERR_REQUEST_INVALID with every problem as `query.limit: must be >= 1`.
 */
import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';
import { N3monError } from '../../../shared/src/errors.ts';
import { problemsOf } from '../../../shared/src/validate.ts';

const INTEGER_TEXT = /^-?\d+$/;
const NUMBER_TEXT = /^-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$/;

/**
 * Value.Convert, but a numeric field converts only from plain decimal text: TypeBox would turn
 * "1.5" into the integer 1, "" into 0 and "0x10" into 16 — a request that says something else
 * than it means is refused (the text stays, the check explains it), not silently reinterpreted.
 */
function convertStrictly(schema: TSchema, input: unknown): unknown {
  // Convert changes its input in place: keep the texts first.
  const texts = typeof input === 'object' && input !== null ? Object.entries(input as Record<string, unknown>) : [];
  const converted = Value.Convert(schema, input);
  const props = (schema as { properties?: Record<string, { type?: unknown }> }).properties;
  if (props === undefined || typeof converted !== 'object' || converted === null) return converted;
  for (const [k, raw] of texts) {
    const type = props[k]?.type;
    if (typeof raw !== 'string' || (type !== 'integer' && type !== 'number')) continue;
    if (!(type === 'integer' ? INTEGER_TEXT : NUMBER_TEXT).test(raw)) (converted as Record<string, unknown>)[k] = raw;
  }
  return converted;
}

const PART_NAMES: Record<string, string> = { querystring: 'query', params: 'params', headers: 'headers', body: 'body' };

export const typeboxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const validator = Compile(schema);
  const part = PART_NAMES[httpPart ?? 'body'] ?? 'request';
  const convert = httpPart !== undefined && httpPart !== 'body';
  return (input: unknown) => {
    const value = convert ? Value.Default(schema, convertStrictly(schema, input)) : input;
    if (validator.Check(value)) return { value };
    const problems = problemsOf(schema, value).map((p) => (p.startsWith('(root)') ? `${part}${p.slice('(root)'.length)}` : `${part}.${p}`));
    return { error: new N3monError('N3MON_ERR_REQUEST_INVALID', `invalid ${part}`, { problems }) };
  };
};

/** For a route that validates its body itself (ingest: one compiled check, then explanations). */
export const skipValidation: FastifySchemaCompiler<TSchema> = () => () => true;
