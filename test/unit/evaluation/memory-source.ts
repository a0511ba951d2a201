/**
 * A small in-memory stand-in for the SeriesStore's read side (findSeries + raw), so the rule
 * evaluator's event-time logic can be unit-tested with a fake clock. The real SQLite store is
 * exercised by the integration tests.
 */
import type { RawPoint, SeriesSelector, StoredSeries } from '../../../collector/src/storage/types.ts';
import type { Clock } from '../../../shared/src/clock.ts';
import type { IngestedBatch } from '../../../collector/src/status/provider.ts';
import type { EvaluationEvent, EvaluationSink, AgentProgressReport } from '../../../collector/src/evaluation/events.ts';

export class MemorySource {
  private readonly series = new Map<string, StoredSeries & { points: RawPoint[] }>();
  rawCalls = 0;
  private observer: { onBatch(b: IngestedBatch): void } | undefined;
  private clock: Clock | undefined;

  /** Tell `observer` about every write, as the collector's ingest does (arrival = clock.now()). */
  attach(observer: { onBatch(b: IngestedBatch): void }, clock: Clock): void {
    this.observer = observer;
    this.clock = clock;
  }

  stats(): { series: number; samplesWritten: number } {
    return { series: this.series.size, samplesWritten: 0 };
  }

  id(practice: string, agent: string, metric: string, labels: Record<string, string>): string {
    return `${practice}/${agent}/${metric}/${JSON.stringify(Object.entries(labels).sort())}`;
  }

  /** Store samples (any order; kept sorted), as ingest would. Returns the series id. */
  write(practice: string, agent: string, metric: string, labels: Record<string, string>, points: readonly RawPoint[]): string {
    const id = this.id(practice, agent, metric, labels);
    let s = this.series.get(id);
    if (s === undefined) this.series.set(id, (s = { id, practice, agent, metric, labels, points: [] }));
    let sorted = true;
    for (const p of points) {
      const last = s.points.at(-1);
      if (last === undefined || p.ts > last.ts) {
        s.points.push(p);
        continue;
      }
      const i = s.points.findIndex((q) => q.ts === p.ts);
      if (i >= 0) s.points[i] = p;
      else {
        s.points.push(p);
        sorted = false;
      }
    }
    if (!sorted) s.points.sort((a, b) => a.ts - b.ts);
    s.lastTs = s.points.at(-1)?.ts;
    this.observer?.onBatch({ practice, agent, receivedAt: this.clock?.now() ?? 0, samples: points.map((p) => ({ metric, labels, ts: p.ts, value: p.value })) });
    return id;
  }

  async findSeries(sel: SeriesSelector): Promise<StoredSeries[]> {
    const metrics = sel.metric === undefined ? undefined : new Set(typeof sel.metric === 'string' ? [sel.metric] : sel.metric);
    const out: StoredSeries[] = [];
    for (const s of this.series.values()) {
      if (metrics !== undefined && !metrics.has(s.metric)) continue;
      const { points: _points, ...rest } = s;
      out.push({ ...rest });
    }
    return out;
  }

  async raw(seriesId: string, from: number, to: number): Promise<RawPoint[]> {
    this.rawCalls++;
    return (this.series.get(seriesId)?.points ?? []).filter((p) => p.ts >= from && p.ts < to);
  }
}

export class FakeClock implements Clock {
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  monotonic(): number {
    return this.t;
  }
}

export class RecordingSink implements EvaluationSink {
  readonly events: EvaluationEvent[] = [];
  readonly progress: AgentProgressReport[] = [];
  onEvent(e: EvaluationEvent): void {
    this.events.push(e);
  }
  onProgress(p: AgentProgressReport): void {
    this.progress.push(p);
  }
  /** The comparable essence of the events. */
  summary(filter?: (e: EvaluationEvent) => boolean): string[] {
    return this.events
      .filter(filter ?? (() => true))
      .map(
        (e) =>
          `${e.kind} ${e.rule.id} ${e.practice} ${e.previous}→${e.severity} at=${iso(e.at)} start=${iso(e.startedAt)}${e.endedAt === undefined ? '' : ` end=${iso(e.endedAt)}`}${e.cause === undefined ? '' : ` cause=${e.cause.ruleId}`}`,
      );
  }
}

export const iso = (t: number): string => new Date(t).toISOString().slice(11, 16);

/** Samples every `everyMs` in [from, to) with value f(ts). */
export function samples(from: number, to: number, everyMs: number, f: (ts: number) => number): RawPoint[] {
  const out: RawPoint[] = [];
  for (let ts = from; ts < to; ts += everyMs) out.push({ ts, value: f(ts) });
  return out;
}
