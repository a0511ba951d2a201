/**
 * From practice breaches to national-incident episodes (pure; event time throughout).
 *
 * A practice is breaching while any of its alerts for the (rule, scope) is ([startedAt, endedAt)).
 * An episode opens at the first breach start at which at least `needed` practices are breaching
 * whose current breach started within `windowMs` of it; the episode starts at the earliest of
 * those starts. It stays open while at least `needed` practices breach and is resolved once
 * fewer have been breaching for `resolveAfterMs`; it ended when they became fewer. Members are the
 * practices (and alerts) whose breaches overlap the episode. Order of arrival does not matter: the
 * same breaches give the same episodes, so a backlog delivered late lands in the right incident.
 */
export interface Breach {
  alertId: number;
  practice: string;
  startedAt: number;
  /** null while still breaching. */
  endedAt: number | null;
}

export interface CorrelateOptions {
  needed: number;
  windowMs: number;
  resolveAfterMs: number;
  /** How far event time has got (below-threshold time after the last breach change counts up to here). */
  eventNow: number;
}

export interface Episode {
  startedAt: number;
  /** When the threshold was reached (event time). */
  openedAt: number;
  /** null while open. */
  endedAt: number | null;
  /** Most practices breaching at once. */
  peak: number;
  /** Practices breaching at the end of the episode, or now while open. */
  current: number;
  members: Breach[];
}

interface Edge {
  t: number;
  practice: string;
  start: boolean;
}

export function correlate(breaches: readonly Breach[], opt: CorrelateOptions): Episode[] {
  const edges: Edge[] = [];
  for (const b of breaches) {
    if (b.endedAt !== null && b.endedAt <= b.startedAt) continue;
    edges.push({ t: b.startedAt, practice: b.practice, start: true });
    if (b.endedAt !== null) edges.push({ t: b.endedAt, practice: b.practice, start: false });
  }
  // At one instant, ends before starts ([start, end) intervals).
  edges.sort((x, y) => x.t - y.t || Number(x.start) - Number(y.start));
  const depth = new Map<string, number>();
  const since = new Map<string, number>();
  const spans: { startedAt: number; openedAt: number; endedAt: number | null; peak: number; current: number }[] = [];
  let open: (typeof spans)[number] | undefined;
  let belowSince: number | undefined;

  const closeIfHeld = (t: number): void => {
    if (open !== undefined && belowSince !== undefined && t >= belowSince + opt.resolveAfterMs) {
      open.endedAt = belowSince;
      open = undefined;
      belowSince = undefined;
    }
  };

  for (const e of edges) {
    closeIfHeld(e.t);
    const d = depth.get(e.practice) ?? 0;
    if (e.start) {
      depth.set(e.practice, d + 1);
      if (d === 0) since.set(e.practice, e.t);
    } else if (d <= 1) {
      depth.delete(e.practice);
      since.delete(e.practice);
    } else depth.set(e.practice, d - 1);
    const active = since.size;
    if (open !== undefined) {
      open.peak = Math.max(open.peak, active);
      open.current = active;
      if (active >= opt.needed) belowSince = undefined;
      else belowSince ??= e.t;
      continue;
    }
    if (!e.start) continue;
    const recent = [...since.values()].filter((s) => s >= e.t - opt.windowMs);
    if (recent.length < opt.needed) continue;
    open = { startedAt: Math.min(...recent), openedAt: e.t, endedAt: null, peak: active, current: active };
    spans.push(open);
    belowSince = undefined;
  }
  closeIfHeld(opt.eventNow);

  return spans.map((s) => ({
    ...s,
    members: breaches.filter((b) => b.startedAt < (s.endedAt ?? Infinity) && (b.endedAt ?? Infinity) > s.startedAt),
  }));
}
