/**
 * A table of alerts with acknowledge-with-a-note, used by the alerts page and the practice page.
 * Reads GET /api/v1/alerts; acknowledges with POST /api/v1/alerts/:id/ack { note }.
 */
import { ApiError } from '../api.ts';
import { routeHash, type App } from '../app.ts';
import { h, replace } from '../dom.ts';
import { ragBadge } from '../components.ts';
import { fmtAgo, fmtDuration, fmtFull, fmtTime, fmtWithUnit, toMs } from '../format.ts';
import { AREA_TITLES, type AlertItem, type AlertList, type Area, type IncidentItem } from '../types.ts';
import { incidentNote } from './incidents.ts';
import { alertTrace } from './alert-trace.ts';

export function alertsOf(res: AlertList): AlertItem[] {
  return res.items;
}

/** Is someone writing an acknowledgement, or reading an alert's path, in this container? Then a live refresh must not redraw it. */
export function ackInProgress(container: Element): boolean {
  return container.querySelector('form.ack-form, details.alert-trace[open]') !== null;
}

function what(a: AlertItem): string {
  const l = a.labels;
  const on = l.target ?? l.device ?? l.ifName ?? l.mount ?? l.check;
  return `${a.rule.title}${on === undefined ? '' : ` — ${on}`} (agent ${a.agent})`;
}

function stateCell(a: AlertItem, now: number): HTMLElement {
  const ack = a.acknowledged;
  if (a.state === 'acknowledged' && ack !== null) {
    return h(
      'div',
      null,
      h('span', { class: 'state state-acknowledged' }, 'Acknowledged'),
      h('div', { class: 'muted small' }, `by ${ack.by}, ${fmtAgo(ack.at, now)}`),
      ack.note !== null && ack.note !== '' ? h('div', { class: 'ack-note' }, `“${ack.note}”`) : null,
    );
  }
  if (a.state === 'resolved') {
    const ended = toMs(a.endedAt);
    return h(
      'div',
      null,
      h('span', { class: 'state state-resolved' }, 'Resolved'),
      ended === null ? null : h('div', { class: 'muted small', title: fmtFull(ended) }, fmtTime(ended)),
      ack === null ? null : h('div', { class: 'muted small' }, `acknowledged by ${ack.by}`),
    );
  }
  return h('span', { class: 'state state-open' }, 'Open');
}

export interface AlertTableOptions {
  showPractice: boolean;
  onChanged: () => void;
  caption: string;
  /** alert id → the national incident it is part of (views/incidents.ts). */
  incidents?: ReadonlyMap<number, IncidentItem>;
}

export function alertTable(app: App, alerts: readonly AlertItem[], now: number, opts: AlertTableOptions): HTMLElement {
  if (alerts.length === 0) return h('p', { class: 'empty' }, 'No alerts.');
  // Practice users view; the service desk acknowledges (the API refuses a practice user: 403).
  // The name shown as "by" is the signed-in user's, set by the collector.
  const canAck = app.user.role !== 'practice';
  const rows = alerts.map((a) => {
    const started = toMs(a.startedAt) ?? now;
    const ended = toMs(a.endedAt);
    const action = h('td', { class: 'action' });
    if (a.state === 'open' && canAck) {
      const btn = h('button', { type: 'button', class: 'btn btn-small', 'aria-label': `Acknowledge alert: ${what(a)}` }, 'Acknowledge');
      const done = () => {
        replace(action, h('span', { class: 'muted small' }, 'Acknowledged'));
        opts.onChanged();
      };
      btn.addEventListener('click', () =>
        replace(
          action,
          ackForm(app, a, done, () => replace(action, btn)),
        ),
      );
      action.appendChild(btn);
    }
    return h(
      'tr',
      { class: `alert-row alert-${a.state}`, 'data-alert-id': String(a.id) },
      h('td', null, ragBadge(a.severity === 'critical' ? 'critical' : 'warning')),
      opts.showPractice ? h('td', null, h('a', { href: routeHash(['practice', a.practice]) }, a.practice)) : null,
      h('td', null, AREA_TITLES[a.area as Area] ?? a.area),
      h(
        'td',
        null,
        h('div', null, what(a)),
        a.value !== null
          ? h(
              'div',
              { class: 'muted small' },
              `${a.peak !== a.severity ? `peaked ${a.peak}; ` : ''}value ${fmtWithUnit(a.value, a.unit)}${a.suppressed ? ' · explained by another alert' : ''}`,
            )
          : null,
        opts.incidents?.has(a.id) === true ? incidentNote(opts.incidents.get(a.id) as IncidentItem) : null,
        alertTrace(app, a),
      ),
      h(
        'td',
        { title: fmtFull(started) },
        fmtTime(started),
        h('div', { class: 'muted small' }, ended === null ? `for ${fmtDuration(now - started)}` : `lasted ${fmtDuration(ended - started)}`),
      ),
      h('td', null, stateCell(a, now)),
      action,
    );
  });
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'alerts' },
      h('caption', { class: 'visually-hidden' }, opts.caption),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          ['Severity', opts.showPractice ? 'Practice' : null, 'Area', 'Alert', 'Started', 'State', h('span', { class: 'visually-hidden' }, 'Action')]
            .filter((c) => c !== null)
            .map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      h('tbody', null, rows),
    ),
  );
}

function ackForm(app: App, a: AlertItem, done: () => void, cancel: () => void): HTMLElement {
  const id = `ack-note-${String(a.id)}`;
  const note = h('input', { id, type: 'text', maxlength: '500', placeholder: 'e.g. BT fault ref 1234, engineer on site' });
  const status = h('span', { class: 'form-status', role: 'status' });
  const submit = h('button', { type: 'submit', class: 'btn btn-small btn-primary' }, 'Confirm acknowledge');
  const form = h(
    'form',
    { class: 'ack-form' },
    h('label', { for: id }, 'Note (optional)'),
    note,
    submit,
    h('button', { type: 'button', class: 'btn btn-small', onclick: cancel }, 'Cancel'),
    status,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    status.textContent = 'Acknowledging…';
    const text = note.value.trim();
    app.api
      .send('POST', `/api/v1/alerts/${encodeURIComponent(String(a.id))}/ack`, text === '' ? {} : { note: text })
      .then(() => {
        app.announce('Alert acknowledged.');
        done();
      })
      .catch((err: unknown) => {
        status.textContent = err instanceof ApiError ? `Not acknowledged: ${err.message}` : `Not acknowledged: ${(err as Error).message}`;
        submit.disabled = false;
      });
  });
  setTimeout(() => note.focus(), 0);
  return form;
}
