/**
 * A small authoritative DNS server over UDP for tests (RFC 1035 wire format, our own code): it
 * answers A, AAAA and TXT from a zone given as data, NXDOMAIN for names it does not know, NODATA
 * for known names without the type asked, SERVFAIL or silence for names listed so. Binds to
 * 127.0.0.1 by default (or an address in a lab namespace the test made).
 *
 *   const dns = await startDnsResponder({ zone: { 'spine.test': { A: ['192.0.2.10'] } }, drop: ['slow.test'] });
 *   … resolver.setServers([`127.0.0.1:${dns.port}`]) …
 *   await dns.stop();
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';

export interface ZoneRecords {
  A?: string[];
  AAAA?: string[];
  TXT?: string[];
}

export interface DnsResponderOptions {
  zone: Record<string, ZoneRecords>;
  /** Names whose queries are never answered (the client times out). */
  drop?: string[];
  /** Names answered with SERVFAIL. */
  servfail?: string[];
  host?: string;
  port?: number;
  ttlS?: number;
}

export interface DnsResponder {
  readonly host: string;
  readonly port: number;
  /** Every question received, in order (`type` as a number: 1 A, 28 AAAA, 16 TXT, …). */
  readonly queries: { name: string; type: number }[];
  /** Packets that were not a DNS query we could read (dropped). */
  malformed(): number;
  /** Socket errors after start-up (kept from crashing the test process). */
  socketErrors(): number;
  stop(): Promise<void>;
}

const TYPE = { A: 1, TXT: 16, AAAA: 28 } as const;
const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 } as const;

/** The question of a query: name (lower case), type, class, and where the question ends. */
function readQuestion(msg: Buffer): { name: string; type: number; qclass: number; end: number } {
  if (msg.length < 12) throw new Error('short header');
  if (msg.readUInt16BE(4) !== 1) throw new Error('not exactly one question');
  const labels: string[] = [];
  let at = 12;
  for (;;) {
    const len = msg[at];
    if (len === undefined) throw new Error('name runs past the end');
    if (len === 0) break;
    if (len > 63) throw new Error('compressed or bad label in a question');
    labels.push(msg.toString('latin1', at + 1, at + 1 + len));
    at += 1 + len;
  }
  at += 1;
  if (at + 4 > msg.length) throw new Error('question runs past the end');
  return { name: labels.join('.').toLowerCase(), type: msg.readUInt16BE(at), qclass: msg.readUInt16BE(at + 2), end: at + 4 };
}

function rdataFor(type: number, value: string): Buffer {
  if (type === TYPE.A) {
    if (!isIPv4(value)) throw new Error(`not an IPv4 address: ${value}`);
    return Buffer.from(value.split('.').map(Number));
  }
  if (type === TYPE.AAAA) {
    if (!isIPv6(value)) throw new Error(`not an IPv6 address: ${value}`);
    const [head = '', tail = ''] = value.split('::');
    const h = head === '' ? [] : head.split(':');
    const t = tail === '' ? [] : tail.split(':');
    const groups = value.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
    const out = Buffer.alloc(16);
    groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
    return out;
  }
  const text = Buffer.from(value, 'utf8').subarray(0, 255);
  return Buffer.concat([Buffer.from([text.length]), text]);
}

function answerFor(query: Buffer, opts: DnsResponderOptions): { reply: Buffer | undefined; name: string; type: number } {
  const q = readQuestion(query);
  if (opts.drop?.includes(q.name)) return { reply: undefined, name: q.name, type: q.type };
  const records = Object.entries(opts.zone).find(([n]) => n.toLowerCase() === q.name)?.[1];
  let rcode: number = records === undefined ? RCODE.NXDOMAIN : RCODE.NOERROR;
  if (opts.servfail?.includes(q.name)) rcode = RCODE.SERVFAIL;
  const typeName = (Object.keys(TYPE) as (keyof typeof TYPE)[]).find((k) => TYPE[k] === q.type);
  const values = rcode === RCODE.NOERROR && typeName !== undefined && q.qclass === 1 ? (records?.[typeName] ?? []) : [];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0); // id
  const rd = query.readUInt16BE(2) & 0x0100;
  // QR=1, opcode 0, AA=1, RD copied, RA=1, rcode
  header.writeUInt16BE(0x8000 | 0x0400 | rd | 0x0080 | rcode, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(values.length, 6);
  const answers = values.map((v) => {
    const rdata = rdataFor(q.type, v);
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name
    rr.writeUInt16BE(q.type, 2);
    rr.writeUInt16BE(1, 4); // IN
    rr.writeUInt32BE(opts.ttlS ?? 60, 6);
    rr.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([rr, rdata]);
  });
  return { reply: Buffer.concat([header, query.subarray(12, q.end), ...answers]), name: q.name, type: q.type };
}

export function startDnsResponder(opts: DnsResponderOptions): Promise<DnsResponder> {
  const host = opts.host ?? '127.0.0.1';
  const socket: Socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
  const queries: { name: string; type: number }[] = [];
  let malformed = 0;
  let socketErrors = 0;
  socket.on('message', (msg, rinfo) => {
    let reply: Buffer | undefined;
    try {
      const a = answerFor(msg, opts);
      queries.push({ name: a.name, type: a.type });
      reply = a.reply;
    } catch {
      // Not a query we can read: a real server drops it too. Counted for tests that care.
      malformed++;
      return;
    }
    if (reply !== undefined) socket.send(reply, rinfo.port, rinfo.address);
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(opts.port ?? 0, host, () => {
      socket.off('error', reject);
      // After start-up a socket error (e.g. ICMP from a client gone away) must not crash the test.
      socket.on('error', () => socketErrors++);
      resolve({
        host,
        port: socket.address().port,
        queries,
        malformed: () => malformed,
        socketErrors: () => socketErrors,
        stop: () => new Promise<void>((done) => socket.close(() => done())),
      });
    });
  });
}
