// A check's static labels become series labels: their keys must be label names.
import { describe, expect, it } from 'vitest';
import { parseAgentConfig } from '../../../agent/src/config/load.ts';
import { isN3monError } from '../../../shared/src/errors.ts';

const base = { collector: { url: 'http://127.0.0.1:1', token: '0123456789abcdef0123' } };

function problems(labels: unknown): string[] {
  try {
    parseAgentConfig({ ...base, checks: [{ kind: 'tcp', target: '127.0.0.1:1', role: 'server', labels }] }, 't');
    return [];
  } catch (err) {
    if (!isN3monError(err)) throw err;
    return [...err.problems];
  }
}

describe('check labels', () => {
  it('accepts label names', () => {
    expect(problems({ site: 'Branch', floor_2: 'x' })).toEqual([]);
  });
  it('refuses keys that are not label names, and values that are not strings', () => {
    expect(problems({ 'a-b': 'x' })).toEqual(['checks[0].labels.a-b: key must match pattern "^[a-zA-Z_][a-zA-Z0-9_]*$"']);
    expect(problems({ site: 5 })).toEqual(['checks[0].labels.site: must be string (got number 5)']);
  });
});
