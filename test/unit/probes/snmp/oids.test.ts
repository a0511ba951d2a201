import { describe, expect, it } from 'vitest';
import { compareOids, isUnder } from '../../../../agent/src/probes/snmp/oids.ts';

describe('compareOids', () => {
  it('orders arc by arc as numbers (what GETNEXT promises), a prefix first', () => {
    const sorted = [
      '0',
      '1',
      '1.2',
      '1.2.3',
      '1.2.9',
      '1.2.10',
      '1.3',
      '1.3.6.1.2.1.2.2.1.10',
      '1.3.6.1.2.1.2.2.1.10.2',
      '1.3.6.1.2.1.2.2.1.10.11001',
      '1.10',
      '4294967295.1',
      '4294967296',
    ];
    for (const [i, a] of sorted.entries()) {
      for (const [j, b] of sorted.entries()) expect(Math.sign(compareOids(a, b)), `${a} vs ${b}`).toBe(Math.sign(i - j));
    }
    expect([...sorted].reverse().sort(compareOids)).toEqual(sorted);
  });

  it('isUnder: strictly inside the subtree, never a sibling sharing its digits', () => {
    expect(isUnder('1.3.6.1.2.1.2.2.1.1', '1.3.6.1.2.1.2.2.1.1.5')).toBe(true);
    expect(isUnder('1.3.6.1.2.1.2.2.1.1', '1.3.6.1.2.1.2.2.1.10.5')).toBe(false);
    expect(isUnder('1.3.6.1.2.1.2.2.1.1', '1.3.6.1.2.1.2.2.1.1')).toBe(false);
  });
});
