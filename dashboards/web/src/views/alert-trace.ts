/**
 * The path of an icmp alert: a disclosure under the alert that, when opened, reads
 * GET /api/v1/alerts/:id and shows its `trace` — the agent's mtr trace nearest the alert's start —
 * as a table of hops with the one that introduced the loss or delay marked (the collector names it:
 * collector/src/alerts/trace-culprit.ts). docs/dashboard.md "Alerts page".
 */
import type { App } from '../app.ts';
import { h, replace } from '../dom.ts';
import { fmtFull, fmtTime, toMs } from '../format.ts';
import type { AlertDetail, AlertItem } from '../types.ts';

type Trace = NonNullable<AlertDetail['trace']>;

function pct(r: number): string {
  return `${(r * 100).toFixed(r > 0 && r < 0.1 ? 1 : 0)} %`;
}

export function traceTable(trace: Trace): HTMLElement {
  const at = toMs(trace.at);
  const culprit = trace.culprit;
  return h(
    'div',
    { class: 'trace' },
    h(
      'p',
      { class: 'small' },
      `${trace.reason === 'baseline' ? 'Hourly trace' : 'Trace when the burst went over its level'}`,
      at === null ? null : h('span', { title: fmtFull(at) }, ` at ${fmtTime(at)}`),
      trace.pathChanged === true ? h('strong', { class: 'trace-changed' }, ' · the path changed') : null,
      '. ',
      culprit === null ? 'No hop stands out.' : h('strong', null, `Hop ${String(culprit.hop)} (${culprit.addr}) introduced the ${culprit.why}.`),
    ),
    h(
      'table',
      { class: 'trace-hops' },
      h('caption', { class: 'visually-hidden' }, 'Hops of the path trace'),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          ['Hop', 'Address', 'Loss', 'RTT', h('span', { class: 'visually-hidden' }, 'Culprit')].map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      h(
        'tbody',
        null,
        trace.hops.map((x) =>
          h(
            'tr',
            { class: x.culprit ? 'trace-hop trace-culprit' : 'trace-hop', 'data-hop': String(x.hop) },
            h('td', null, String(x.hop)),
            h('td', null, x.addr === '???' ? 'no answer' : x.addr),
            h('td', null, pct(x.lossRatio)),
            h('td', null, x.rttMs === null ? '—' : `${x.rttMs.toFixed(1)} ms`),
            h('td', null, x.culprit ? h('strong', null, `◀ ${culprit?.why === 'delay' ? 'delay' : 'loss'} starts here`) : null),
          ),
        ),
      ),
    ),
  );
}

/** A "Path" disclosure for an alert on an icmp metric; null for any other alert. */
export function alertTrace(app: App, a: AlertItem): HTMLElement | null {
  if (!a.metric.startsWith('icmp_')) return null;
  const body = h('div', { class: 'muted small' }, 'Loading…');
  const details = h('details', { class: 'alert-trace' }, h('summary', null, 'Path'), body);
  let loaded = false;
  details.addEventListener('toggle', () => {
    if (!details.open || loaded) return;
    loaded = true;
    app.api
      .get<AlertDetail>(`/api/v1/alerts/${encodeURIComponent(String(a.id))}`)
      .then((d) => replace(body, d.trace === null ? h('span', { class: 'muted small' }, 'No path trace near the start of this alert.') : traceTable(d.trace)))
      .catch((err: unknown) => {
        loaded = false;
        replace(body, h('span', { class: 'muted small' }, `Path not loaded: ${(err as Error).message}`));
      });
  });
  return details;
}
