/**
 * Sign-in for the dashboard:
 *   POST   /api/v1/session  { username, password } → a session cookie and the CSRF token
 *   GET    /api/v1/session  who is signed in (and the CSRF token again, for a reloaded page)
 *   DELETE /api/v1/session  sign out (needs the CSRF token)
 * Sign-in is rate-limited per client address and per username (429 with Retry-After); a wrong
 * username and a wrong password answer alike, in about the same time.
 */
import Type, { type Static } from 'typebox';
import type { FastifyRequest } from 'fastify';
import { N3monError } from '../../../shared/src/errors.ts';
import type { Logger } from '../../../shared/src/log.ts';
import type { Clock } from '../../../shared/src/clock.ts';
import type { TypedApp } from '../context.ts';
import { errorResponses } from '../plugins/errors.ts';
import { burnPasswordCheck, verifyPassword } from './passwords.ts';
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
type LoginBody = Static<typeof LoginBody>;

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

export interface LoginLimits {
  /** Attempts per client address per window (default 100 / 5 min: a whole office may sit behind one address). */
  perAddress: { max: number; windowMs: number };
  /** Attempts per username per window (default 10 / 15 min). */
  perUsername: { max: number; windowMs: number };
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perAddress: { max: 100, windowMs: 5 * 60_000 }, perUsername: { max: 10, windowMs: 15 * 60_000 } };

export interface SessionRouteDeps {
  users: UserStore;
  sessions: SessionStore;
  clock: Clock;
  log: Logger;
  secureCookies: SecureCookies;
  limits: LoginLimits;
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
  const byAddress = app.createRateLimit({ max: deps.limits.perAddress.max, timeWindow: deps.limits.perAddress.windowMs, keyGenerator: (req) => `ip:${req.ip}` });
  const byUsername = app.createRateLimit({
    max: deps.limits.perUsername.max,
    timeWindow: deps.limits.perUsername.windowMs,
    keyGenerator: (req) => `user:${(req.body as LoginBody).username.toLowerCase()}`,
  });

  const current = (req: FastifyRequest): { id: string; session: Session } | undefined => {
    const id = sessionCookieOf(req, secure(req));
    const session = id === undefined ? undefined : sessions.lookup(id, clock.now());
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
      for (const limiter of [byAddress, byUsername]) {
        const r = await limiter(req);
        if (!r.isAllowed && r.isExceeded) {
          log.warn({ ip: req.ip, username: req.body.username }, 'dashboard sign-in rate-limited');
          reply.header('retry-after', String(r.ttlInSeconds));
          throw new N3monError('N3MON_ERR_RATE_LIMITED', `too many sign-in attempts; try again in ${r.ttlInSeconds} s`);
        }
      }
      const { username, password } = req.body;
      const found = users.credentialsOf(username);
      let ok = false;
      if (found === undefined) await burnPasswordCheck(password);
      else ok = (await verifyPassword(found.hash, password)) && found.user.disabledAt === null;
      if (!ok || found === undefined) {
        log.warn({ ip: req.ip, username }, 'dashboard sign-in failed');
        throw new N3monError('N3MON_ERR_AUTH_INVALID', 'wrong username or password');
      }
      const now = clock.now();
      sessions.prune(now);
      const s = sessions.create(found.user.id, now);
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
      const c = current(req);
      return c === undefined ? { user: null } : info(c.session.user, c.session.csrf, c.session.expiresAt);
    },
  );

  app.delete(
    '/api/v1/session',
    { schema: { tags: TAGS, summary: 'Sign out: ends the session on the server and clears the cookie', response: { 204: Type.Null(), ...errorResponses(403) } } },
    async (req, reply) => {
      const c = current(req);
      if (c !== undefined) {
        assertCsrf(req, c.session);
        sessions.destroy(c.id);
        log.info({ username: c.session.user.username }, 'dashboard sign-out');
      }
      clearSessionCookie(reply, secure(req));
      return reply.status(204).send(null);
    },
  );
}
