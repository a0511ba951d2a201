/**
 * Charts as scenes: plain lists of shapes in a width × height box (y down), drawn as inline SVG
 * by svg.ts and as vector graphics by the PDF renderer — one drawing, two outputs.
 */
import type { DailyPercentiles, SmokeDay } from '../model.ts';
import { fmtMs } from './format.ts';

export type Shape =
  | { kind: 'rect'; x: number; y: number; w: number; h: number; fill: string; opacity?: number }
  | { kind: 'line'; x1: number; y1: number; x2: number; y2: number; stroke: string; width: number; dash?: boolean }
  | { kind: 'polyline'; points: Array<[number, number]>; stroke: string; width: number; dash?: boolean }
  | { kind: 'text'; x: number; y: number; text: string; size: number; fill: string; anchor: 'start' | 'middle' | 'end' };

export interface ChartScene {
  width: number;
  height: number;
  /** Text alternative (HTML `aria-label`/`<title>`). */
  label: string;
  shapes: Shape[];
}

const W = 680;
const H = 210;
const M = { left: 56, right: 12, top: 14, bottom: 34 };
const AXIS = '#555555';
const GRID = '#e3e3e3';
const WARN = '#e08a00';

/** A round axis maximum and its ticks (1, 2, 2.5, 5 × 10^n steps). */
export function niceScale(maxValue: number, ticks = 5): { max: number; step: number } {
  const max = maxValue > 0 && Number.isFinite(maxValue) ? maxValue : 1;
  const raw = max / ticks;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = ([1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag) as number;
  return { max: Math.ceil(max / step - 1e-9) * step, step };
}

interface Frame {
  shapes: Shape[];
  x: (i: number) => number;
  band: number;
  y: (v: number) => number;
}

function frame(opts: { days: string[]; yMax: number; yStep: number; yLabel: (v: number) => string; title: string }): Frame {
  const shapes: Shape[] = [];
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const n = Math.max(1, opts.days.length);
  const band = pw / n;
  const x = (i: number): number => M.left + i * band;
  const y = (v: number): number => M.top + ph - (Math.min(v, opts.yMax) / opts.yMax) * ph;
  for (let v = 0; v <= opts.yMax + 1e-9; v += opts.yStep) {
    shapes.push({ kind: 'line', x1: M.left, y1: y(v), x2: W - M.right, y2: y(v), stroke: GRID, width: 0.6 });
    shapes.push({ kind: 'text', x: M.left - 5, y: y(v) + 3, text: opts.yLabel(v), size: 8, fill: AXIS, anchor: 'end' });
  }
  opts.days.forEach((d, i) => {
    const day = Number(d.slice(8, 10));
    if (day === 1 || day % 5 === 0)
      shapes.push({ kind: 'text', x: x(i) + band / 2, y: H - M.bottom + 12, text: String(day), size: 8, fill: AXIS, anchor: 'middle' });
  });
  shapes.push({ kind: 'line', x1: M.left, y1: M.top + ph, x2: W - M.right, y2: M.top + ph, stroke: AXIS, width: 0.8 });
  shapes.push({ kind: 'line', x1: M.left, y1: M.top, x2: M.left, y2: M.top + ph, stroke: AXIS, width: 0.8 });
  shapes.push({ kind: 'text', x: M.left + pw / 2, y: H - 6, text: opts.title, size: 8, fill: AXIS, anchor: 'middle' });
  return { shapes, x, band, y };
}

function thresholdLine(f: Frame, value: number | null, yMax: number, label: string): void {
  if (value === null || value > yMax) return;
  f.shapes.push({ kind: 'line', x1: M.left, y1: f.y(value), x2: W - M.right, y2: f.y(value), stroke: WARN, width: 1, dash: true });
  f.shapes.push({ kind: 'text', x: W - M.right - 2, y: f.y(value) - 3, text: label, size: 7.5, fill: WARN, anchor: 'end' });
}

/** SmokePing-style loss colours: the median tick's colour says how much was lost that day. */
export const LOSS_BANDS: ReadonlyArray<{ upTo: number; colour: string; label: string }> = [
  { upTo: 0, colour: '#1a9641', label: '0 %' },
  { upTo: 0.001, colour: '#2b83ba', label: '≤ 0.1 %' },
  { upTo: 0.01, colour: '#7b3294', label: '≤ 1 %' },
  { upTo: 0.05, colour: '#fdae61', label: '≤ 5 %' },
  { upTo: Number.POSITIVE_INFINITY, colour: '#d7191c', label: '> 5 %' },
];

export function lossColour(loss: number | null): string {
  if (loss === null) return '#777777';
  return (LOSS_BANDS.find((b) => loss <= b.upTo) ?? LOSS_BANDS[LOSS_BANDS.length - 1])?.colour ?? '#d7191c';
}

/** Per day: p10–p90 and p25–p75 of the round RTTs as smoke, the median as a tick coloured by loss. */
export function smokeChart(days: readonly SmokeDay[], warning: number | null): ChartScene {
  const top = Math.max(0, ...days.map((d) => d.rtt?.p90 ?? 0), warning !== null ? warning * 1.1 : 0);
  const { max, step } = niceScale(top);
  const f = frame({
    days: days.map((d) => d.date),
    yMax: max,
    yStep: step,
    yLabel: (v) => `${v} ms`,
    title: 'Day of month — RTT per round: p10–p90 (light), p25–p75 (dark), median coloured by loss',
  });
  days.forEach((d, i) => {
    const x = f.x(i) + f.band * 0.15;
    const w = f.band * 0.7;
    if (d.rtt === null) {
      f.shapes.push({ kind: 'text', x: f.x(i) + f.band / 2, y: f.y(0) - 4, text: '?', size: 7, fill: '#999999', anchor: 'middle' });
      return;
    }
    f.shapes.push({ kind: 'rect', x, y: f.y(d.rtt.p90), w, h: f.y(d.rtt.p10) - f.y(d.rtt.p90), fill: '#cfcfcf' });
    f.shapes.push({ kind: 'rect', x, y: f.y(d.rtt.p75), w, h: f.y(d.rtt.p25) - f.y(d.rtt.p75), fill: '#8f8f8f' });
    f.shapes.push({ kind: 'rect', x: x - 1, y: f.y(d.rtt.p50) - 1.5, w: w + 2, h: 3, fill: lossColour(d.lossMean) });
  });
  thresholdLine(f, warning, max, `warning ${fmtMs(warning)}`);
  LOSS_BANDS.forEach((b, i) => {
    const lx = M.left + 8 + i * 62;
    f.shapes.push({ kind: 'rect', x: lx, y: 3, w: 10, h: 6, fill: b.colour });
    f.shapes.push({ kind: 'text', x: lx + 13, y: 9, text: `loss ${b.label}`, size: 7, fill: AXIS, anchor: 'start' });
  });
  return { width: W, height: H, label: 'National link round-trip time per day (SmokePing style) with packet loss', shapes: f.shapes };
}

/** Daily p50 and p95 lines of one application's response time, with its warning level. */
export function percentileChart(app: string, metricLabel: string, days: readonly DailyPercentiles[], warning: number | null): ChartScene {
  const top = Math.max(0, ...days.map((d) => d.p95 ?? 0), warning !== null ? warning * 1.1 : 0);
  const { max, step } = niceScale(top);
  const f = frame({
    days: days.map((d) => d.date),
    yMax: max,
    yStep: step,
    yLabel: (v) => fmtMs(v),
    title: `Day of month — ${app}: ${metricLabel} p50 (solid) and p95 (dashed)`,
  });
  const line = (pick: (d: DailyPercentiles) => number | null, colour: string, dash: boolean): void => {
    let run: Array<[number, number]> = [];
    const flush = (): void => {
      if (run.length === 1) {
        const [px, py] = run[0] as [number, number];
        f.shapes.push({ kind: 'rect', x: px - 1.5, y: py - 1.5, w: 3, h: 3, fill: colour });
      } else if (run.length > 1) f.shapes.push({ kind: 'polyline', points: run, stroke: colour, width: 1.4, dash });
      run = [];
    };
    days.forEach((d, i) => {
      const v = pick(d);
      if (v === null) flush();
      else run.push([f.x(i) + f.band / 2, f.y(v)]);
    });
    flush();
  };
  line((d) => d.p50, '#1f5fa8', false);
  line((d) => d.p95, '#b03060', true);
  thresholdLine(f, warning, max, `warning ${fmtMs(warning)}`);
  return { width: W, height: H, label: `${app} response time per day: p50 and p95`, shapes: f.shapes };
}

/** Daily p95 utilisation of the WAN interfaces as bars against the warning (75 %) line. */
export function utilisationChart(days: ReadonlyArray<{ date: string; p95: number | null }>, warning: number | null): ChartScene {
  const f = frame({
    days: days.map((d) => d.date),
    yMax: 1,
    yStep: 0.25,
    yLabel: (v) => `${Math.round(v * 100)} %`,
    title: 'Day of month — WAN utilisation p95 (in or out)',
  });
  days.forEach((d, i) => {
    if (d.p95 === null) return;
    const over = warning !== null && d.p95 > warning;
    f.shapes.push({ kind: 'rect', x: f.x(i) + f.band * 0.15, y: f.y(d.p95), w: f.band * 0.7, h: f.y(0) - f.y(d.p95), fill: over ? '#e08a00' : '#4a7fb5' });
  });
  thresholdLine(f, warning, 1, `${Math.round((warning ?? 0) * 100)} % mark`);
  return { width: W, height: H, label: 'WAN utilisation p95 per day against the 75 % mark', shapes: f.shapes };
}

/** Daily share of expected samples received (green) with the rest shown as unknown (grey). */
export function completenessChart(days: ReadonlyArray<{ date: string; completeness: number | null }>): ChartScene {
  const f = frame({
    days: days.map((d) => d.date),
    yMax: 1,
    yStep: 0.25,
    yLabel: (v) => `${Math.round(v * 100)} %`,
    title: 'Day of month — samples received (green) and unknown (grey)',
  });
  days.forEach((d, i) => {
    const x = f.x(i) + f.band * 0.15;
    const w = f.band * 0.7;
    const got = d.completeness ?? 0;
    f.shapes.push({ kind: 'rect', x, y: f.y(1), w, h: f.y(got) - f.y(1), fill: '#c8c8c8' });
    if (got > 0) f.shapes.push({ kind: 'rect', x, y: f.y(got), w, h: f.y(0) - f.y(got), fill: '#2e7d32' });
  });
  return { width: W, height: H, label: 'Data completeness per day; gaps are unknown, not up', shapes: f.shapes };
}
