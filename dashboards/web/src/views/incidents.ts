/**
 * National incidents on the dashboard: the overview's list of open incidents (above the practice
 * list) and, for a practice page, which of its alerts are part of one. Reads GET /api/v1/incidents.
 */
import { ApiError } from '../api.ts';
import { routeHash, type App } from '../app.ts';
import { h } from '../dom.ts';
import { fmtDuration, fmtFull, fmtTime, toMs } from '../format.ts';
import type { IncidentItem, IncidentList } from '../types.ts';

/** Incidents the signed-in user may see; [] when the collector runs without alerting (no route). */
export async function fetchIncidents(app: App, q: { state?: 'open' | 'resolved' }, opts: { signal?: AbortSignal } = {}): Promise<IncidentItem[]> {
  try {
    return (await app.api.get<IncidentList>('/api/v1/incidents', { state: q.state, limit: 100 }, opts)).items;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404 && /no route/.test(err.message)) return [];
    throw err;
  }
}

/** alert id → the incident that explains it. */
export function incidentsByAlert(items: readonly IncidentItem[]): Map<number, IncidentItem> {
  const out = new Map<number, IncidentItem>();
  for (const i of items) for (const m of i.members) for (const id of m.alertIds) out.set(id, i);
  return out;
}

function memberLinks(i: IncidentItem): HTMLElement {
  const shown = i.members.slice(0, 12);
  return h(
    'div',
    { class: 'muted small' },
    'Practices: ',
    shown.flatMap((m, n) => [n === 0 ? '' : ', ', h('a', { href: routeHash(['practice', m.practice]) }, m.practice)]),
    i.members.length > shown.length ? ` and ${i.members.length - shown.length} more` : '',
  );
}

/** The overview's block: every open national incident, with its scope, since when and where. Empty when none. */
export function incidentBanner(items: readonly IncidentItem[], now: number): HTMLElement | null {
  if (items.length === 0) return null;
  return h(
    'div',
    { class: 'note note-error national-incidents', role: 'region', 'aria-labelledby': 'national-incidents-heading' },
    h('h2', { id: 'national-incidents-heading', class: 'small-heading' }, `National incident${items.length === 1 ? '' : 's'} open: ${items.length}`),
    h(
      'ul',
      null,
      items.map((i) => {
        const since = toMs(i.startedAt) ?? now;
        return h(
          'li',
          { class: 'national-incident', 'data-incident-id': String(i.id) },
          h('strong', null, i.summary),
          h(
            'div',
            { class: 'muted small', title: fmtFull(since) },
            `since ${fmtTime(since)} (${fmtDuration(now - since)}); at most ${i.peakPractices} practices at once`,
          ),
          memberLinks(i),
        );
      }),
    ),
  );
}

/** The line an alert of a practice page shows when it is part of a national incident. */
export function incidentNote(i: IncidentItem): HTMLElement {
  return h(
    'div',
    { class: 'incident-note small', 'data-incident-id': String(i.id) },
    h('strong', null, 'Part of a national incident: '),
    i.summary,
    i.state === 'resolved' ? ' — now resolved' : '',
  );
}
