/**
 * Sign-in for the dashboard:
 *   POST   /api/v1/session  { username, password } → a session cookie and the CSRF token
 *   GET    /api/v1/session  who is signed in (and the CSRF token again, for a reloaded page)
 *   DELETE /api/v1/session  sign out (needs the CSRF token)
 * Sign-in is throttled on failures only (./sign-in-throttle.ts: a progressive delay per user name
 * and client address, a gentler one per user name, a window per address; 429 with Retry-After),
 * never on successes; a wrong username and a wrong password answer alike, in about the same time.
 * Each failure is logged (client address, user name cut to 32 characters) and audited
 * (`session.fail`).
 */
import Type, { type Static } from 'typebox';
import type { FastifyRequest } from 'fastify';
import { N3monError } from '../../../shared/src/errors.ts';
import type { Logger } from '../../../shared/src/log.ts';
import type { Clock } from '../../../shared/src/clock.ts';
import type { TypedApp } from '../context.ts';
import { errorResponses } from '../plugins/errors.ts';
import { burnPasswordCheck, verifyPassword } from './passwords.ts';
import { DEFAULT_SIGN_IN_LIMITS, SignInThrottle, type SignInLimits } from './sign-in-throttle.ts';
import type { Session, SessionStore } from './sessions.ts';
import { USER_ROLES, type User, type UserStore } from './users.ts';
import { assertCsrf, assertSameOrigin, clearSessionCookie, secureCookieFor, sessionCookieOf, setSessionCookie, type SecureCookies } from './session-auth.ts';

const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);

export const SessionUser = Type.Object({
  username: Type.String(),
  role: Type.Enum([...USER_ROLES], { description: 'admin | servicedesk | practice (sees one practice).' }),
  practice: Type.Union([Type.String(), Type.Null()], { description: 'The one practice a practice user sees.' }),
});

const SessionInfo = Type.Object({
  user: SessionUser,
  csrfToken: Type.String({ description: 'Send as X-CSRF-Token on every write made with the session cookie.' }),
  expiresAt: Type.String({ description: 'ISO 8601: the session ends then at the latest (sooner after 12 h unused).' }),
});
type SessionInfo = Static<typeof SessionInfo>;
const NoSession = Type.Object({ user: Type.Null() });

export type LoginLimits = SignInLimits;
export const DEFAULT_LOGIN_LIMITS: LoginLimits = DEFAULT_SIGN_IN_LIMITS;

/** A user name as logged and audited: at most 32 characters (it is whatever the client typed). */
export function loggedUsername(name: string): string {
  return name.length > 32 ? `${name.slice(0, 32)}…` : name;
}

export interface SessionRouteDeps {
  users: UserStore;
  sessions: SessionStore;
  clock: Clock;
  log: Logger;
  secureCookies: SecureCookies;
  limits: LoginLimits;
  /** Told of every failed sign-in (the audit log, in production). */
  onFailure?: (f: { username: string; from: string }) => void | Promise<void>;
}

const info = (user: User, csrf: string, expiresAt: number): SessionInfo => ({
  user: { username: user.username, role: user.role, practice: user.practice },
  csrfToken: csrf,
  expiresAt: new Date(expiresAt).toISOString(),
});

const TAGS = ['session'];

export function registerSessionRoutes(app: TypedApp, deps: SessionRouteDeps): void {
  const { users, sessions, clock, log } = deps;
  const secure = (req: FastifyRequest): boolean => secureCookieFor(req, deps.secureCookies);
  const throttle = new SignInThrottle(deps.limits, () => clock.now());

  const current = async (req: FastifyRequest): Promise<{ id: string; session: Session } | undefined> => {
    const id = sessionCookieOf(req, secure(req));
    const session = id === undefined ? undefined : await sessions.lookup(id, clock.now());
    return id === undefined || session === undefined ? undefined : { id, session };
  };

  app.post(
    '/api/v1/session',
    {
      schema: {
        tags: TAGS,
        summary: 'Sign in to the dashboard: sets the HTTP-only session cookie; answers the CSRF token for writes',
        body: LoginBody,
        response: { 200: SessionInfo, ...errorResponses(400, 401, 403, 429) },
      },
    },
    async (req, reply) => {
      assertSameOrigin(req);
      const { username, password } = req.body;
      const attempt = throttle.attempt(username, req.ip);
      if ('waitMs' in attempt) {
        const s = Math.ceil(attempt.waitMs / 1000);
        log.warn({ ip: req.ip, username: loggedUsername(username), limit: attempt.which, retryAfterS: s }, 'dashboard sign-in throttled');
        reply.header('retry-after', String(s));
        throw new N3monError('N3MON_ERR_RATE_LIMITED', `too many failed sign-in attempts; try again in ${s} s`);
      }
      let ok = false;
      let found: Awaited<ReturnType<UserStore['credentialsOf']>>;
      try {
        found = await users.credentialsOf(username);
        if (found === undefined) await burnPasswordCheck(password);
        else ok = (await verifyPassword(found.hash, password)) && found.user.disabledAt === null;
      } catch (err) {
        attempt.end('unknown');
        throw err;
      }
      attempt.end(ok ? 'succeeded' : 'failed');
      if (!ok || found === undefined) {
        log.warn({ ip: req.ip, username: loggedUsername(username) }, 'dashboard sign-in failed');
        try {
          await deps.onFailure?.({ username: loggedUsername(username), from: req.ip });
        } catch (err) {
          log.error({ err, ip: req.ip }, 'failed sign-in not recorded in the audit log');
        }
        throw new N3monError('N3MON_ERR_AUTH_INVALID', 'wrong username or password');
      }
      const now = clock.now();
      await sessions.prune(now);
      const s = await sessions.create(found.user.id, now);
      setSessionCookie(reply, s.id, { maxAgeS: Math.floor(sessions.times.absoluteMs / 1000), secure: secure(req) });
      log.info({ ip: req.ip, username: found.user.username, role: found.user.role }, 'dashboard sign-in');
      return info(found.user, s.csrf, s.expiresAt);
    },
  );

  app.get(
    '/api/v1/session',
    {
      schema: {
        tags: TAGS,
        summary: 'Who is signed in (from the session cookie), with the CSRF token; `{ "user": null }` when nobody is',
        response: { 200: Type.Union([SessionInfo, NoSession]) },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      const c = await current(req);
      return c === undefined ? { user: null } : info(c.session.user, c.session.csrf, c.session.expiresAt);
    },
  );

  app.delete(
    '/api/v1/session',
    {
      schema: { tags: TAGS, summary: 'Sign out: ends the session on the server and clears the cookie', response: { 204: Type.Null(), ...errorResponses(403) } },
    },
    async (req, reply) => {
      const c = await current(req);
      if (c !== undefined) {
        assertCsrf(req, c.session);
        await sessions.destroy(c.id);
        log.info({ username: c.session.user.username }, 'dashboard sign-out');
      }
      clearSessionCookie(reply, secure(req));
      return reply.status(204).send(null);
    },
  );
}
