/** Users (admins): who can sign in, with which role; create, change role, disable, reset a password. */
import { ApiError } from '../api.ts';
import type { App, View } from '../app.ts';
import { h, replace } from '../dom.ts';
import { errorNote } from '../components.ts';
import { fmtTime } from '../format.ts';
import type { Role } from '../types.ts';

interface UserView {
  username: string;
  role: Role;
  practice: string | null;
  createdAt: string;
  updatedAt: string;
  disabled: boolean;
}

const ALPHABET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** Unbiased random password (bytes beyond the last whole multiple of the alphabet are skipped). */
function randomPassword(length: number): string {
  const limit = 256 - (256 % ALPHABET.length);
  let out = '';
  while (out.length < length) {
    for (const b of crypto.getRandomValues(new Uint8Array(length * 2))) {
      if (b < limit && out.length < length) out += ALPHABET[b % ALPHABET.length];
    }
  }
  return out;
}

export function usersView(app: App): View {
  const listEl = h('div', null, h('p', { class: 'muted' }, 'Loading users…'));
  const out = h('div', { role: 'status', 'aria-live': 'polite' });

  const load = async () => {
    try {
      const res = await app.api.get<{ items: UserView[] }>('/api/v1/users');
      replace(listEl, table(res.items));
    } catch (err) {
      replace(listEl, errorNote(err));
    }
  };
  const change = async (u: UserView, body: Record<string, unknown>, done: string) => {
    try {
      await app.api.send('PATCH', `/api/v1/users/${encodeURIComponent(u.username)}`, body);
      replace(out, h('p', { class: 'note' }, done));
      await load();
    } catch (err) {
      replace(out, errorNote(err));
    }
  };

  function table(users: UserView[]): HTMLElement {
    return h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'users' },
        h('caption', { class: 'visually-hidden' }, 'Dashboard users'),
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            ['User', 'Role', 'Practice', 'Created', 'State', 'Actions'].map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        h(
          'tbody',
          null,
          users.map((u) =>
            h(
              'tr',
              null,
              h('th', { scope: 'row' }, u.username),
              h('td', null, u.role),
              h('td', null, u.practice ?? '—'),
              h('td', null, fmtTime(u.createdAt)),
              h('td', null, u.disabled ? 'Disabled' : 'Active'),
              h(
                'td',
                { class: 'actions' },
                u.username === app.user.username
                  ? h('span', { class: 'muted small' }, 'you')
                  : [
                      h(
                        'button',
                        {
                          type: 'button',
                          class: 'btn btn-small',
                          onclick: () =>
                            void change(u, { disabled: !u.disabled }, `${u.username} ${u.disabled ? 'enabled' : 'disabled (signed out everywhere)'}.`),
                        },
                        u.disabled ? 'Enable' : 'Disable',
                      ),
                      ' ',
                      h('button', { type: 'button', class: 'btn btn-small', onclick: () => void resetPassword(u) }, 'New password'),
                    ],
              ),
            ),
          ),
        ),
      ),
    );
  }

  async function resetPassword(u: UserView): Promise<void> {
    const password = randomPassword(20);
    await change(u, { password }, `New password for ${u.username} (shown once): ${password}`);
  }

  const username = h('input', { id: 'nu-name', type: 'text', required: true, autocomplete: 'off' });
  const role = h(
    'select',
    { id: 'nu-role' },
    ['servicedesk', 'practice', 'admin'].map((r) => h('option', { value: r }, r)),
  );
  const practice = h('input', { id: 'nu-practice', type: 'text', placeholder: 'for a practice user', autocomplete: 'off' });
  const form = h(
    'form',
    { class: 'controls' },
    h('div', { class: 'field inline' }, h('label', { for: 'nu-name' }, 'Username'), username),
    h('div', { class: 'field inline' }, h('label', { for: 'nu-role' }, 'Role'), role),
    h('div', { class: 'field inline' }, h('label', { for: 'nu-practice' }, 'Practice (ODS)'), practice),
    h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create user'),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const body = { username: username.value.trim(), role: role.value, ...(role.value === 'practice' ? { practice: practice.value.trim().toUpperCase() } : {}) };
    app.api
      .send<{ user: UserView; password?: string }>('POST', '/api/v1/users', body)
      .then((res) => {
        replace(out, h('p', { class: 'note' }, `Created ${res.user.username}. Password (shown once): `, h('code', null, res.password ?? '')));
        form.reset();
        void load();
      })
      .catch((err: unknown) => replace(out, err instanceof ApiError ? errorNote(err) : errorNote(err)));
  });

  void load();
  return {
    el: h(
      'section',
      { class: 'users-page' },
      h('h1', null, 'Users'),
      h('h2', null, 'Add a user'),
      form,
      out,
      h('h2', null, 'Everyone who can sign in'),
      listEl,
    ),
    title: 'Users',
    dispose: () => undefined,
  };
}
