/**
 * The n3mon dashboard, in the browser. Hash routes (the server serves one page):
 *   #/                  overview of practices (service desk, admin)
 *   #/practice/ODS      one practice: charts, alerts, reports
 *   #/alerts            alerts: open, acknowledged, resolved
 *   #/users             users (admin)
 *   #/config            configuration: templates, practice values, preview, versions (service desk, admin)
 * A practice user has no overview: they land on their practice.
 */
import { createApi, type Api } from './api.ts';
import { parseRoute, type App, type View } from './app.ts';
import { h, replace } from './dom.ts';
import type { SessionInfo, SessionUser } from './types.ts';
import { loginView } from './views/login.ts';
import { overviewView } from './views/overview.ts';
import { practiceView } from './views/practice.ts';
import { alertsView } from './views/alerts.ts';
import { usersView } from './views/users.ts';
import { configView } from './views/config.ts';

const main = document.getElementById('main') as HTMLElement;
const topbar = document.getElementById('topbar') as HTMLElement;
const announcer = document.getElementById('announcer') as HTMLElement;

let current: View | undefined;
let user: SessionUser | undefined;
const api: Api = createApi(() => showLogin('Your session has ended. Please sign in again.'));

function announce(text: string): void {
  announcer.textContent = '';
  // A fresh text node after a tick, so repeated messages are read again.
  setTimeout(() => (announcer.textContent = text), 50);
}

function mount(view: View): void {
  current?.dispose();
  current = view;
  replace(main, view.el);
  document.title = `${view.title} · n3mon`;
}

function navLink(href: string, text: string, active: boolean): HTMLElement {
  return h('a', { href, class: active ? 'nav-link active' : 'nav-link', 'aria-current': active ? 'page' : null }, text);
}

function renderTopbar(u: SessionUser, section: string): void {
  const links =
    u.role === 'practice'
      ? [navLink(`#/practice/${u.practice ?? ''}`, 'My practice', section === 'practice'), navLink('#/alerts', 'Alerts', section === 'alerts')]
      : [
          navLink('#/', 'Overview', section === ''),
          navLink('#/alerts', 'Alerts', section === 'alerts'),
          navLink('#/config', 'Configuration', section === 'config'),
          u.role === 'admin' ? navLink('#/users', 'Users', section === 'users') : null,
        ];
  const signOut = h('button', { type: 'button', class: 'btn btn-small', onclick: () => void signOutNow() }, 'Sign out');
  replace(
    topbar,
    h('a', { href: u.role === 'practice' ? `#/practice/${u.practice ?? ''}` : '#/', class: 'brand' }, 'n3mon'),
    h('nav', { 'aria-label': 'Main' }, links),
    h('div', { class: 'who' }, h('span', null, `${u.username} (${u.role === 'practice' ? `practice ${u.practice ?? ''}` : u.role})`), signOut),
  );
  topbar.hidden = false;
}

async function signOutNow(): Promise<void> {
  try {
    await api.send('DELETE', '/api/v1/session');
  } finally {
    api.setCsrf(null);
    user = undefined;
    showLogin('You have signed out.');
  }
}

function showLogin(message?: string): void {
  user = undefined;
  topbar.hidden = true;
  mount(
    loginView(api, message, (info: SessionInfo) => {
      startSession(info);
      main.focus({ preventScroll: true });
    }),
  );
}

function startSession(info: SessionInfo): void {
  user = info.user;
  api.setCsrf(info.csrfToken);
  route();
}

function route(ev?: HashChangeEvent): void {
  if (user === undefined) return;
  const r = parseRoute(location.hash);
  const section = r.path[0] ?? '';
  const app: App = { api, user, go: (hash) => (location.hash = hash), announce };
  if (user.role === 'practice' && section !== 'alerts' && section !== 'practice') {
    // A practice user has no overview. (Another practice's page is refused by the API, and says so.)
    location.replace(`#/practice/${user.practice ?? ''}`);
    return;
  }
  renderTopbar(user, section);
  let view: View;
  if (section === 'practice' && r.path[1] !== undefined) view = practiceView(app, r.path[1], r.params);
  else if (section === 'alerts') view = alertsView(app, r.params);
  else if (section === 'users' && user.role === 'admin') view = usersView(app);
  else if (section === 'config') view = configView(app, r.path.slice(1), r.params);
  else view = overviewView(app, r.params);
  mount(view);
  // After an in-app navigation, put keyboard and screen-reader users at the new content.
  if (ev !== undefined) main.focus({ preventScroll: true });
}

async function boot(): Promise<void> {
  window.addEventListener('hashchange', route);
  // The skip link must not go through the hash router (#main is not a route).
  document.querySelector('.skip-link')?.addEventListener('click', (ev) => {
    ev.preventDefault();
    main.focus();
  });
  try {
    const info = await api.get<SessionInfo | { user: null }>('/api/v1/session');
    if (info.user === null) showLogin();
    else startSession(info as SessionInfo);
  } catch (err) {
    replace(main, h('div', { class: 'note note-error', role: 'alert' }, `The collector did not answer: ${(err as Error).message}`));
  }
}

void boot();
