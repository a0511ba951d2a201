/**
 * SmokePing-style latency chart of one ICMP target. Per time bucket:
 *   light smoke   fastest to slowest single ping (min of icmp_rtt_min_ms … max of icmp_rtt_max_ms)
 *   dark smoke    the typical round's spread (median of the rounds' min … median of their max)
 *   median line   median of the rounds' median RTT (icmp_rtt_median_ms p50), one short bar per
 *                 bucket coloured by the bucket's mean packet loss
 *   loss strip    along the bottom, the same colour; a bucket with total loss (no replies, so no
 *                 RTT) also gets a faint red column, so an outage never looks like a gap in data
 */
import type uPlot from 'uplot';
import { h } from '../dom.ts';
import { fmtNumber, fmtWithUnit } from '../format.ts';
import type { Point } from '../types.ts';
import { align, makeChart, type ChartHandle } from './chart.ts';

export const LOSS_CLASSES: readonly { upTo: number; color: string; text: string }[] = [
  { upTo: 0, color: '#1a7f37', text: '0 %' },
  { upTo: 0.05, color: '#0969da', text: 'up to 5 %' },
  { upTo: 0.1, color: '#8250df', text: 'up to 10 %' },
  { upTo: 0.2, color: '#bf3989', text: 'up to 20 %' },
  { upTo: 0.5, color: '#cf222e', text: 'up to 50 %' },
  { upTo: 0.999_999, color: '#82071e', text: 'over 50 %' },
  { upTo: 1, color: '#24292f', text: '100 % (no reply)' },
];

export function lossColor(loss: number): string {
  for (const c of LOSS_CLASSES) if (loss <= c.upTo) return c.color;
  return LOSS_CLASSES[LOSS_CLASSES.length - 1]!.color;
}

export interface SmokeInput {
  title: string;
  median: readonly Point[];
  min: readonly Point[];
  max: readonly Point[];
  loss: readonly Point[];
  stepMs: number;
  from: number;
  to: number;
  onZoom?: (from: number, to: number) => void;
}

function lossLegend(): HTMLElement {
  return h(
    'div',
    { class: 'loss-legend', 'aria-label': 'Packet loss colours' },
    h('span', { class: 'legend-title' }, 'Median line and strip coloured by packet loss:'),
    LOSS_CLASSES.map((c) => h('span', { class: 'swatch-item' }, h('span', { class: `swatch loss-${LOSS_CLASSES.indexOf(c)}`, 'aria-hidden': 'true' }), c.text)),
    h('span', { class: 'swatch-item' }, h('span', { class: 'swatch smoke-outer', 'aria-hidden': 'true' }), 'fastest–slowest ping'),
    h('span', { class: 'swatch-item' }, h('span', { class: 'swatch smoke-inner', 'aria-hidden': 'true' }), 'typical round'),
  );
}

function summaryOf(median: readonly (number | null)[], loss: readonly (number | null)[]): string {
  const meds = median.filter((v): v is number => v !== null).sort((a, b) => a - b);
  const losses = loss.filter((v): v is number => v !== null);
  if (meds.length === 0 && losses.length === 0) return 'No data in this period.';
  const mid = meds.length === 0 ? null : meds[Math.floor((meds.length - 1) / 2)]!;
  const worst = meds.length === 0 ? null : meds[meds.length - 1]!;
  const meanLoss = losses.length === 0 ? null : losses.reduce((a, b) => a + b, 0) / losses.length;
  const maxLoss = losses.length === 0 ? null : Math.max(...losses);
  return `Median RTT ${fmtWithUnit(mid, 'ms')} (worst bucket ${fmtWithUnit(worst, 'ms')}); packet loss ${meanLoss === null ? '—' : `${fmtNumber(meanLoss * 100)} %`} on average, ${maxLoss === null ? '—' : `${fmtNumber(maxLoss * 100)} %`} at worst.`;
}

export function smokeChart(input: SmokeInput): ChartHandle {
  const { xs, ys } = align([input.min, input.max, input.median, input.loss], (p) => p.ts, [
    [(p) => p.min, (p) => p.p50],
    [(p) => p.max, (p) => p.p50],
    [(p) => p.p50],
    [(p) => p.mean],
  ]);
  const [fastest, typLow, slowest, typHigh, median, loss] = ys as [
    (number | null)[],
    (number | null)[],
    (number | null)[],
    (number | null)[],
    (number | null)[],
    (number | null)[],
  ];
  const lossPct = loss.map((v) => (v === null ? null : v * 100));
  const step = input.stepMs;

  const draw = (u: uPlot) => {
    const ctx = u.ctx;
    const { left, top, width, height } = u.bbox;
    const dpr = devicePixelRatio || 1;
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width, height);
    ctx.clip();
    for (let i = 0; i < xs.length; i++) {
      const x0 = u.valToPos(xs[i]!, 'x', true);
      const x1 = Math.max(x0 + 2 * dpr, u.valToPos(xs[i]! + step, 'x', true));
      const l = loss[i];
      if (l !== null && l !== undefined) {
        if (l >= 1) {
          ctx.fillStyle = 'rgba(207, 34, 46, 0.12)';
          ctx.fillRect(x0, top, x1 - x0, height);
        }
        ctx.fillStyle = lossColor(l);
        ctx.fillRect(x0, top + height - 6 * dpr, x1 - x0, 6 * dpr);
      }
      const m = median[i];
      if (m !== null && m !== undefined) {
        ctx.fillStyle = lossColor(l ?? 0);
        const y = u.valToPos(m, 'y', true);
        ctx.fillRect(x0, y - 1.5 * dpr, x1 - x0, 3 * dpr);
      }
    }
    ctx.restore();
  };

  const hidden = { stroke: 'rgba(0,0,0,0)', width: 0, points: { show: false } };
  return makeChart({
    title: input.title,
    summary: summaryOf(median, loss),
    unit: 'ms',
    from: input.from,
    to: input.to,
    ...(input.onZoom === undefined ? {} : { onZoom: input.onZoom }),
    data: [xs, fastest, slowest, typLow, typHigh, median, lossPct],
    series: [
      { label: 'Fastest ping', ...hidden, value: (_u, v) => fmtWithUnit(v, 'ms') },
      { label: 'Slowest ping', ...hidden, value: (_u, v) => fmtWithUnit(v, 'ms') },
      { label: 'Typical low', ...hidden, show: true, value: (_u, v) => fmtWithUnit(v, 'ms') },
      { label: 'Typical high', ...hidden, value: (_u, v) => fmtWithUnit(v, 'ms') },
      { label: 'Median RTT', stroke: '#1a7f37', width: 0, points: { show: false }, value: (_u, v) => fmtWithUnit(v, 'ms') },
      { label: 'Packet loss', scale: 'loss', ...hidden, value: (_u, v) => (v === null ? '—' : `${fmtNumber(v)} %`) },
    ],
    bands: [
      { series: [2, 1], fill: 'rgba(140, 149, 159, 0.28)' },
      { series: [4, 3], fill: 'rgba(87, 96, 106, 0.45)' },
    ],
    extraScales: { loss: { range: [0, 100] } },
    hooks: { draw: [draw] },
    footer: lossLegend(),
  });
}
