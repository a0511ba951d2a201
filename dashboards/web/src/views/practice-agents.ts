/**
 * The practice page's Agents section: each agent's version, platform, last seen, address and
 * credential age (GET /api/v1/practices/:ods/agents), and — for the service desk — a form that
 * makes a one-time enrolment code for the practice (POST /api/v1/enrolments), shown once with the
 * `n3mon enrol` command to run on the practice server, the practice's codes with Revoke, and a
 * Revoke (confirmed) per agent (POST /api/v1/practices/:ods/agents/:name/revoke).
 */
import type { App } from '../app.ts';
import { h, replace } from '../dom.ts';
import { errorNote } from '../components.ts';
import { fmtAgo, fmtFull, fmtTime } from '../format.ts';

interface AgentItem {
  name: string;
  version: string | null;
  platform: string | null;
  address: string | null;
  lastSeen: string | null;
  credential: { id: string; createdAt: string; expiresAt: string | null; ageMs: number } | null;
}
interface CodeItem {
  id: string;
  maxUses: number;
  uses: number;
  expiresAt: string;
  state: 'active' | 'used' | 'expired' | 'revoked';
}

const EXPIRIES = [
  { value: String(3_600_000), text: '1 hour' },
  { value: String(86_400_000), text: '24 hours' },
  { value: String(7 * 86_400_000), text: '7 days' },
];

function days(ms: number): string {
  const d = Math.floor(ms / 86_400_000);
  const hours = Math.floor(ms / 3_600_000);
  return d >= 1 ? `${d} day${d === 1 ? '' : 's'}` : hours >= 1 ? `${hours} h` : 'under an hour';
}

