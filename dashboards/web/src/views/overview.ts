/**
 * The service desk's morning page: every practice with its status, RAG per area, since when,
 * last seen, open alerts and why — worst first. Filtering, search, sorting and paging happen on
 * the server (GET /api/v1/overview), so 8,000 practices cost one small answer per refresh. The
 * state lives in the URL (bookmark a filter); the table refreshes itself every 15 s.
 */
import { isAbort } from '../api.ts';
import { routeHash, type App, type View } from '../app.ts';
import { debounce, h, replace, srOnly } from '../dom.ts';
import { errorNote, livePoller, ragBadge } from '../components.ts';
import { fmtAgo, fmtFull, fmtDuration, localiseTimes } from '../format.ts';
import { AREA_TITLES, type Area, type OverviewResponse, type OverviewRow, type Status } from '../types.ts';
import { fetchIncidents, incidentBanner } from './incidents.ts';

const REFRESH_MS = 15_000;
const AREAS = Object.keys(AREA_TITLES) as Area[];
const FILTERS: readonly { key: string; text: string; statuses: Status[] }[] = [
  { key: 'attention', text: 'Needs attention', statuses: ['critical', 'warning', 'unknown'] },
  { key: 'critical', text: 'Critical', statuses: ['critical'] },
  { key: 'warning', text: 'Warning', statuses: ['warning'] },
  { key: 'unknown', text: 'Unknown', statuses: ['unknown'] },
  { key: 'ok', text: 'OK', statuses: ['ok'] },
  { key: 'all', text: 'All', statuses: [] },
];
const SORTS: readonly { key: string; text: string; defaultDir: 'asc' | 'desc' }[] = [
  { key: 'ods', text: 'Practice', defaultDir: 'asc' },
  { key: 'status', text: 'Status', defaultDir: 'asc' },
  { key: 'since', text: 'Since', defaultDir: 'asc' },
  { key: 'lastSeen', text: 'Last seen', defaultDir: 'asc' },
  { key: 'openAlerts', text: 'Open alerts', defaultDir: 'asc' },
];

interface State {
  q: string;
  filter: string;
  area: string;
  sort: string;
  dir: 'asc' | 'desc';
  page: number;
  size: number;
}

function stateFrom(p: URLSearchParams): State {
  const size = Number(p.get('size'));
  return {
    q: p.get('q') ?? '',
    filter: FILTERS.some((f) => f.key === p.get('filter')) ? (p.get('filter') as string) : 'all',
    area: AREAS.includes(p.get('area') as Area) ? (p.get('area') as string) : '',
    sort: SORTS.some((s) => s.key === p.get('sort')) ? (p.get('sort') as string) : 'status',
    dir: p.get('dir') === 'desc' ? 'desc' : 'asc',
    page: Math.max(0, Number(p.get('page') ?? 1) - 1) || 0,
    size: [25, 50, 100, 200].includes(size) ? size : 50,
  };
}

function row(r: OverviewRow, now: number): HTMLTableRowElement {
  const since = r.since === null ? '—' : fmtDuration(now - r.since);
  return h(
    'tr',
    { class: `row-${r.status}`, 'data-ods': r.ods },
    h(
      'th',
      { scope: 'row', class: 'practice-cell' },
      h('a', { href: `#/practice/${encodeURIComponent(r.ods)}` }, h('span', { class: 'ods' }, r.ods), ' ', h('span', { class: 'pname' }, r.name)),
    ),
    h('td', null, ragBadge(r.status)),
    AREAS.map((a) => h('td', { class: 'area-cell' }, ragBadge(r.areas[a], { compact: true, label: AREA_TITLES[a] }))),
    h('td', { title: r.since === null ? '' : fmtFull(r.since) }, since),
    h('td', { title: fmtFull(r.lastSeen) }, fmtAgo(r.lastSeen, now)),
    h(
      'td',
      { class: 'num' },
      r.openAlerts > 0 ? h('a', { href: routeHash(['alerts'], { practice: r.ods }) }, String(r.openAlerts), srOnly(` open alerts for ${r.ods}`)) : '0',
    ),
    h('td', { class: 'reason' }, localiseTimes(r.reason ?? '')),
  );
}

