/**
 * When each check first runs (pure). Checks that share an interval are spread evenly over a
 * window — min(intervalMs, maxSpreadMs) — with stratified jitter: check i of n gets its own
 * 1/n-th of the window and a random point inside it. So 20 ICMP targets at 30 s start ~1.5 s
 * apart (never all at once, never bunched by bad luck), and restarts of many agents do not line
 * up either. Offsets are relative to the scheduler's start.
 */
export interface SpreadInput {
  readonly intervalMs: number;
}

export interface SpreadOptions {
  /** Longest first wait, so an hourly check does not wait an hour after start. */
  maxSpreadMs: number;
  /** [0, 1); Math.random by default. */
  random?: () => number;
}

export function startOffsets(checks: readonly SpreadInput[], opts: SpreadOptions): number[] {
  const random = opts.random ?? Math.random;
  const groups = new Map<number, number[]>();
  checks.forEach((c, i) => {
    const g = groups.get(c.intervalMs);
    if (g === undefined) groups.set(c.intervalMs, [i]);
    else g.push(i);
  });
  const offsets = new Array<number>(checks.length).fill(0);
  for (const [intervalMs, members] of groups) {
    const window = Math.min(intervalMs, opts.maxSpreadMs);
    const n = members.length;
    members.forEach((checkIndex, k) => {
      const u = Math.min(Math.max(random(), 0), 1 - Number.EPSILON);
      offsets[checkIndex] = Math.floor(((k + u) * window) / n);
    });
  }
  return offsets;
}
