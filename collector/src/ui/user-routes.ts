/**
 * User management for admins signed in to the dashboard (API keys have no admin role):
 *   GET   /api/v1/users                   every user
 *   POST  /api/v1/users                   create { username, role, practice?, password? } — without
 *                                         a password one is generated and answered once
 *   PATCH /api/v1/users/:username         { role?, practice?, disabled?, password? }
 * Changes apply at once: a disabled user or a new password ends that user's sessions; a new role
 * is read on their next request. An admin cannot disable or demote themself (no lock-out).
 */
import Type from 'typebox';
import type { FastifyRequest } from 'fastify';
import { isN3monError, N3monError } from '../../../shared/src/errors.ts';
import type { Clock } from '../../../shared/src/clock.ts';
import type { Logger } from '../../../shared/src/log.ts';
import type { TypedApp } from '../context.ts';
import { auditActor, type AuthHooks } from '../plugins/auth.ts';
import type { AuditLog } from '../meta/audit.ts';
import { errorResponses } from '../plugins/errors.ts';
import { generatePassword } from './passwords.ts';
import { USER_ROLES, UsernamePattern, type User, type UserRole, type UserStore } from './users.ts';

const Role = Type.Enum([...USER_ROLES]);
const Practice = Type.Union([Type.String({ maxLength: 12 }), Type.Null()]);

const UserView = Type.Object({
  username: Type.String(),
  role: Role,
  practice: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  disabled: Type.Boolean(),
});

const CreateBody = Type.Object(
  {
    username: Type.String({ pattern: UsernamePattern }),
    role: Role,
    practice: Type.Optional(Practice),
    password: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { additionalProperties: false },
);

const PatchBody = Type.Object(
  {
    role: Type.Optional(Role),
    practice: Type.Optional(Practice),
    disabled: Type.Optional(Type.Boolean()),
    password: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { additionalProperties: false, minProperties: 1 },
);

const view = (u: User) => ({
  username: u.username,
  role: u.role,
  practice: u.practice,
  createdAt: new Date(u.createdAt).toISOString(),
  updatedAt: new Date(u.updatedAt).toISOString(),
  disabled: u.disabledAt !== null,
});

function adminOf(req: FastifyRequest): User {
  const user = req.uiSession?.user;
  if (user?.role !== 'admin') throw new N3monError('N3MON_ERR_AUTH_FORBIDDEN', 'managing users needs an admin signed in to the dashboard');
  return user;
}

/** The user store speaks CLI (usage errors); over HTTP those are bad requests. */
async function asRequest<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isN3monError(err, 'N3MON_ERR_CLI_USAGE')) throw new N3monError('N3MON_ERR_REQUEST_INVALID', err.message, { problems: [err.message], cause: err });
    throw err;
  }
}

export function registerUserRoutes(app: TypedApp, deps: { users: UserStore; auth: AuthHooks; clock: Clock; log: Logger; audit: AuditLog }): void {
  const { users, clock, log, audit } = deps;
  const common = { onRequest: deps.auth.apiKey };
  const tags = ['session'];

  app.get(
    '/api/v1/users',
    {
      ...common,
      schema: { tags, summary: 'Dashboard users (admins)', response: { 200: Type.Object({ items: Type.Array(UserView) }), ...errorResponses(401, 403) } },
    },
    async (req) => {
      adminOf(req);
      return { items: (await users.list()).map(view) };
    },
  );

  app.post(
    '/api/v1/users',
    {
      ...common,
      schema: {
        tags,
        summary: 'Create a dashboard user (admins); a generated password is answered once',
        body: CreateBody,
        response: { 201: Type.Object({ user: UserView, password: Type.Optional(Type.String()) }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      const admin = adminOf(req);
      const b = req.body;
      const password = b.password ?? generatePassword();
      const user = await asRequest(() => users.create({ username: b.username, role: b.role, practice: b.practice ?? null, password, now: clock.now() }));
      log.info({ by: admin.username, username: user.username, role: user.role, practice: user.practice }, 'dashboard user created');
      await audit.record({
        ...auditActor(req),
        action: 'user.create',
        target: `user:${user.username}`,
        practice: user.practice,
        detail: { role: user.role, generatedPassword: b.password === undefined },
        at: clock.now(),
      });
      return reply.status(201).send({ user: view(user), ...(b.password === undefined ? { password } : {}) });
    },
  );

  app.patch(
    '/api/v1/users/:username',
    {
      ...common,
      schema: {
        tags,
        summary: 'Change a dashboard user: role, practice, disabled, password (admins)',
        params: Type.Object({ username: Type.String({ pattern: UsernamePattern }) }, { additionalProperties: false }),
        body: PatchBody,
        response: { 200: Type.Object({ user: UserView }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const admin = adminOf(req);
      const target = await users.byUsername(req.params.username);
      if (target === undefined) throw new N3monError('N3MON_ERR_NOT_FOUND', `no user "${req.params.username.toLowerCase()}"`);
      const b = req.body;
      const self = target.id === admin.id;
      if (self && (b.disabled === true || (b.role !== undefined && b.role !== 'admin'))) {
        throw new N3monError('N3MON_ERR_REQUEST_INVALID', 'an admin cannot disable or demote themself; ask another admin', {
          problems: ['body: not for your own user'],
        });
      }
      const now = clock.now();
      let user = target;
      await asRequest(async () => {
        if (b.role !== undefined || b.practice !== undefined) {
          const role: UserRole = b.role ?? user.role;
          user = await users.setRole(user.username, role, b.practice === undefined ? (role === 'practice' ? user.practice : null) : b.practice, now);
        }
        if (b.password !== undefined) user = await users.setPassword(user.username, b.password, now);
        if (b.disabled !== undefined) user = await users.setDisabled(user.username, b.disabled, now);
      });
      const changed = Object.keys(b);
      log.info({ by: admin.username, username: user.username, changed }, 'dashboard user changed');
      // The new values, never the password (only that it changed).
      const detail = {
        changed,
        role: user.role,
        practice: user.practice,
        ...(b.disabled === undefined ? {} : { disabled: b.disabled }),
        before: { role: target.role, practice: target.practice, disabled: target.disabledAt !== null },
      };
      await audit.record({ ...auditActor(req), action: 'user.change', target: `user:${user.username}`, practice: user.practice, detail, at: now });
      return { user: view(user) };
    },
  );
}
