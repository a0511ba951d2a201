/**
 * Reading what the system ping printed (pure; fixtures in test/fixtures/ping/). The `ping` npm
 * package runs the binary and hands back its raw output; its own parsed numbers are strings or
 * "unknown" and lose the per-packet detail, so n3mon reads the text itself.
 *
 * Linux (iputils) output is read under LANG=C (the ping package sets it). Windows output is
 * localised and arrives decoded as UTF-8 from the console's OEM code page, so accented letters
 * may be U+FFFD: the Windows reader matches on digits, `=`, `<`, `ms`, `TTL` and a few ASCII
 * keywords per language only (see parse-windows.ts).
 */
import { firstLine, type ParsedPing, type PingErrorKind, type PingFailureKind, type PingPlatform } from './parsed.ts';
import { parseWindowsPing } from './parse-windows.ts';

export type { ParsedPing, PingErrorKind, PingFailureKind, PingPlatform, PingReply } from './parsed.ts';

export function parsePingOutput(text: string, platform: PingPlatform): ParsedPing {
  return platform === 'windows' ? parseWindowsPing(text) : parseLinuxPing(text);
}

// 64 bytes from 10.200.0.2: icmp_seq=7 ttl=64 time=0.065 ms
// 64 bytes from localhost (127.0.0.1): icmp_seq=1 ttl=64 time=0.030 ms (DUP!)
const LINUX_REPLY = /\bicmp_seq=(\d+)\b.*\btime[=<]([\d.]+) ?ms\b(.*)$/;
// From 10.200.0.1 icmp_seq=1 Destination Host Unreachable
const LINUX_ERROR = /^From \S+(?: \(\S+\))? icmp_seq=(\d+) (.+)$/;
// 10 packets transmitted, 0 received, +6 errors, 100% packet loss, time 4610ms  (BSD/macOS: "packets received")
const LINUX_SUMMARY = /^(\d+) packets transmitted, (\d+) (?:packets )?received\b/;

function linuxErrorKind(text: string): PingErrorKind | undefined {
  if (/time to live exceeded/i.test(text)) return 'ttl_exceeded';
  // Host/Net/Port/Protocol Unreachable, "Packet filtered" (admin prohibited), "Source Route Failed".
  if (/unreachable|filtered|source route failed|frag needed/i.test(text)) return 'unreachable';
  return undefined; // Redirects and the like are advice, not a failure of this packet.
}

function linuxFailureKind(message: string): PingFailureKind {
  if (/name or service not known|unknown host|temporary failure in name resolution|no address associated|cannot resolve|name resolution/i.test(message))
    return 'unknown_host';
  if (/network is unreachable|no route to host/i.test(message)) return 'no_route';
  if (/operation not permitted|permission denied|cannot flood|only super-user/i.test(message)) return 'permission';
  return 'unrecognised';
}

export function parseLinuxPing(text: string): ParsedPing {
  const out: ParsedPing = { replies: [], duplicates: 0, errors: [] };
  const messages: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    let m = LINUX_REPLY.exec(line);
    if (m !== null) {
      if (/\(DUP!\)/.test(m[3] ?? '')) out.duplicates++;
      else out.replies.push({ seq: Number(m[1]), rttMs: Number(m[2]) });
      continue;
    }
    m = LINUX_ERROR.exec(line);
    if (m !== null) {
      const kind = linuxErrorKind(m[2] ?? '');
      if (kind !== undefined) out.errors.push({ kind, text: line });
      continue;
    }
    m = LINUX_SUMMARY.exec(line);
    if (m !== null) {
      out.transmitted = Number(m[1]);
      continue;
    }
    // "ping: nonexistent.invalid: Name or service not known", "ping: sendmsg: Network is unreachable"
    if (/^ping\d?: /.test(line)) messages.push(line);
  }
  if (messages.length > 0) {
    const kind = linuxFailureKind(messages[0] ?? '');
    // sendmsg errors during a burst are per-packet: the summary still counts what was sent.
    if (out.transmitted !== undefined && kind === 'no_route') {
      for (const text of messages) out.errors.push({ kind: 'unreachable', text });
    } else if (out.transmitted === undefined) {
      out.failure = { kind, text: messages[0] ?? '' };
    }
  }
  if (out.transmitted === undefined && out.failure === undefined && out.replies.length === 0) {
    out.failure = { kind: 'unrecognised', text: firstLine(text) };
  }
  return out;
}
