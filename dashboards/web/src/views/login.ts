/** Sign-in form. The password goes only to POST /api/v1/session; the session is an HTTP-only cookie. */
import { ApiError, type Api } from '../api.ts';
import type { View } from '../app.ts';
import { h } from '../dom.ts';
import type { SessionInfo } from '../types.ts';

export function loginView(api: Api, message: string | undefined, onSignedIn: (info: SessionInfo) => void): View {
  const username = h('input', {
    id: 'username',
    name: 'username',
    type: 'text',
    autocomplete: 'username',
    required: true,
    autocapitalize: 'none',
    spellcheck: 'false',
  });
  const password = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const status = h('p', { class: 'form-status', role: 'status', 'aria-live': 'polite' }, message ?? '');
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Sign in');
  const form = h(
    'form',
    { class: 'login-form', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, 'Sign in to n3mon'),
    h('p', { class: 'muted' }, 'Network performance of GP practices: service desk and practice view.'),
    h('div', { class: 'field' }, h('label', { for: 'username' }, 'Username'), username),
    h('div', { class: 'field' }, h('label', { for: 'password' }, 'Password'), password),
    submit,
    status,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    status.textContent = 'Signing in…';
    status.classList.remove('error');
    api
      .send<SessionInfo>('POST', '/api/v1/session', { username: username.value.trim(), password: password.value })
      .then((info) => {
        password.value = '';
        onSignedIn(info);
      })
      .catch((err: unknown) => {
        const e = err instanceof ApiError ? err : undefined;
        status.textContent =
          e?.status === 401
            ? 'Wrong username or password.'
            : e?.status === 429
              ? `Too many attempts. ${e.message}.`
              : `Sign-in failed: ${(err as Error).message}`;
        status.classList.add('error');
        submit.disabled = false;
        password.select();
      });
  });
  setTimeout(() => username.focus(), 0);
  return { el: h('section', { class: 'login' }, form), title: 'Sign in', dispose: () => undefined };
}
