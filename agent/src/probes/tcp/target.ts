/**
 * `host:port` targets (pure): `203.0.113.10:443`, `spine.example.nhs.uk:443`, `[2001:db8::1]:443`.
 * Also used by the dns probe for `server: "ip[:port]"`.
 */
import { isIP } from 'node:net';

export interface HostPort {
  /** Without brackets for IPv6. */
  host: string;
  port: number;
  /** 4 or 6 for an IP literal, 0 for a name. */
  family: 0 | 4 | 6;
}

export type HostPortParse = { ok: true; value: HostPort } | { ok: false; problem: string };

const BRACKETED = /^\[([^\]]+)\](?::(\d+))?$/;
const PLAIN = /^([^:[\]\s]+)(?::(\d+))?$/;

/**
 * Splits `host:port` (`[v6]:port` for IPv6). With `defaultPort`, the port may be left out; a bare
 * IPv6 address is then accepted too (`::1` means `[::1]:defaultPort`).
 */
export function parseHostPort(text: string, opts: { defaultPort?: number } = {}): HostPortParse {
  let host: string | undefined;
  let portText: string | undefined;
  const bracketed = BRACKETED.exec(text);
  const plain = PLAIN.exec(text);
  if (bracketed !== null) {
    host = bracketed[1];
    portText = bracketed[2];
    if (isIP(stripZone(host ?? '')) !== 6) return { ok: false, problem: `'${host}' in brackets is not an IPv6 address` };
  } else if (plain !== null) {
    host = plain[1];
    portText = plain[2];
  } else if (opts.defaultPort !== undefined && isIP(stripZone(text)) === 6) {
    host = text;
  } else {
    return {
      ok: false,
      problem:
        text.includes(':') && isIP(stripZone(text)) === 6 ? `an IPv6 address needs brackets and a port, e.g. [${text}]:443` : `'${text}' is not host:port`,
    };
  }
  if (host === undefined || host === '') return { ok: false, problem: `'${text}' has no host` };
  if (host.startsWith('-')) return { ok: false, problem: `'${host}' is not a host name` };
  let port: number;
  if (portText === undefined) {
    if (opts.defaultPort === undefined) return { ok: false, problem: `'${text}' has no port (host:port, [IPv6]:port)` };
    port = opts.defaultPort;
  } else {
    port = Number(portText);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) return { ok: false, problem: `port ${portText} is not in 1..65535` };
  const family = isIP(stripZone(host));
  return { ok: true, value: { host, port, family: family === 4 ? 4 : family === 6 ? 6 : 0 } };
}

function stripZone(host: string): string {
  return host.replace(/%.*$/, '');
}
