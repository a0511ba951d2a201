import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { formatPath, parseWithSchema, problemsOf } from '../../../shared/src/validate.ts';

const Icmp = Type.Object(
  { kind: Type.Literal('icmp'), target: Type.String({ minLength: 1 }), count: Type.Integer({ minimum: 1, default: 20 }) },
  { additionalProperties: false },
);
const Snmp2c = Type.Object({ kind: Type.Literal('snmp'), version: Type.Literal('2c'), community: Type.String() }, { additionalProperties: false });
const Snmp3 = Type.Object({ kind: Type.Literal('snmp'), version: Type.Literal('3'), user: Type.String() }, { additionalProperties: false });
const Config = Type.Object(
  {
    checks: Type.Array(Type.Union([Icmp, Type.Union([Snmp2c, Snmp3])]), { minItems: 1 }),
    spool: Type.Object({ maxBytes: Type.Integer({ minimum: 1024, default: 4096 }) }, { additionalProperties: false, default: {} }),
  },
  { additionalProperties: false },
);

describe('problemsOf', () => {
  it('explains each check against the branch its kind (and version) selects', () => {
    expect(
      problemsOf(Config, {
        checks: [{ kind: 'icmp', target: '', count: 0 }, { kind: 'snmp', version: '3' }, { kind: 'snmp', version: '2c', community: 7 }, { kind: 'tcpp' }, {}],
        spool: { maxBytes: 12, extra: true },
        colector: {},
      }),
    ).toEqual([
      'checks[0].target: must not be empty',
      'checks[0].count: must be >= 1',
      'checks[1].user: missing required key',
      'checks[2].community: must be string (got number 7)',
      'checks[3].kind: must be one of "icmp", "snmp" (got string "tcpp")',
      'checks[4].kind: must be one of "icmp", "snmp" (missing)',
      'spool.maxBytes: must be >= 1024',
      'spool.extra: unknown key (allowed: maxBytes)',
      'colector: unknown key (allowed: checks, spool)',
    ]);
  });

  it('says what the root is when it is not an object', () => {
    expect(problemsOf(Config, 'x')).toEqual(['(root): must be object (got string "x")']);
    expect(problemsOf(Config, null)).toEqual(['(root): must be object (got null)']);
  });

  it('reports array-level rules on the array', () => {
    expect(parseWithSchema(Config, { checks: [] })).toEqual({ ok: false, problems: ['checks: must not have fewer than 1 items'] });
  });
});

describe('parseWithSchema', () => {
  it('fills defaults, then validates and freezes', () => {
    const r = parseWithSchema(Config, { checks: [{ kind: 'icmp', target: '127.0.0.1' }] });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.checks[0]).toEqual({ kind: 'icmp', target: '127.0.0.1', count: 20 });
    expect(r.value.spool.maxBytes).toBe(4096);
    expect(Object.isFrozen(r.value.checks[0])).toBe(true);
  });

  it('does not touch the caller input', () => {
    const input = { checks: [{ kind: 'icmp', target: 'a' }] };
    parseWithSchema(Config, input);
    expect(input).toEqual({ checks: [{ kind: 'icmp', target: 'a' }] });
  });
});

describe('formatPath', () => {
  it('writes JS-like paths', () => {
    expect(formatPath([])).toBe('(root)');
    expect(formatPath(['checks', 2, 'target'])).toBe('checks[2].target');
    expect(formatPath(['labels', 'a b'])).toBe('labels["a b"]');
  });
});
