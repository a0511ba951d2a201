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

const PART_NAMES: Record<string, string> = { querystring: 'query', params: 'params', headers: 'headers', body: 'body' };

export const typeboxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const validator = Compile(schema);
  const part = PART_NAMES[httpPart ?? 'body'] ?? 'request';
  const convert = httpPart !== undefined && httpPart !== 'body';
  return (input: unknown) => {
    const value = convert ? Value.Default(schema, Value.Convert(schema, input)) : input;
    if (validator.Check(value)) return { value };
    const problems = problemsOf(schema, value).map((p) => (p.startsWith('(root)') ? `${part}${p.slice('(root)'.length)}` : `${part}.${p}`));
    return { error: new N3monError('N3MON_ERR_REQUEST_INVALID', `invalid ${part}`, { problems }) };
  };
};

/** For a route that validates its body itself (ingest: one compiled check, then explanations). */
export const skipValidation: FastifySchemaCompiler<TSchema> = () => () => true;