export function agentsSection(app: App, ods: string): { el: HTMLElement; refresh(): Promise<void> } {
  const listEl = h('div', null, h('p', { class: 'muted' }, 'Loading agents…'));
  const codesEl = h('div');
  const out = h('div', { role: 'status', 'aria-live': 'polite' });
  const desk = app.user.role !== 'practice';

  function agentsTable(items: AgentItem[]): HTMLElement {
    if (items.length === 0) return h('p', { class: 'empty' }, 'No agent has been set up for this practice yet.');
    return h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'agents' },
        h('caption', { class: 'visually-hidden' }, `Agents of ${ods}`),
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            ['Agent', 'Version', 'Platform', 'Last seen', 'Address', 'Credential', ...(desk ? ['Actions'] : [])].map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        h(
          'tbody',
          null,
          items.map((a) =>
            h(
              'tr',
              null,
              h('th', { scope: 'row' }, a.name),
              h('td', null, a.version ?? '—'),
              h('td', null, a.platform ?? '—'),
              h('td', { title: fmtFull(a.lastSeen) }, fmtAgo(a.lastSeen, Date.now())),
              h('td', null, a.address ?? '—'),
              h(
                'td',
                null,
                a.credential === null
                  ? 'revoked'
                  : `${days(a.credential.ageMs)} old${a.credential.expiresAt === null ? '' : `, expires ${fmtTime(a.credential.expiresAt)}`}`,
              ),
              desk ? h('td', { class: 'actions' }, a.credential === null ? null : revokeAgentButton(a.name)) : null,
            ),
          ),
        ),
      ),
    );
  }

  /** Revoke asks once more (the agent stops delivering until it is enrolled again). */
  function revokeAgentButton(name: string): HTMLElement {
    const cell = h('span');
    const ask = (): void =>
      replace(
        cell,
        h('button', { type: 'button', class: 'btn btn-small', onclick: () => void revokeAgent(name) }, `Confirm: revoke ${name}`),
        ' ',
        h('button', { type: 'button', class: 'btn btn-small', onclick: () => replace(cell, first) }, 'Cancel'),
      );
    const first = h('button', { type: 'button', class: 'btn btn-small', 'aria-label': `Revoke agent ${name}`, onclick: ask }, 'Revoke');
    replace(cell, first);
    return cell;
  }

  async function revokeAgent(name: string): Promise<void> {
    try {
      await app.api.send('POST', `/api/v1/practices/${encodeURIComponent(ods)}/agents/${encodeURIComponent(name)}/revoke`);
      replace(out, h('p', { class: 'note' }, `Agent ${name} revoked: its next delivery is refused; it keeps measuring until it is enrolled again.`));
      await refresh();
    } catch (err) {
      replace(out, errorNote(err));
    }
  }

  async function loadCodes(): Promise<void> {
    const res = await app.api.get<{ items: CodeItem[] }>('/api/v1/enrolments', { practice: ods });
    const live = res.items.filter((c) => c.state === 'active');
    replace(
      codesEl,
      live.length === 0
        ? null
        : h(
            'ul',
            { class: 'enrolment-codes' },
            live.map((c) =>
              h(
                'li',
                null,
                `Code ${c.id}: ${c.uses} of ${c.maxUses} used, expires ${fmtTime(c.expiresAt)} `,
                h(
                  'button',
                  { type: 'button', class: 'btn btn-small', 'aria-label': `Revoke enrolment code ${c.id}`, onclick: () => void revoke(c.id) },
                  'Revoke',
                ),
              ),
            ),
          ),
    );
  }

  async function revoke(id: string): Promise<void> {
    try {
      await app.api.send('DELETE', `/api/v1/enrolments/${id}`);
      replace(out, h('p', { class: 'note' }, `Enrolment code ${id} revoked.`));
      await loadCodes();
    } catch (err) {
      replace(out, errorNote(err));
    }
  }

  const uses = h('input', { id: 'enrol-uses', type: 'number', min: 1, max: 1000, value: 1, required: true });
  const expires = h(
    'select',
    { id: 'enrol-expires' },
    EXPIRIES.map((e) => h('option', { value: e.value, selected: e.value === String(86_400_000) }, e.text)),
  );
  const form = h(
    'form',
    { class: 'controls', 'aria-label': 'New enrolment code' },
    h('div', { class: 'field inline' }, h('label', { for: 'enrol-uses' }, 'Servers (uses)'), uses),
    h('div', { class: 'field inline' }, h('label', { for: 'enrol-expires' }, 'Expires in'), expires),
    h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create enrolment code'),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    app.api
      .send<{ code: string; enrolment: CodeItem }>('POST', '/api/v1/enrolments', {
        practice: ods,
        uses: Number(uses.value),
        expiresInMs: Number(expires.value),
      })
      .then((res) => {
        replace(
          out,
          h(
            'div',
            { class: 'note enrolment-created' },
            h(
              'p',
              null,
              `Enrolment code for ${ods} (shown once; ${res.enrolment.maxUses} use${res.enrolment.maxUses === 1 ? '' : 's'}, expires ${fmtTime(res.enrolment.expiresAt)}): `,
              h('code', { class: 'enrolment-code' }, res.code),
            ),
            h('p', null, 'On the practice server run: ', h('code', null, `n3mon enrol --collector ${location.origin} --code ${res.code}`)),
          ),
        );
        app.announce(`Enrolment code created for ${ods}`);
        void loadCodes().catch((err: unknown) => replace(codesEl, errorNote(err)));
      })
      .catch((err: unknown) => replace(out, errorNote(err)));
  });

  async function refresh(): Promise<void> {
    try {
      const res = await app.api.get<{ agents: AgentItem[] }>(`/api/v1/practices/${encodeURIComponent(ods)}/agents`);
      replace(listEl, agentsTable(res.agents));
      if (desk) await loadCodes();
    } catch (err) {
      replace(listEl, errorNote(err));
    }
  }

  const el = h('div', null, listEl, desk ? h('div', { class: 'enrolment' }, h('h3', null, 'Enrol a server'), form, out, codesEl) : null);
  return { el, refresh };
}
