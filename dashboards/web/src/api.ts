/**
 * The dashboard's one way to the collector: same-origin fetch with the session cookie (the
 * browser sends it; scripts cannot read it), the CSRF token on every write, JSON both ways, and
 * the API's error shape turned into ApiError. A 401 means the session ended: the app shows the
 * sign-in form.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problems: readonly string[];

  constructor(status: number, code: string, message: string, problems: readonly string[] = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.problems = problems;
  }
}

export type Query = Record<string, string | number | undefined | null>;

export function withQuery(path: string, q: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s === '' ? path : `${path}?${s}`;
}

export interface Api {
  get<T>(path: string, q?: Query, opts?: { signal?: AbortSignal }): Promise<T>;
  send<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T>;
  setCsrf(token: string | null): void;
}

export function createApi(onUnauthorized: () => void): Api {
  let csrf: string | null = null;

  async function request<T>(method: string, url: string, body: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET' && csrf !== null) headers['x-csrf-token'] = csrf;
    const res = await fetch(url, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? null : JSON.stringify(body),
      signal: signal ?? null,
    });
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let json: unknown;
    if (text !== '') {
      try {
        json = JSON.parse(text);
      } catch (err) {
        throw new ApiError(
          res.status,
          'N3MON_ERR_INTERNAL',
          `the collector answered ${res.status} with something that is not JSON (${(err as Error).message})`,
        );
      }
    }
    if (!res.ok) {
      const e = (json ?? {}) as { code?: string; message?: string; problems?: string[] };
      if (res.status === 401 && !url.startsWith('/api/v1/session')) onUnauthorized();
      throw new ApiError(res.status, e.code ?? 'N3MON_ERR_INTERNAL', e.message ?? `HTTP ${res.status}`, e.problems ?? []);
    }
    return json as T;
  }

  return {
    get: (path, q, opts) => request('GET', withQuery(path, q), undefined, opts?.signal),
    send: (method, path, body) => request(method, path, body),
    setCsrf: (token) => {
      csrf = token;
    },
  };
}

/** Is this the browser aborting a superseded request (not an error to show)? */
export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}
