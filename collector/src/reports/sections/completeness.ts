/**
 * Data completeness: share of expected runs received; gaps shown as unknown, never as up. Expected
 * runs are those of the judged time (the elapsed part of a month in progress).
 */
import { availabilityOf, MIN_RUNS_PER_HOUR, runsIn } from '../accounting.ts';
import { bucketsOf, type ReportContext } from '../context.ts';
import { intersect, totalMs } from '../intervals.ts';
import type { CompletenessRow, CompletenessSection } from '../model.ts';
import { HOUR_MS } from '../month.ts';
import { eachHour } from '../hour-map.ts';
import { pieceKey } from '../periods.ts';
import { ACCOUNTING, type Rag } from '../rules.ts';

export function completenessRag(overall: number | null): Rag {
  if (overall === null) return 'grey';
  if (overall >= ACCOUNTING.completenessGreen) return 'green';
  if (overall >= ACCOUNTING.completenessAmber) return 'amber';
  return 'red';
}

export function buildCompletenessSection(ctx: ReportContext): CompletenessSection {
  const checks: CompletenessRow[] = [];
  const notAssessed: CompletenessSection['notAssessed'] = [];
  const assessed: string[] = [];
  for (const c of ctx.index.checks) {
    const r = ctx.runs.get(c.key);
    if (r === undefined || r.success.length === 0) continue;
    if (r.runsPerHour < MIN_RUNS_PER_HOUR) {
      notAssessed.push({ check: c.check, reason: r.runsPerHour === 0 ? 'no runs this month' : 'runs less than twice an hour' });
      continue;
    }
    const a = availabilityOf(runsIn(bucketsOf(ctx, r.success), ctx.all), ctx.all.lengthMs, r.runsPerHour);
    checks.push({
      check: c.check,
      role: c.role,
      kind: c.kind,
      runsPerHour: r.runsPerHour,
      expected: a.expected,
      received: Math.min(a.runs, a.expected),
      completeness: a.completeness,
      unknownMs: a.unknownMs,
    });
    assessed.push(c.key);
  }
  const expected = checks.reduce((n, c) => n + c.expected, 0);
  const received = checks.reduce((n, c) => n + c.received, 0);
  const overall = expected === 0 ? null : received / expected;

  // Per day: received (capped per check and hour) over expected, within the accounted 24×7 time.
  const got = ctx.frame.days.map(() => 0);
  const exp = ctx.frame.days.map((day) => totalMs(intersect([{ from: day.start, to: day.end }], ctx.all.intervals)) / HOUR_MS);
  let perHour = 0;
  for (const key of assessed) {
    const r = ctx.runs.get(key);
    if (r === undefined) continue;
    perHour += r.runsPerHour;
    eachHour(r.hourly, (h, rc) => {
      const i = ctx.dayOfHour.get(h);
      if (i !== undefined && ctx.all.hourSet.has(h)) got[i] = (got[i] as number) + Math.min(rc.runs, r.runsPerHour);
    });
    const success = bucketsOf(ctx, r.success);
    for (const p of ctx.all.plan.pieces) {
      const i = ctx.dayOfHour.get(Math.floor(p.from / HOUR_MS) * HOUR_MS);
      if (i === undefined) continue;
      let n = 0;
      for (const d of success) n += d.pieces.get(pieceKey(p))?.count ?? 0;
      got[i] = (got[i] as number) + Math.min(n, ((p.to - p.from) / HOUR_MS) * r.runsPerHour);
    }
  }
  // Days not yet begun (a month in progress) are not listed: they are neither complete nor unknown.
  const daily = ctx.frame.days.flatMap((day, i) => {
    if (day.start >= ctx.judged.to) return [];
    const expected = (exp[i] as number) * perHour;
    return [{ date: day.date, completeness: expected === 0 ? null : Math.min(1, (got[i] as number) / expected) }];
  });

  // Gaps: whole accounted hours in which no assessed check ran at all.
  const gaps: CompletenessSection['gaps'] = [];
  if (assessed.length > 0) {
    let start: number | undefined;
    let last = 0;
    const flush = (): void => {
      if (start !== undefined && last - start >= ACCOUNTING.minListedGapMs) gaps.push({ start, end: last, durationMs: last - start });
      start = undefined;
    };
    const runs = assessed.map((k) => ctx.runs.get(k)?.hourly).filter((m) => m !== undefined);
    for (const h of ctx.all.plan.hours) {
      let silent = true;
      for (const m of runs) if ((m.get(h)?.runs ?? 0) > 0) silent = false;
      if (silent) {
        if (start === undefined || h !== last) {
          flush();
          start = h;
        }
        last = h + HOUR_MS;
      } else {
        flush();
      }
    }
    flush();
  }
  return { overall, expected, received, checks, notAssessed, daily, gaps, rag: completenessRag(overall) };
}
