/**
 * Reading config files (YAML or JSON, chosen by the extension; YAML is a superset so anything
 * else is read as YAML). Unknown keys, bad types and missing keys come back as `path: message`
 * lines through parseWithSchema; a file that cannot be read or parsed is N3MON_ERR_CONFIG_READ.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { Static, TSchema } from 'typebox';
import { N3monError } from './errors.ts';
import { parseWithSchema } from './validate.ts';

export function readConfigSource(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new N3monError('N3MON_ERR_CONFIG_READ', `${file}: cannot read (${code})`, { cause: err });
  }
  if (file.endsWith('.json')) {
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new N3monError('N3MON_ERR_CONFIG_READ', `${file}: not valid JSON (${(err as Error).message})`, { cause: err });
    }
  }
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      return `${pos ? `line ${pos.line}, column ${pos.col}` : '(file)'}: ${e.message.split('\n')[0]}`;
    });
    throw new N3monError('N3MON_ERR_CONFIG_READ', `${file}: not valid YAML\n${problems.join('\n')}`, { problems });
  }
  return doc.toJS() as unknown;
}

/** Read, validate and freeze a config file; throws N3MON_ERR_CONFIG_INVALID listing every problem. */
export function loadConfigFile<S extends TSchema>(schema: S, file: string): Static<S> {
  return parseConfigValue(schema, readConfigSource(file), file);
}

export function parseConfigValue<S extends TSchema>(schema: S, value: unknown, label: string): Static<S> {
  const result = parseWithSchema(schema, value ?? {});
  if (!result.ok) {
    throw new N3monError('N3MON_ERR_CONFIG_INVALID', `${label}: ${result.problems.length} problem(s)\n${result.problems.join('\n')}`, {
      problems: result.problems,
    });
  }
  return result.value;
}
