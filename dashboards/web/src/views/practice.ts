/**
 * One practice: status and why, RAG per area, open and recent alerts (acknowledge), charts over
 * a chosen time range (drag to zoom), agents, and links to the monthly reports. Status and alerts
 * refresh every 15 s; charts of a range that ends now every 60 s.
 */
import { ApiError, isAbort } from '../api.ts';
import { routeHash, type App, type View } from '../app.ts';
import { h, replace } from '../dom.ts';
import { errorNote, livePoller, ragBadge, toggleGroup } from '../components.ts';
import { fmtAgo, fmtFull, fmtTime, localiseTimes } from '../format.ts';
import {
  AREA_TITLES,
  type AlertItem,
  type AlertList,
  type Area,
  type IncidentItem,
  type OverviewResponse,
  type OverviewRow,
  type PracticeDetail,
} from '../types.ts';
import { ackInProgress, alertsOf, alertTable } from './alert-table.ts';
import { fetchIncidents, incidentsByAlert } from './incidents.ts';
import { buildChartSections, type ChartSections } from './practice-charts.ts';
import { agentsSection } from './practice-agents.ts';

const RANGES = [
  { value: '1h', text: 'Last hour', ms: 3600_000 },
  { value: '6h', text: '6 hours', ms: 6 * 3600_000 },
  { value: '24h', text: '24 hours', ms: 86_400_000 },
  { value: '7d', text: '7 days', ms: 7 * 86_400_000 },
  { value: '30d', text: '30 days', ms: 30 * 86_400_000 },
] as const;
type RangeKey = (typeof RANGES)[number]['value'];
const STATUS_EVERY_MS = 15_000;
const CHARTS_EVERY_MS = 60_000;
const RECENT_ALERT_MS = 7 * 86_400_000;

function monthKey(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
}

function reportLinks(ods: string): HTMLElement {
  const now = new Date();
  const months = [0, 1, 2].map((back) => new Date(now.getFullYear(), now.getMonth() - back, 1));
  const monthName = new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric' });
  return h(
    'ul',
    { class: 'report-links' },
    months.map((m, i) => {
      const base = `/api/v1/reports/${encodeURIComponent(ods)}/${monthKey(m)}`;
      return h(
        'li',
        null,
        h('a', { href: `${base}?format=html`, target: '_blank', rel: 'noopener' }, `${monthName.format(m)}${i === 0 ? ' (so far)' : ''}`),
        ' · ',
        h('a', { href: `${base}?format=pdf`, 'aria-label': `${monthName.format(m)} as PDF` }, 'PDF'),
        ' · ',
        h('a', { href: `${base}?format=csv`, 'aria-label': `${monthName.format(m)} as CSV` }, 'CSV'),
      );
    }),
  );
}

