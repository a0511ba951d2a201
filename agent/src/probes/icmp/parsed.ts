/**
 * What reading one burst of ping output gives (the Linux and the Windows reader both return it;
 * parse.ts chooses between them). Its own module so that the readers and the chooser import it
 * without importing each other.
 */
export type PingPlatform = 'linux' | 'windows';

/** An ICMP error that came back instead of an echo reply (per packet). */
export type PingErrorKind = 'unreachable' | 'ttl_exceeded';

/** Why ping could not run a burst at all. */
export type PingFailureKind = 'unknown_host' | 'no_route' | 'permission' | 'unrecognised';

export interface PingReply {
  /** icmp_seq where the output says it (Linux); Windows replies come in order without one. */
  seq?: number;
  rttMs: number;
}

export interface ParsedPing {
  /** Echo requests sent, from ping's summary; undefined when there was no summary. */
  transmitted?: number;
  /** Echo replies in order of arrival; duplicates are left out (counted in `duplicates`). */
  replies: PingReply[];
  duplicates: number;
  /** ICMP errors received instead of replies, e.g. "Destination Host Unreachable". */
  errors: { kind: PingErrorKind; text: string }[];
  /** Set when ping gave up before or instead of a burst (unknown host, no route, no permission). */
  failure?: { kind: PingFailureKind; text: string };
}

/** The first non-empty line of ping's output (trimmed, at most 200 characters), for a failure's text. */
export function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  return line.trim().slice(0, 200) || '(no output)';
}
