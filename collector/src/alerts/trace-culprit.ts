/**
 * Which hop of a path trace introduced the loss or delay seen end to end (pure): the first hop
 * whose figure explains the last hop's, and which every later answering hop keeps (a router
 * that only rate-limits its own ICMP answers shows loss that does not carry on, so it is not
 * the culprit). Loss first (it is what breaks applications), then delay.
 *
 * - loss: the first hop with loss ≥ a quarter of the end-to-end loss (and ≥ 0.02) after which
 *   every answering hop also has loss ≥ 0.02. A quarter, not all of it: a router that drops a
 *   share p of what it receives loses p of the probes to itself but 1 − (1 − p)² of those to
 *   hops beyond it (the probe and the answer both cross it), and a few probes per hop are noisy;
 * - delay: the first hop whose RTT jump over the best earlier hop is ≥ half the end-to-end RTT
 *   above hop 1 (and ≥ 5 ms), kept by every later answering hop.
 */
export interface TracedHop {
  hop: number;
  addr: string;
  lossRatio: number;
  rttMs?: number;
}

export interface Culprit {
  hop: number;
  addr: string;
  why: 'loss' | 'delay';
}

const NO_ANSWER = '???';
export const MIN_LOSS = 0.02;
export const MIN_JUMP_MS = 5;

export function traceCulprit(hops: readonly TracedHop[]): Culprit | undefined {
  const answering = [...hops].filter((h) => h.addr !== NO_ANSWER).sort((a, b) => a.hop - b.hop);
  const end = answering[answering.length - 1];
  if (end === undefined) return undefined;
  if (end.lossRatio >= MIN_LOSS) {
    for (let i = 0; i < answering.length; i++) {
      const h = answering[i] as TracedHop;
      if (h.lossRatio >= Math.max(end.lossRatio / 4, MIN_LOSS) && answering.slice(i).every((x) => x.lossRatio >= MIN_LOSS))
        return { hop: h.hop, addr: h.addr, why: 'loss' };
    }
  }
  const timed = answering.filter((h) => h.rttMs !== undefined) as (TracedHop & { rttMs: number })[];
  const first = timed[0];
  const last = timed[timed.length - 1];
  if (first === undefined || last === undefined) return undefined;
  const excess = last.rttMs - first.rttMs;
  if (excess < MIN_JUMP_MS) return undefined;
  for (let i = 1; i < timed.length; i++) {
    const h = timed[i] as TracedHop & { rttMs: number };
    const before = Math.min(...timed.slice(0, i).map((x) => x.rttMs));
    const jump = h.rttMs - before;
    if (jump >= Math.max(excess / 2, MIN_JUMP_MS) && timed.slice(i).every((x) => x.rttMs - before >= excess / 2))
      return { hop: h.hop, addr: h.addr, why: 'delay' };
  }
  return undefined;
}
