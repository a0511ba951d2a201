/**
 * Alerts: open, acknowledged or resolved; filter by practice, area and severity; acknowledge
 * with a note. State and practice filter on the server (GET /api/v1/alerts?state=&practice=),
 * area and severity in the page. Refreshes every 15 s.
 */
import { ApiError } from '../api.ts';
import { routeHash, type App, type View } from '../app.ts';
import { debounce, h, replace } from '../dom.ts';
import { errorNote, livePoller, toggleGroup } from '../components.ts';
import { AREA_TITLES, type AlertItem, type AlertList, type Area } from '../types.ts';
import { ackInProgress, alertsOf, alertTable } from './alert-table.ts';

const STATES = [
  { value: 'open', text: 'Open' },
  { value: 'acknowledged', text: 'Acknowledged' },
  { value: 'resolved', text: 'Resolved' },
  { value: 'all', text: 'All' },
] as const;
type StateKey = (typeof STATES)[number]['value'];

export function alertsView(app: App, params: URLSearchParams): View {
  const st = {
    state: (STATES.find((s) => s.value === params.get('state'))?.value ?? 'open') as StateKey,
    practice: app.user.role === 'practice' ? (app.user.practice ?? '') : (params.get('practice') ?? '').toUpperCase(),
    area: params.get('area') ?? '',
    severity: params.get('severity') ?? '',
  };
  let items: AlertItem[] = [];
  const listEl = h('div', null, h('p', { class: 'muted' }, 'Loading alerts…'));
  const errEl = h('div');
  const practice = h('input', {
    id: 'al-practice',
    type: 'search',
    value: st.practice,
    placeholder: 'e.g. A81001',
    autocomplete: 'off',
    disabled: app.user.role === 'practice',
  });
  const area = h(
    'select',
    { id: 'al-area' },
    h('option', { value: '' }, 'Any area'),
    (Object.keys(AREA_TITLES) as Area[]).map((a) => h('option', { value: a, selected: a === st.area }, AREA_TITLES[a])),
  );
  const severity = h(
    'select',
    { id: 'al-severity' },
    [
      ['', 'Any severity'],
      ['critical', 'Critical'],
      ['warning', 'Warning'],
    ].map(([v, t]) => h('option', { value: v as string, selected: v === st.severity }, t as string)),
  );

  const sync = () =>
    history.replaceState(
      null,
      '',
      routeHash(['alerts'], {
        state: st.state === 'open' ? undefined : st.state,
        practice: app.user.role === 'practice' ? undefined : st.practice,
        area: st.area,
        severity: st.severity,
      }),
    );

  const render = (force = false) => {
    if (!force && ackInProgress(listEl)) return;
    const shown = items.filter((a) => (st.area === '' || a.area === st.area) && (st.severity === '' || a.severity === st.severity));
    const label = STATES.find((s) => s.value === st.state)!.text.toLowerCase();
    replace(
      listEl,
      h(
        'p',
        { class: 'muted', role: 'status' },
        `${shown.length} ${st.state === 'all' ? '' : `${label} `}alert${shown.length === 1 ? '' : 's'}${st.practice === '' ? '' : ` of ${st.practice}`}.`,
      ),
      alertTable(app, shown, Date.now(), { showPractice: true, caption: `Alerts, ${label}`, onChanged: () => void live.refresh() }),
    );
  };

  const load = async () => {
    try {
      const res = await app.api.get<AlertList>('/api/v1/alerts', {
        state: st.state === 'all' ? undefined : st.state,
        practice: st.practice === '' ? undefined : st.practice,
      });
      items = alertsOf(res);
      replace(errEl);
      render();
    } catch (err) {
      if (err instanceof ApiError && err.status === 404 && /no route/.test(err.message)) {
        replace(listEl, h('p', { class: 'empty' }, 'Alerting is not enabled on this collector.'));
        return;
      }
      replace(errEl, errorNote(err));
      throw err;
    }
  };

  const live = livePoller(load, 15_000);
  const stateBar = toggleGroup('Alert state', STATES, st.state, (v) => {
    st.state = v;
    for (const b of stateBar.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.value === v));
    sync();
    void live.refresh();
  });
  practice.addEventListener(
    'input',
    debounce(() => {
      st.practice = practice.value.trim().toUpperCase();
      sync();
      void live.refresh();
    }, 300),
  );
  area.addEventListener('change', () => {
    st.area = area.value;
    sync();
    render(true);
  });
  severity.addEventListener('change', () => {
    st.severity = severity.value;
    sync();
    render(true);
  });

  const el = h(
    'section',
    { class: 'alerts-page' },
    h('div', { class: 'page-head' }, h('h1', null, 'Alerts'), live.el),
    stateBar,
    h(
      'div',
      { class: 'controls' },
      h('div', { class: 'field inline' }, h('label', { for: 'al-practice' }, 'Practice (ODS code)'), practice),
      h('div', { class: 'field inline' }, h('label', { for: 'al-area' }, 'Area'), area),
      h('div', { class: 'field inline' }, h('label', { for: 'al-severity' }, 'Severity'), severity),
    ),
    errEl,
    listEl,
  );
  void live.refresh();
  return { el, title: 'Alerts', dispose: () => live.dispose() };
}
