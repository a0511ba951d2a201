/**
 * uPlot, set up once for the dashboard: time axis in epoch ms (browser's zone), a y axis that
 * prints the metric's unit, width that follows the container, and drag-to-zoom that asks the page
 * for a new time range (so the data is fetched again at a finer step) instead of only stretching
 * the points already loaded. Each chart sits in a <figure> with a caption and a text summary for
 * screen readers.
 */
import uPlot from 'uplot';
import { h } from '../dom.ts';
import { fmtWithUnit } from '../format.ts';

/** Okabe–Ito: distinguishable with the common colour-vision deficiencies, and dark enough on white. */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#56B4E9', '#E69F00', '#000000', '#7A5195'];

export interface ChartHandle {
  el: HTMLElement;
  destroy(): void;
}

export interface ChartOptions {
  title: string;
  /** One sentence with the figures a sighted user reads off the chart. */
  summary: string;
  unit: string;
  height?: number;
  series: uPlot.Series[];
  data: uPlot.AlignedData;
  bands?: uPlot.Band[];
  hooks?: uPlot.Hooks.Arrays;
  yRange?: uPlot.Scale['range'];
  extraScales?: Record<string, uPlot.Scale>;
  /** Called with the dragged time range [from, to) in epoch ms. */
  onZoom?: (from: number, to: number) => void;
  /** Shown under the chart (e.g. a colour legend). */
  footer?: HTMLElement;
  from: number;
  to: number;
}

export function yAxis(unit: string): uPlot.Axis {
  return {
    size: unit === 'bps' ? 84 : 64, // "100 Mbit/s" is wider than "100 ms" or "75 %"
    values: (_u, splits) => splits.map((v) => (v === null || v === undefined ? '' : fmtWithUnit(v, unit))),
    grid: { stroke: '#d8dee4', width: 1 },
    stroke: '#24292f',
  };
}

const HM = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit' });
const DM = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short' });
const DMHM = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });

/** Time ticks in 24-hour en-GB: 14:30 within a day or so, 25 Nov (and the time when not midnight) beyond. */
export function timeTicks(_u: uPlot, splits: number[], _axis: number, _space: number, incr: number): string[] {
  const days = incr >= 86_400_000;
  return splits.map((t, i) => {
    const d = new Date(t);
    const midnight = d.getHours() === 0 && d.getMinutes() === 0;
    if (days) return DM.format(t);
    if (i === 0 || midnight) return midnight ? DM.format(t) : DMHM.format(t);
    return HM.format(t);
  });
}

let counter = 0;

export function makeChart(opts: ChartOptions): ChartHandle {
  const id = `chart-${++counter}`;
  const plotEl = h('div', { class: 'chart-plot', role: 'img', 'aria-label': `${opts.title}. ${opts.summary}` });
  const figure = h(
    'figure',
    { class: 'chart', 'aria-labelledby': `${id}-cap` },
    h('figcaption', { id: `${id}-cap` }, h('span', { class: 'chart-title' }, opts.title), h('span', { class: 'chart-summary' }, opts.summary)),
    plotEl,
    opts.footer ?? null,
  );
  let u: uPlot | undefined;
  let observer: ResizeObserver | undefined;
  const width = () => Math.max(280, Math.floor(plotEl.clientWidth || figure.clientWidth || 600));

  const build = () => {
    const options: uPlot.Options = {
      width: width(),
      height: opts.height ?? 220,
      ms: 1,
      series: [{ label: 'Time', value: (_u, v) => (v === null ? '—' : new Date(v).toLocaleString('en-GB')) }, ...opts.series],
      scales: {
        x: { time: true, range: () => [opts.from, opts.to] },
        y: { range: opts.yRange ?? ((_u, _min, max) => [0, max > 0 ? max * 1.1 : 1]) },
        ...opts.extraScales,
      },
      axes: [{ stroke: '#24292f', grid: { stroke: '#d8dee4', width: 1 }, space: 90, values: timeTicks }, yAxis(opts.unit)],
      bands: opts.bands ?? [],
      legend: { live: true },
      cursor: { drag: { x: true, y: false, setScale: false }, points: { size: 7 } },
      hooks: {
        ...opts.hooks,
        setSelect: [
          (self) => {
            if (self.select.width < 4) return;
            const from = Math.round(self.posToVal(self.select.left, 'x'));
            const to = Math.round(self.posToVal(self.select.left + self.select.width, 'x'));
            self.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            if (to - from >= 60_000) opts.onZoom?.(from, to);
          },
          ...(opts.hooks?.setSelect ?? []),
        ],
      },
    };
    u = new uPlot(options, opts.data, plotEl);
  };

  // Build once the figure is in the document (it needs a width).
  requestAnimationFrame(() => {
    if (!figure.isConnected) return;
    build();
    observer = new ResizeObserver(() => {
      if (u !== undefined && Math.abs(u.width - width()) > 2) u.setSize({ width: width(), height: opts.height ?? 220 });
    });
    observer.observe(plotEl);
  });

  return {
    el: figure,
    destroy: () => {
      observer?.disconnect();
      u?.destroy();
      u = undefined;
    },
  };
}

/** Sorted union of timestamps; each series' points placed on it (null where it has none). */
export function align<T>(
  seriesPoints: readonly (readonly T[])[],
  ts: (p: T) => number,
  values: readonly ((p: T) => number | null)[][],
): { xs: number[]; ys: (number | null)[][] } {
  const set = new Set<number>();
  for (const pts of seriesPoints) for (const p of pts) set.add(ts(p));
  const xs = [...set].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys: (number | null)[][] = [];
  seriesPoints.forEach((pts, si) => {
    for (const fn of values[si] ?? []) {
      const col: (number | null)[] = new Array<number | null>(xs.length).fill(null);
      for (const p of pts) col[index.get(ts(p)) as number] = fn(p);
      ys.push(col);
    }
  });
  return { xs, ys };
}