export function overviewView(app: App, params: URLSearchParams): View {
  const st = stateFrom(params);
  let last: OverviewResponse | undefined;
  let inflight: AbortController | undefined;

  const filterBar = h('div', { class: 'filters', role: 'group', 'aria-label': 'Filter by status' });
  const search = h('input', { id: 'ov-search', type: 'search', value: st.q, placeholder: 'e.g. A81001 or Riverside', autocomplete: 'off' });
  const areaSel = h(
    'select',
    { id: 'ov-area' },
    h('option', { value: '' }, 'Any area'),
    AREAS.map((a) => h('option', { value: a, selected: a === st.area }, AREA_TITLES[a])),
  );
  const sizeSel = h(
    'select',
    { id: 'ov-size' },
    [25, 50, 100, 200].map((n) => h('option', { value: String(n), selected: n === st.size }, String(n))),
  );
  const table = h('table', { class: 'overview', id: 'overview-table' });
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  const body = h('div', { class: 'table-wrap' }, table);
  const err = h('div');
  /** Open national incidents, above the practice list. */
  const incidentsEl = h('div', { id: 'national-incidents' });

  const syncUrl = () => {
    const hash = routeHash([], {
      q: st.q,
      filter: st.filter === 'all' ? undefined : st.filter,
      area: st.area,
      sort: st.sort === 'status' ? undefined : st.sort,
      dir: st.dir === 'asc' ? undefined : st.dir,
      page: st.page === 0 ? undefined : String(st.page + 1),
      size: st.size === 50 ? undefined : String(st.size),
    });
    history.replaceState(null, '', hash);
  };

  const load = async (): Promise<void> => {
    inflight?.abort();
    const ctl = (inflight = new AbortController());
    const statuses = FILTERS.find((f) => f.key === st.filter)?.statuses ?? [];
    try {
      const [res, incidents] = await Promise.all([
        app.api.get<OverviewResponse>(
          '/api/v1/overview',
          { q: st.q.trim(), status: statuses.join(','), area: st.area, sort: st.sort, dir: st.dir, limit: st.size, offset: st.page * st.size },
          { signal: ctl.signal },
        ),
        fetchIncidents(app, { state: 'open' }, { signal: ctl.signal }),
      ]);
      replace(incidentsEl, incidentBanner(incidents, res.now));
      if (res.items.length === 0 && res.total > 0 && st.page > 0) {
        st.page = Math.floor((res.total - 1) / st.size);
        syncUrl();
        return load();
      }
      const changed = last !== undefined && JSON.stringify(last.counts) !== JSON.stringify(res.counts);
      last = res;
      replace(err);
      render(res);
      if (changed) app.announce(`Practices now: ${res.counts.critical} critical, ${res.counts.warning} warning, ${res.counts.unknown} unknown.`);
    } catch (e) {
      if (isAbort(e)) return;
      replace(err, errorNote(e));
      throw e;
    }
  };

  const reload = () => {
    syncUrl();
    void live.refresh();
  };

  function renderFilters(res: OverviewResponse): void {
    const c = res.counts;
    const count = (f: (typeof FILTERS)[number]) =>
      f.statuses.length === 0 ? c.ok + c.warning + c.critical + c.unknown : f.statuses.reduce((n, s) => n + c[s], 0);
    replace(
      filterBar,
      FILTERS.map((f) =>
        h(
          'button',
          {
            type: 'button',
            class: `btn btn-toggle filter-${f.key}`,
            'aria-pressed': String(st.filter === f.key),
            onclick: () => {
              st.filter = f.key;
              st.page = 0;
              for (const b of filterBar.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.classList.contains(`filter-${f.key}`)));
              reload();
            },
          },
          `${f.text} `,
          h('span', { class: 'count' }, count(f).toLocaleString('en-GB')),
        ),
      ),
    );
  }

  function header(): HTMLTableSectionElement {
    const sortable = (key: string, text: string) => {
      const active = st.sort === key;
      const aria = active ? (st.dir === 'asc' ? 'ascending' : 'descending') : 'none';
      return h(
        'th',
        { scope: 'col', 'aria-sort': aria },
        h(
          'button',
          {
            type: 'button',
            class: 'sort',
            onclick: () => {
              if (st.sort === key) st.dir = st.dir === 'asc' ? 'desc' : 'asc';
              else {
                st.sort = key;
                st.dir = 'asc';
              }
              st.page = 0;
              reload();
            },
          },
          text,
          h('span', { 'aria-hidden': 'true', class: 'sort-mark' }, active ? (st.dir === 'asc' ? ' ▲' : ' ▼') : ''),
        ),
      );
    };
    return h(
      'thead',
      null,
      h(
        'tr',
        null,
        sortable('ods', 'Practice'),
        sortable('status', 'Status'),
        AREAS.map((a) => h('th', { scope: 'col', class: 'area-cell' }, AREA_TITLES[a])),
        sortable('since', 'Since'),
        sortable('lastSeen', 'Last seen'),
        sortable('openAlerts', 'Open alerts'),
        h('th', { scope: 'col' }, 'Why'),
      ),
    );
  }

  function render(res: OverviewResponse): void {
    renderFilters(res);
    const focusedOds = (document.activeElement?.closest('tr') as HTMLElement | null)?.dataset.ods;
    const sortText = SORTS.find((s) => s.key === st.sort)?.text ?? st.sort;
    const rows = res.items.map((r) => row(r, res.now));
    replace(
      table,
      h('caption', { class: 'visually-hidden' }, `Practices sorted by ${sortText}, ${st.dir === 'asc' ? 'ascending' : 'descending'}`),
      header(),
      h('tbody', null, rows.length > 0 ? rows : h('tr', null, h('td', { colspan: String(6 + AREAS.length), class: 'empty' }, 'No practice matches.'))),
    );
    if (focusedOds !== undefined) (table.querySelector(`tr[data-ods="${CSS.escape(focusedOds)}"] a`) as HTMLElement | null)?.focus();
    const from = res.total === 0 ? 0 : res.offset + 1;
    const to = res.offset + res.items.length;
    const pages = Math.max(1, Math.ceil(res.total / st.size));
    replace(
      pager,
      h('span', { class: 'range' }, `${from.toLocaleString('en-GB')}–${to.toLocaleString('en-GB')} of ${res.total.toLocaleString('en-GB')}`),
      h('button', { type: 'button', class: 'btn btn-small', disabled: st.page === 0, onclick: () => ((st.page -= 1), reload()) }, 'Previous page'),
      h('span', null, `Page ${st.page + 1} of ${pages}`),
      h('button', { type: 'button', class: 'btn btn-small', disabled: st.page + 1 >= pages, onclick: () => ((st.page += 1), reload()) }, 'Next page'),
    );
  }

  const onSearch = debounce(() => {
    st.q = search.value;
    st.page = 0;
    reload();
  }, 250);
  search.addEventListener('input', onSearch);
  areaSel.addEventListener('change', () => {
    st.area = areaSel.value;
    st.page = 0;
    reload();
  });
  sizeSel.addEventListener('change', () => {
    st.size = Number(sizeSel.value);
    st.page = 0;
    reload();
  });

  const live = livePoller(load, REFRESH_MS);
  const el = h(
    'section',
    { class: 'overview-page' },
    h('div', { class: 'page-head' }, h('h1', null, 'Practices'), live.el),
    incidentsEl,
    filterBar,
    h(
      'div',
      { class: 'controls' },
      h('div', { class: 'field inline' }, h('label', { for: 'ov-search' }, 'Search by ODS code or name'), search),
      h('div', { class: 'field inline' }, h('label', { for: 'ov-area' }, 'Problem in area'), areaSel),
      h('div', { class: 'field inline' }, h('label', { for: 'ov-size' }, 'Rows per page'), sizeSel),
    ),
    err,
    body,
    pager,
  );
  void live.refresh();
  return {
    el,
    title: 'Practices',
    dispose: () => {
      live.dispose();
      inflight?.abort();
    },
  };
}
