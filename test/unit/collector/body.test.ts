import { describe, expect, it } from 'vitest';
import { poisonedKey } from '../../../collector/src/plugins/body.ts';

describe('poisonedKey', () => {
  it.each([
    ['{"a":1,"s":"__proto__ is only a value here"}', undefined],
    ['{"__proto__":{"x":1}}', '"__proto__" keys are not accepted'],
    ['{"\\u005f_proto__":1}', '"__proto__" keys are not accepted'],
    ['{"\\u005F\\u005Fproto__" : 1}', '"__proto__" keys are not accepted'],
    ['{"constructor":{"prototype":{"x":1}}}', '"constructor" and "prototype" keys together are not accepted'],
    ['{"constructor":1}', undefined],
    ['{"s":"caf\\u00e9"}', undefined],
  ])('%s', (text, expected) => {
    expect(poisonedKey(text)).toBe(expected);
    JSON.parse(text); // every case is valid JSON: the check is about keys, not syntax
  });
});
