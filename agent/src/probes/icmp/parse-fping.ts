/**
 * Reading one round of `fping -C COUNT` (5.x, LANG=C) for many targets at once (pure; fixtures in
 * test/fixtures/ping/fping-*.txt). Gives each target the same `ParsedPing` the iputils reader
 * gives for its own burst, so stats and outcomes are computed by the same code (result.ts).
 *
 * What fping prints, stdout and stderr together (the ping helper writes both to one file):
 * - per echo reply, in order of arrival:  `127.0.0.2 : [3], 64 bytes, 0.034 ms (0.031 avg, 0% loss)`
 * - a duplicate reply:                    `127.0.0.2 : duplicate for [3], 64 bytes, 0.041 ms`
 * - an ICMP error instead of a reply:     `ICMP Host Unreachable from 10.200.0.1 for ICMP Echo sent to 10.200.0.9`
 *                                         (also `ICMP Time Exceeded …`, `ICMP Unreachable (Communication with Host Prohibited) …`)
 * - a send that failed:                   `10.200.0.9: error while sending ping: Network is unreachable`
 * - at the end, one line per target with COUNT entries, `-` for a request without reply:
 *                                         `127.0.0.2 : 0.021 0.038 - 0.033`
 * The summary's entry count is what was sent (ParsedPing.transmitted); the reply lines give the
 * RTTs in order of arrival (jitter is defined on that order, as for iputils).
 */
import { firstLine, type ParsedPing, type PingErrorKind } from './parsed.ts';

const REPLY = /^(\S+)\s+:\s+\[(\d+)\],\s+\d+ bytes,\s+([\d.]+) ms\b/;
const DUPLICATE = /^(\S+)\s+:\s+duplicate for \[(\d+)\]/;
const SUMMARY = /^(\S+)\s+:((?:\s+(?:[\d.]+|-))+)\s*$/;
const ICMP_ERROR = /^ICMP (.+?) from \S+ for ICMP Echo sent to (\S+)/;
const SEND_ERROR = /^(\S+?):? error while sending ping: (.+)$/;

function errorKind(text: string): PingErrorKind {
  return /time exceeded/i.test(text) ? 'ttl_exceeded' : 'unreachable';
}

/** Every target's burst in one fping round; a target fping said nothing about gets `failure` unrecognised. */
export function parseFpingRound(text: string, targets: readonly string[]): Map<string, ParsedPing> {
  const out = new Map<string, ParsedPing>();
  for (const t of targets) out.set(t, { replies: [], duplicates: 0, errors: [] });
  const other: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    let m = REPLY.exec(line);
    if (m !== null) {
      out.get(m[1] as string)?.replies.push({ seq: Number(m[2]), rttMs: Number(m[3]) });
      continue;
    }
    m = DUPLICATE.exec(line);
    if (m !== null) {
      const p = out.get(m[1] as string);
      if (p !== undefined) p.duplicates++;
      continue;
    }
    m = ICMP_ERROR.exec(line);
    if (m !== null) {
      out.get(m[2] as string)?.errors.push({ kind: errorKind(m[1] as string), text: line });
      continue;
    }
    m = SEND_ERROR.exec(line);
    if (m !== null) {
      out.get(m[1] as string)?.errors.push({ kind: 'unreachable', text: line });
      continue;
    }
    m = SUMMARY.exec(line);
    if (m !== null) {
      const p = out.get(m[1] as string);
      if (p !== undefined) p.transmitted = (m[2] as string).trim().split(/\s+/).length;
      continue;
    }
    other.push(line);
  }
  for (const p of out.values()) {
    // No summary line for this target: fping did not run the burst (a usage error, no
    // permission, killed). Its own message, if any, says why.
    if (p.transmitted === undefined && p.replies.length === 0) {
      const said = other.join('\n');
      const kind = /permission|not permitted|can't create socket|must run as root/i.test(said) ? 'permission' : 'unrecognised';
      p.failure = { kind, text: firstLine(said) };
    }
  }
  return out;
}

/** The lines of a round that concern `target` (for the log of an output n3mon could not read). */
export function fpingLinesFor(text: string, target: string): string {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${target} `) || l.startsWith(`${target}:`) || l.endsWith(` ${target}`))
    .join('\n');
}
