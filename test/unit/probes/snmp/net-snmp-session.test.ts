// The adapter's value conversion, on varbinds shaped as net-snmp 3.x hands them over (type codes
// per RFC 2578 tags; Counter64 as the raw big-endian content bytes of the BER integer).
import { describe, expect, it } from 'vitest';
import { convertVarbind } from '../../../../agent/src/probes/snmp/net-snmp-session.ts';

const oid = '1.3.6.1.2.1.31.1.1.1.6.1';

describe('convertVarbind', () => {
  it('turns Counter64 buffers of any length into exact BigInts', () => {
    expect(convertVarbind({ oid, type: 70, value: Buffer.from([0x01, 0x00]) })).toEqual({ oid, type: 'counter64', value: 256n });
    // BER puts a leading 0x00 before a top bit that is set: 9 bytes for 2^64-1.
    expect(convertVarbind({ oid, type: 70, value: Buffer.from('00ffffffffffffffff', 'hex') })).toEqual({ oid, type: 'counter64', value: (1n << 64n) - 1n });
    expect(convertVarbind({ oid, type: 70, value: Buffer.alloc(0) })).toEqual({ oid, type: 'counter64', value: 0n });
    // Every length the converter reads differently: 6 bytes and less, 7, 8 (top bit clear), 9.
    for (const hex of ['ffffffffffff', '01000000000001', '7fffffffffffffff', '0123456789abcdef', '008000000000000000']) {
      expect(convertVarbind({ oid, type: 70, value: Buffer.from(hex, 'hex') })).toEqual({ oid, type: 'counter64', value: BigInt(`0x${hex}`) });
    }
  });

  it('makes every 32-bit integer type a BigInt and keeps OCTET STRINGs as bytes', () => {
    expect(convertVarbind({ oid, type: 65, value: 4_294_967_295 })).toEqual({ oid, type: 'counter32', value: 4_294_967_295n });
    expect(convertVarbind({ oid, type: 66, value: 10 })).toEqual({ oid, type: 'gauge32', value: 10n });
    expect(convertVarbind({ oid, type: 67, value: 697_202_257 })).toEqual({ oid, type: 'timeticks', value: 697_202_257n });
    expect(convertVarbind({ oid, type: 2, value: -1 })).toEqual({ oid, type: 'integer', value: -1n });
    expect(convertVarbind({ oid, type: 4, value: Buffer.from('Fa3/0/1') })).toEqual({ oid, type: 'octets', value: new Uint8Array(Buffer.from('Fa3/0/1')) });
  });

  it('marks the exception values and anything unexpected, never throws', () => {
    expect(convertVarbind({ oid, type: 128, value: null }).type).toBe('noSuchObject');
    expect(convertVarbind({ oid, type: 129, value: null }).type).toBe('noSuchInstance');
    expect(convertVarbind({ oid, type: 130, value: null }).type).toBe('endOfMibView');
    expect(convertVarbind({ oid, type: 65, value: 'not a number' }).type).toBe('other');
    expect(convertVarbind({ oid, type: 99, value: 1 }).type).toBe('other');
  });
});
