// Failures that need no SNMP agent: a UDP service on 127.0.0.1 that answers, but not in SNMP.
import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { realProbe, runOnce } from './helpers.ts';

describe('snmp probe against something that is not an SNMP agent', () => {
  it('a reply that is not SNMP is protocol_error, not a timeout', async () => {
    const sock = createSocket('udp4');
    sock.on('message', (_msg, rinfo) => sock.send(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'), rinfo.port, rinfo.address));
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    try {
      const r = await runOnce(realProbe({ target: `127.0.0.1:${sock.address().port}`, version: '2c', community: 'public', requestTimeoutMs: 300, retries: 2 }));
      expect(r.outcome).toBe('protocol_error');
      expect(r.message).toMatch(/^system group: the device answered with data that is not valid SNMP/);
    } finally {
      sock.close();
    }
  });
});
