import { describe, expect, it } from 'vitest';
import { isRedirect, parseStatusSpec, statusMatches, statusRanges } from '../../../../agent/src/probes/http/status.ts';

describe('http expectStatus specs', () => {
  it('reads a code, a range and a class', () => {
    expect(parseStatusSpec(204)).toEqual({ low: 204, high: 204 });
    expect(parseStatusSpec('200-299')).toEqual({ low: 200, high: 299 });
    expect(parseStatusSpec('3xx')).toEqual({ low: 300, high: 399 });
    expect(parseStatusSpec('404')).toEqual({ low: 404, high: 404 });
  });

  it('refuses backwards ranges and junk', () => {
    expect(parseStatusSpec('399-200')).toBeUndefined();
    expect(parseStatusSpec('2x')).toBeUndefined();
    expect(parseStatusSpec('600')).toBeUndefined();
    expect(parseStatusSpec(99)).toBeUndefined();
    expect(parseStatusSpec(200.5)).toBeUndefined();
  });

  it('the default 200-399 accepts success and redirects, nothing else', () => {
    const ranges = statusRanges(['200-399']);
    for (const ok of [200, 204, 301, 302, 399]) expect(statusMatches(ok, ranges)).toBe(true);
    for (const bad of [101, 199, 400, 401, 403, 404, 500, 503]) expect(statusMatches(bad, ranges)).toBe(false);
  });

  it('a list matches any of its entries', () => {
    const ranges = statusRanges([200, '401', '5xx']);
    expect([200, 401, 500, 599].map((s) => statusMatches(s, ranges))).toEqual([true, true, true, true]);
    expect([201, 403, 499].map((s) => statusMatches(s, ranges))).toEqual([false, false, false]);
  });

  it('knows which codes redirect', () => {
    expect([301, 302, 303, 307, 308].every(isRedirect)).toBe(true);
    expect([300, 304, 305, 200].some(isRedirect)).toBe(false);
  });
});
