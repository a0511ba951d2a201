/** Line charts (host metrics, interface utilisation and errors, connect times) and stacked phases. */
import type uPlot from 'uplot';
import { HTTP_PHASES } from '../../../../shared/src/metrics.ts';
import { fmtWithUnit } from '../format.ts';
import type { Point } from '../types.ts';
import { align, makeChart, PALETTE, type ChartHandle } from './chart.ts';

export interface LineSeries {
  label: string;
  points: readonly Point[];
  /** Which bucket figure to draw (default mean). */
  pick?: 'mean' | 'p50' | 'p95' | 'max';
  /** Multiply values (ratio → % is 100). */
  scale?: number;
  dash?: boolean;
}

export interface LinesInput {
  title: string;
  unit: string;
  series: readonly LineSeries[];
  from: number;
  to: number;
  yMax?: number;
  onZoom?: (from: number, to: number) => void;
  /** Extra sentence for the text summary. */
  note?: string;
}

function stats(col: readonly (number | null)[]): { last: number | null; max: number | null } {
  let last: number | null = null;
  let max: number | null = null;
  for (const v of col) {
    if (v === null) continue;
    last = v;
    if (max === null || v > max) max = v;
  }
  return { last, max };
}

export function linesChart(input: LinesInput): ChartHandle {
  const { xs, ys } = align(
    input.series.map((s) => s.points),
    (p) => p.ts,
    input.series.map((s) => [(p: Point) => p[s.pick ?? 'mean'] * (s.scale ?? 1)]),
  );
  const parts = input.series.map((s, i) => {
    const st = stats(ys[i] ?? []);
    return `${s.label}: latest ${fmtWithUnit(st.last, input.unit)}, peak ${fmtWithUnit(st.max, input.unit)}`;
  });
  const summary = xs.length === 0 ? 'No data in this period.' : `${parts.join('; ')}.${input.note === undefined ? '' : ` ${input.note}`}`;
  const series: uPlot.Series[] = input.series.map((s, i) => ({
    label: s.label,
    stroke: PALETTE[i % PALETTE.length],
    width: 2,
    ...(s.dash === true ? { dash: [6, 4] } : {}),
    spanGaps: false,
    points: { show: xs.length < 60 },
    value: (_u: uPlot, v: number | null) => fmtWithUnit(v, input.unit),
  }));
  return makeChart({
    title: input.title,
    summary,
    unit: input.unit,
    from: input.from,
    to: input.to,
    ...(input.onZoom === undefined ? {} : { onZoom: input.onZoom }),
    ...(input.yMax === undefined ? {} : { yRange: (_u: uPlot, _min: number, max: number) => [0, Math.max(input.yMax as number, max)] as uPlot.Range.MinMax }),
    data: [xs, ...ys],
    series,
  });
}

export const PHASES = HTTP_PHASES;
const PHASE_TITLES: Record<(typeof PHASES)[number], string> = { dns: 'DNS', connect: 'Connect', tls: 'TLS', ttfb: 'Time to first byte', transfer: 'Transfer' };
const PHASE_FILL = ['rgba(0,114,178,0.55)', 'rgba(213,94,0,0.55)', 'rgba(0,158,115,0.55)', 'rgba(204,121,167,0.6)', 'rgba(86,180,233,0.6)'];

/** Median time of each HTTP phase per bucket, stacked: the top edge is the median total. */
export function phasesChart(input: {
  title: string;
  phases: Partial<Record<(typeof PHASES)[number], readonly Point[]>>;
  total?: readonly Point[];
  from: number;
  to: number;
  onZoom?: (from: number, to: number) => void;
}): ChartHandle {
  const present = PHASES.filter((p) => (input.phases[p]?.length ?? 0) > 0);
  const lists = [...present.map((p) => input.phases[p] as readonly Point[]), input.total ?? []];
  const { xs, ys } = align(
    lists,
    (p) => p.ts,
    lists.map((_l, i) => [(p: Point) => (i < present.length ? p.p50 : p.p95)]),
  );
  const raw = ys.slice(0, present.length);
  const total95 = ys[present.length] ?? [];
  // Stack: each phase's top edge is the sum of it and the phases before it.
  const stacked: (number | null)[][] = [];
  raw.forEach((col, i) => stacked.push(col.map((v, j) => (v === null ? null : v + (i === 0 ? 0 : (stacked[i - 1]![j] ?? 0))))));
  const series: uPlot.Series[] = present.map((p, i) => ({
    label: PHASE_TITLES[p],
    stroke: PALETTE[i],
    width: 1,
    fill: PHASE_FILL[i],
    points: { show: false },
    value: (_u: uPlot, _v: number | null, _si: number, idx: number | null) => fmtWithUnit(idx === null ? null : (raw[i]?.[idx] ?? null), 'ms'),
  }));
  const bands: uPlot.Band[] = present.slice(1).map((_p, i) => ({ series: [i + 2, i + 1] as [number, number], fill: PHASE_FILL[i + 1] as string }));
  // With bands, only the lowest phase fills down to zero.
  series.forEach((s, i) => {
    if (i > 0) delete s.fill;
  });
  if ((input.total?.length ?? 0) > 0)
    series.push({ label: 'Total p95', stroke: '#24292f', width: 1.5, dash: [5, 4], points: { show: false }, value: (_u, v) => fmtWithUnit(v, 'ms') });
  const tops = stacked[stacked.length - 1] ?? [];
  const med = tops.filter((v): v is number => v !== null).sort((a, b) => a - b);
  const summary =
    med.length === 0
      ? 'No data in this period.'
      : `Median total ${fmtWithUnit(med[Math.floor((med.length - 1) / 2)], 'ms')}, slowest bucket ${fmtWithUnit(med[med.length - 1], 'ms')}; phases ${present.map((p) => PHASE_TITLES[p]).join(', ')}.`;
  return makeChart({
    title: input.title,
    summary,
    unit: 'ms',
    from: input.from,
    to: input.to,
    ...(input.onZoom === undefined ? {} : { onZoom: input.onZoom }),
    data: [xs, ...stacked, ...((input.total?.length ?? 0) > 0 ? [total95] : [])],
    series,
    bands,
  });
}