export function practiceView(app: App, ods: string, params: URLSearchParams): View {
  const custom = params.get('from') !== null && params.get('to') !== null ? { from: Number(params.get('from')), to: Number(params.get('to')) } : undefined;
  const rangeKey: RangeKey = (RANGES.find((r) => r.value === params.get('range'))?.value ?? '6h') as RangeKey;
  let charts: ChartSections | undefined;
  let chartsCtl: AbortController | undefined;
  let chartsAt = 0;
  let detail: PracticeDetail | undefined;
  let disposed = false;

  const head = h('div', { class: 'practice-head' }, h('h1', null, ods));
  const areasEl = h('div', { class: 'area-tiles' });
  const alertsEl = h('div', null, h('p', { class: 'muted' }, 'Loading alerts…'));
  const chartsEl = h('div', { 'aria-busy': 'true' }, h('p', { class: 'muted' }, 'Loading charts…'));
  const agents = agentsSection(app, ods);
  const errEl = h('div');

  const rangeOf = (): { from: number; to: number } => {
    if (custom !== undefined && Number.isFinite(custom.from) && Number.isFinite(custom.to) && custom.to > custom.from) return custom;
    const ms = RANGES.find((r) => r.value === rangeKey)!.ms;
    const to = Date.now();
    return { from: to - ms, to };
  };
  const go = (p: Record<string, string | undefined>) => app.go(routeHash(['practice', ods], p));

  const rangeBar = h(
    'div',
    { class: 'range-bar' },
    toggleGroup('Time range', RANGES, custom === undefined ? rangeKey : ('' as RangeKey), (v) => go({ range: v })),
    custom === undefined
      ? h('span', { class: 'muted small' }, 'Drag across a chart to zoom in.')
      : h(
          'span',
          { class: 'zoomed' },
          `Showing ${fmtTime(custom.from)} – ${fmtTime(custom.to)} `,
          h('button', { type: 'button', class: 'btn btn-small', onclick: () => go({ range: rangeKey }) }, 'Back to the chosen range'),
        ),
  );

  function renderHead(d: PracticeDetail, row: OverviewRow | undefined): void {
    replace(
      head,
      h('p', { class: 'crumbs' }, app.user.role === 'practice' ? null : h('a', { href: '#/' }, '← All practices')),
      h('h1', null, d.name, ' ', h('span', { class: 'ods-badge' }, d.ods)),
      h(
        'div',
        { class: 'head-facts' },
        ragBadge(d.status),
        h('span', { title: fmtFull(d.lastSeen) }, `Last seen ${fmtAgo(d.lastSeen, Date.now())}`),
        row?.since != null ? h('span', { title: fmtFull(row.since) }, `${d.status === 'ok' ? 'OK' : 'In this state'} since ${fmtTime(row.since)}`) : null,
        h('span', null, `${d.openAlerts} open alert${d.openAlerts === 1 ? '' : 's'}`),
      ),
      d.reasons.length > 0
        ? h(
            'div',
            { class: 'reasons' },
            h('h2', { class: 'small-heading' }, 'Why'),
            h(
              'ul',
              null,
              d.reasons.map((r) => h('li', null, localiseTimes(r))),
            ),
          )
        : null,
    );
    if (row !== undefined) {
      replace(
        areasEl,
        (Object.keys(AREA_TITLES) as Area[]).map((a) =>
          h('div', { class: `area-tile tile-${row.areas[a] ?? 'none'}` }, h('div', { class: 'tile-title' }, AREA_TITLES[a]), ragBadge(row.areas[a])),
        ),
      );
    }
  }

  async function loadAlerts(): Promise<void> {
    let items: AlertItem[];
    let incidents: Map<number, IncidentItem>;
    try {
      const [active, resolved, national] = await Promise.all([
        app.api.get<AlertList>('/api/v1/alerts', { practice: ods, state: 'active' }),
        app.api.get<AlertList>('/api/v1/alerts', { practice: ods, state: 'resolved', from: Date.now() - RECENT_ALERT_MS }),
        fetchIncidents(app, {}),
      ]);
      items = [...alertsOf(active), ...alertsOf(resolved)];
      incidents = incidentsByAlert(national);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404 && err.code === 'N3MON_ERR_NOT_FOUND' && /no route/.test(err.message)) {
        replace(alertsEl, h('p', { class: 'empty' }, 'Alerting is not enabled on this collector.'));
        return;
      }
      throw err;
    }
    if (ackInProgress(alertsEl)) return;
    replace(
      alertsEl,
      alertTable(app, items, Date.now(), { showPractice: false, caption: `Open and recent alerts of ${ods}`, onChanged: () => void live.refresh(), incidents }),
    );
  }

  async function loadCharts(d: PracticeDetail): Promise<void> {
    chartsCtl?.abort();
    const ctl = (chartsCtl = new AbortController());
    const { from, to } = rangeOf();
    chartsEl.setAttribute('aria-busy', 'true');
    try {
      const next = await buildChartSections(app, ods, d, { from, to, onZoom: (f, t) => go({ range: rangeKey, from: String(f), to: String(t) }) }, ctl.signal);
      if (disposed) return;
      charts?.charts.forEach((c) => c.destroy());
      charts = next;
      replace(chartsEl, next.el);
      chartsAt = Date.now();
    } catch (err) {
      if (!isAbort(err)) replace(chartsEl, errorNote(err));
    } finally {
      chartsEl.setAttribute('aria-busy', 'false');
    }
  }

  async function tick(): Promise<void> {
    try {
      const [d, ov] = await Promise.all([
        app.api.get<PracticeDetail>(`/api/v1/practices/${encodeURIComponent(ods)}`),
        app.api.get<OverviewResponse>('/api/v1/overview', { q: ods, limit: 1000 }),
      ]);
      detail = d;
      replace(errEl);
      renderHead(
        d,
        ov.items.find((r) => r.ods === ods),
      );
    } catch (err) {
      if (err instanceof ApiError && (err.status === 403 || err.status === 404)) {
        const text =
          err.status === 404
            ? `Practice ${ods} is not known to this collector.`
            : `Not allowed: your account may see practice ${app.user.practice ?? '(none)'} only.`;
        replace(
          el,
          h('h1', null, ods),
          h('div', { class: 'note note-error', role: 'alert' }, text),
          app.user.practice === null ? null : h('p', null, h('a', { href: routeHash(['practice', app.user.practice]) }, `Go to ${app.user.practice}`)),
        );
        live.dispose();
        return;
      }
      replace(errEl, errorNote(err));
      throw err;
    }
    await agents.refresh();
    await loadAlerts();
    if (chartsAt === 0 || (custom === undefined && Date.now() - chartsAt >= CHARTS_EVERY_MS)) await loadCharts(detail);
  }

  const live = livePoller(tick, STATUS_EVERY_MS);
  const el = h(
    'article',
    { class: 'practice-page' },
    h('div', { class: 'page-head' }, head, live.el),
    errEl,
    h('section', { 'aria-labelledby': 'sec-areas' }, h('h2', { id: 'sec-areas' }, 'Areas'), areasEl),
    h(
      'section',
      { 'aria-labelledby': 'sec-alerts' },
      h('h2', { id: 'sec-alerts' }, 'Open and recent alerts'),
      alertsEl,
      h('p', null, h('a', { href: routeHash(['alerts'], { practice: ods, state: 'all' }) }, 'All alerts of this practice')),
    ),
    h('section', { 'aria-labelledby': 'sec-charts' }, h('h2', { id: 'sec-charts' }, 'Measurements'), rangeBar, chartsEl),
    h('section', { 'aria-labelledby': 'sec-agents' }, h('h2', { id: 'sec-agents' }, 'Agents'), agents.el),
    h(
      'section',
      { 'aria-labelledby': 'sec-reports' },
      h('h2', { id: 'sec-reports' }, 'Monthly reports'),
      h('p', { class: 'muted' }, 'The CFH Applications Monitoring Report of this practice, per calendar month.'),
      reportLinks(ods),
    ),
  );
  void live.refresh();
  return {
    el,
    title: ods,
    dispose: () => {
      disposed = true;
      live.dispose();
      chartsCtl?.abort();
      charts?.charts.forEach((c) => c.destroy());
    },
  };
}
