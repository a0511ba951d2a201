/**
 * From what `mtr --json` printed to hops (pure). mtr (Debian `mtr-tiny` 0.95) sends `-c` probes to
 * every TTL up to `-m` and reports, per hop, the address that answered (`???` when none did),
 * the loss in percent and the mean RTT of the answers.
 */
export interface TraceHop {
  /** TTL, 1-based. */
  hop: number;
  /** The address that answered, or `???` when no probe to this TTL was answered. */
  addr: string;
  /** 0..1. */
  lossRatio: number;
  /** Mean RTT of the answers; undefined when none came back. */
  avgMs?: number;
  sent: number;
}

export const NO_ANSWER = '???';

export type ParsedTrace = { ok: true; hops: TraceHop[] } | { ok: false; message: string };

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

export function parseMtrJson(output: string): ParsedTrace {
  const start = output.indexOf('{');
  if (start < 0) return { ok: false, message: `no JSON in mtr output: ${output.trim().slice(0, 200)}` };
  let doc: unknown;
  try {
    doc = JSON.parse(output.slice(start));
  } catch (err) {
    return { ok: false, message: `mtr output is not JSON: ${(err as Error).message}` };
  }
  const hubs = (doc as { report?: { hubs?: unknown } }).report?.hubs;
  if (!Array.isArray(hubs)) return { ok: false, message: 'mtr output has no report.hubs' };
  const hops: TraceHop[] = [];
  for (const h of hubs as Record<string, unknown>[]) {
    const hop = Number(h['count']);
    const loss = Number(h['Loss%']);
    const sent = Number(h['Snt']);
    const avg = Number(h['Avg']);
    const addr = typeof h['host'] === 'string' && h['host'] !== '' ? h['host'] : NO_ANSWER;
    if (!Number.isInteger(hop) || hop < 1 || !Number.isFinite(loss)) return { ok: false, message: `unreadable mtr hop: ${JSON.stringify(h).slice(0, 200)}` };
    const lossRatio = round3(Math.min(1, Math.max(0, loss / 100)));
    hops.push({
      hop,
      addr,
      lossRatio,
      sent: Number.isFinite(sent) ? sent : 0,
      ...(addr !== NO_ANSWER && lossRatio < 1 && Number.isFinite(avg) ? { avgMs: round3(avg) } : {}),
    });
  }
  return { ok: true, hops };
}
