/**
 * Windows `ping.exe` output, in any language that writes times as `=12ms`/`<1ms` (English,
 * German, French, Spanish, Italian… but not e.g. Russian `мс`). Fixtures: test/fixtures/ping/windows-*.
 *
 *   Pinging 192.0.2.1 with 56 bytes of data:                 ← header (ends with ':')
 *   Reply from 192.0.2.1: bytes=56 time=12ms TTL=57          ← echo reply: one time token
 *   Reply from 192.0.2.1: bytes=56 time<1ms TTL=57           ← under 1 ms: recorded as 0.5 ms
 *   Request timed out.                                       ← lost (counted from the summary)
 *   Reply from 192.0.2.254: Destination host unreachable.    ← an ICMP error; Windows counts it as "Received"!
 *
 *   Ping statistics for 192.0.2.1:
 *       Packets: Sent = 4, Received = 3, Lost = 1 (25% loss),
 *   Approximate round trip times in milli-seconds:
 *       Minimum = 0ms, Maximum = 12ms, Average = 4ms          ← three time tokens: not a reply
 *
 * Because Windows counts "destination unreachable" answers as received, n3mon counts replies
 * itself and takes only "Sent" from the summary.
 */
import { firstLine, type ParsedPing, type PingErrorKind, type PingFailureKind } from './parsed.ts';

/** `time=12ms`, `Zeit<1ms`, `temps=1 ms`: a comparison, a number, "ms". */
const TIME_TOKEN = /[=<]\s*(\d+(?:[.,]\d+)?)\s*ms\b/gi;
/** Sent = 4, Received = 3, Lost = 1 — the first three `= n` on one line, in that order in every language. */
const SUMMARY = /=\s*(\d+)\s*,[^=\n]*=\s*(\d+)\s*,[^=\n]*=\s*(\d+)/;

/** Windows resolution is 1 ms; "<1ms" is recorded as 0.5 ms, the middle of [0, 1), so it is never a 0. */
export const SUB_MILLISECOND_RTT_MS = 0.5;

const ERROR_KEYWORDS: readonly [RegExp, PingErrorKind][] = [
  // en "Destination host/net unreachable.", de "Zielhost/Zielnetz nicht erreichbar.",
  // fr "Impossible de joindre l'hôte de destination." / "Hôte de destination inaccessible."
  [/unreachable|nicht erreichbar|impossible de joindre|inaccessible|inalcanzable|irraggiungibile/i, 'unreachable'],
  // en "PING: transmit failed. General failure.", de "PING: Fehler bei der Übertragung. Allgemeiner Fehler."
  [/general failure|allgemeiner fehler|transmit failed|fehler bei der|d.faillance g.n.rale|error general/i, 'unreachable'],
  // en "TTL expired in transit.", de "TTL beim Transit abgelaufen.", fr "TTL expiré lors du transit."
  [/ttl expired|ttl beim transit|ttl expir/i, 'ttl_exceeded'],
];

// en "Ping request could not find host foo. Please check the name and try again."
// de 'Ping-Anforderung konnte Host "foo" nicht finden. …'  fr "La requête Ping n'a pas pu trouver l'hôte foo. …"
const UNKNOWN_HOST = /could not find host|konnte host|pas pu trouver|no pudo encontrar|non ha trovato/i;
const PERMISSION = /access denied|zugriff verweigert|acc.s refus/i;

function errorKind(line: string): PingErrorKind | undefined {
  for (const [re, kind] of ERROR_KEYWORDS) if (re.test(line)) return kind;
  return undefined;
}

export function parseWindowsPing(text: string): ParsedPing {
  const out: ParsedPing = { replies: [], duplicates: 0, errors: [] };
  const lines = text
    .split('\n')
    .map((l) => l.replace(/\r$/, '').trim())
    .filter((l) => l !== '');
  let inStatistics = false;
  let sawHeader = false;
  for (const line of lines) {
    if (!inStatistics) {
      if (line.endsWith(':') && !TIME_TOKEN_TEST.test(line)) {
        // The first such line is the header; the next one opens the statistics block.
        if (sawHeader) inStatistics = true;
        sawHeader = true;
        continue;
      }
      const times = [...line.matchAll(TIME_TOKEN)];
      if (times.length === 1) {
        const token = times[0];
        const value = Number((token?.[1] ?? '').replace(',', '.'));
        const lessThan = token?.[0].startsWith('<') === true;
        // "<1ms" means somewhere in [0, 1): the middle of the interval, never 0.
        out.replies.push({ rttMs: lessThan ? value * SUB_MILLISECOND_RTT_MS : value });
        continue;
      }
      const kind = errorKind(line);
      if (kind !== undefined) out.errors.push({ kind, text: line });
      continue;
    }
    const m = SUMMARY.exec(line);
    if (m !== null && out.transmitted === undefined) out.transmitted = Number(m[1]);
  }
  if (out.transmitted === undefined) {
    // Some versions print the statistics without a header we recognised; look once more.
    for (const line of lines) {
      const m = SUMMARY.exec(line);
      if (m !== null) out.transmitted = Number(m[1]);
    }
  }
  if (out.transmitted === undefined && out.replies.length === 0) {
    const first = firstLine(text);
    const kind: PingFailureKind = UNKNOWN_HOST.test(text)
      ? 'unknown_host'
      : PERMISSION.test(text)
        ? 'permission'
        : out.errors.length > 0
          ? 'no_route'
          : 'unrecognised';
    out.failure = { kind, text: first };
  }
  return out;
}

const TIME_TOKEN_TEST = /[=<]\s*\d+(?:[.,]\d+)?\s*ms\b/i;
