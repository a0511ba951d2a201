/**
 * The dashboard's session cookie, and how a request signed in by it is trusted.
 *
 * Cookie: HttpOnly (no script reads it), SameSite=Strict (never sent on a request another site
 * starts), Path=/, Max-Age = the absolute session lifetime. Over HTTPS it is
 * `__Host-n3mon_session` with Secure: the browser then refuses it unless it was set over HTTPS by
 * this very host (no Domain, Path=/), so neither a sibling host nor a network attacker on plain
 * http can plant or overwrite it; over plain http it is `n3mon_session` without Secure (the quick
 * start on loopback, where a Secure cookie would never come back). Which one a request gets and
 * reads is config `ui.secureCookies` (secureCookieFor): auto = HTTPS when `req.protocol` says so
 * (TLS on this socket, or X-Forwarded-Proto from a proxy Fastify's trustProxy trusts — a bare
 * X-Forwarded-Proto from anyone else counts for nothing), always, or never.
 *
 * Writes (POST, PUT, PATCH, DELETE) made with the cookie need the session's CSRF token in
 * `X-CSRF-Token` (synchroniser token, compared in constant time), and when the browser sends
 * `Origin` it must be this collector's own origin. Requests with `Authorization: Bearer` (API keys
 * for scripts) never look at the cookie.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { N3monError } from '../../../shared/src/errors.ts';
import type { Clock } from '../../../shared/src/clock.ts';
import type { Reader } from '../auth/credentials.ts';
import type { ReaderSource } from '../plugins/auth.ts';
import type { Session, SessionStore } from './sessions.ts';
import type { User } from './users.ts';

export const SESSION_COOKIE = 'n3mon_session';
/** The session cookie over HTTPS: the browser keeps a `__Host-` cookie only with Secure, Path=/ and no Domain. */
export const SECURE_SESSION_COOKIE = '__Host-n3mon_session';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Config `ui.secureCookies`: `auto` Secure over HTTPS only (see above); `always` every cookie Secure (TLS ends at a proxy); `never` (plain http only). */
export type SecureCookies = 'auto' | 'always' | 'never';

/** Does this request get (and read) the Secure `__Host-` session cookie? */
export function secureCookieFor(req: FastifyRequest, mode: SecureCookies): boolean {
  return mode === 'always' || (mode === 'auto' && req.protocol === 'https');
}

/**
 * The browser's idea of the scheme, for the Origin check only (a cross-site browser request cannot
 * add X-Forwarded-Proto): never for deciding whether a cookie is Secure.
 */
export function isHttps(req: FastifyRequest): boolean {
  if (req.protocol === 'https') return true;
  const fwd = req.headers['x-forwarded-proto'];
  const first = (Array.isArray(fwd) ? fwd[0] : fwd)?.split(',')[0]?.trim().toLowerCase();
  return first === 'https';
}

/**
 * The session cookie's value from a Cookie header (`a=1; __Host-n3mon_session=…`); the value is
 * base64url, so no decoding. A secure request reads only the `__Host-` cookie (a plain one may have
 * been planted over http), a plain request only the plain one.
 */
export function sessionCookieOf(req: FastifyRequest, secure: boolean): string | undefined {
  const header = req.headers.cookie;
  if (header === undefined || header === '') return undefined;
  const name = secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Set-Cookie for the session (value: base64url, no encoding needed). */
export function sessionCookieHeader(value: string, opts: { maxAgeS: number; secure: boolean }): string {
  const name = opts.secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
  return `${name}=${value}; Path=/; Max-Age=${opts.maxAgeS}; HttpOnly; SameSite=Strict${opts.secure ? '; Secure' : ''}`;
}

export function setSessionCookie(reply: FastifyReply, value: string, opts: { maxAgeS: number; secure: boolean }): void {
  reply.header('set-cookie', sessionCookieHeader(value, opts));
}

export function clearSessionCookie(reply: FastifyReply, secure: boolean): void {
  reply.header('set-cookie', sessionCookieHeader('', { maxAgeS: 0, secure }));
}

/** The origin this request was addressed to, e.g. http://127.0.0.1:8080. */
function ownOrigin(req: FastifyRequest): string {
  return `${isHttps(req) ? 'https' : 'http'}://${req.headers.host ?? ''}`;
}

/** Refuse a request whose browser says it comes from another site. */
export function assertSameOrigin(req: FastifyRequest): void {
  const origin = req.headers.origin;
  if (origin === undefined) return; // not a browser, or a same-origin GET
  if (origin !== ownOrigin(req)) throw new N3monError('N3MON_ERR_AUTH_CSRF', `request from another origin (${origin}) refused`);
}

/** A write with the session cookie must carry the session's CSRF token. */
export function assertCsrf(req: FastifyRequest, session: Session): void {
  if (SAFE_METHODS.has(req.method)) return;
  assertSameOrigin(req);
  const sent = req.headers[CSRF_HEADER];
  const given = Buffer.from(typeof sent === 'string' ? sent : '', 'utf8');
  const want = Buffer.from(session.csrf, 'utf8');
  if (given.length !== want.length || !timingSafeEqual(given, want))
    throw new N3monError('N3MON_ERR_AUTH_CSRF', `a write with the session cookie needs the ${CSRF_HEADER} header of the session`);
}

/** What the read API sees of a dashboard user: admins read like the service desk. */
export function readerOf(user: User): Reader {
  return {
    keyId: `user:${user.username}`,
    role: user.role === 'practice' ? 'practice' : 'servicedesk',
    practice: user.practice,
    actor: `user:${user.username}`,
    name: user.username,
    admin: user.role === 'admin',
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when the request was authenticated by the dashboard session cookie. */
    uiSession: Session | null;
  }
}

/** The ReaderSource for the API-key hook: a live session cookie (plus CSRF on writes) is a reader. */
export function sessionReaderSource(sessions: SessionStore, clock: Clock, secureCookies: SecureCookies): ReaderSource {
  return async (req) => {
    const id = sessionCookieOf(req, secureCookieFor(req, secureCookies));
    if (id === undefined) return null;
    const session = await sessions.lookup(id, clock.now());
    if (session === undefined) return null;
    assertCsrf(req, session);
    req.uiSession = session;
    return readerOf(session.user);
  };
}
