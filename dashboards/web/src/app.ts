/** What every view gets: the API, who is signed in, navigation and the screen-reader announcer. */
import type { Api } from './api.ts';
import type { SessionUser } from './types.ts';

export interface App {
  readonly api: Api;
  readonly user: SessionUser;
  /** Go to a hash route, e.g. `#/practice/A81001`. */
  go(hash: string): void;
  /** Say something to screen-reader users (a polite live region). */
  announce(text: string): void;
}

export interface Route {
  /** Path segments after `#/`, e.g. ['practice', 'A81001']. */
  path: string[];
  params: URLSearchParams;
}

export interface View {
  el: HTMLElement;
  title: string;
  dispose(): void;
}

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const [p = '', q = ''] = raw.split('?', 2);
  return {
    path: p
      .split('/')
      .filter((s) => s !== '')
      .map(decodeURIComponent),
    params: new URLSearchParams(q),
  };
}

export function routeHash(path: readonly string[], params?: URLSearchParams | Record<string, string | undefined>): string {
  const sp =
    params instanceof URLSearchParams
      ? params
      : new URLSearchParams(Object.entries(params ?? {}).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
  const q = sp.toString();
  return `#/${path.map(encodeURIComponent).join('/')}${q === '' ? '' : `?${q}`}`;
}
