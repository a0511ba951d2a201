/**
 * The built-in dashboard, as one route module: users and sessions in the state database, sign-in routes,
 * the session cookie as a second way (besides API keys) to use the read API, and the browser app
 * itself at `/`. docs/dashboard.md is the user's guide.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext, RouteModule, TypedApp } from '../context.ts';
import { SessionStore, type SessionTimes } from './sessions.ts';
import { UserStore } from './users.ts';
import { sessionReaderSource, type SecureCookies } from './session-auth.ts';
import { DEFAULT_LOGIN_LIMITS, registerSessionRoutes, type LoginLimits } from './session-routes.ts';
import { registerUserRoutes } from './user-routes.ts';
import { findWebRoot, registerStatic } from './static.ts';

export interface UiOptions {
  /** Directory of the built dashboard; default dist/web beside the running code. */
  webRoot?: string;
  /** Overrides the config's `ui.secureCookies`. */
  secureCookies?: SecureCookies;
  sessionTimes?: Partial<SessionTimes>;
  loginLimits?: Partial<LoginLimits>;
}

export function createUiModule(opts: UiOptions = {}): RouteModule {
  return {
    name: 'ui',
    async register(app: TypedApp, ctx: AppContext): Promise<void> {
      const users = await UserStore.open(ctx.meta.state);
      const sessions = new SessionStore(ctx.meta.state, opts.sessionTimes);
      const log = ctx.log.child({ component: 'ui' });
      app.decorateRequest('uiSession', null);
      const secureCookies = opts.secureCookies ?? ctx.config.ui.secureCookies;
      ctx.auth.addReaderSource(sessionReaderSource(sessions, ctx.clock, secureCookies));
      const webRoot = opts.webRoot ?? findWebRoot();
      if (webRoot === undefined) log.warn({}, 'dashboard not built (no dist/web): `/` explains how to build it');
      // Encapsulated: the security headers apply to these routes only.
      await app.register(async (child) => {
        const scope = child.withTypeProvider<TypeBoxTypeProvider>() as TypedApp;
        registerSessionRoutes(scope, {
          users,
          sessions,
          clock: ctx.clock,
          log,
          secureCookies,
          limits: { ...DEFAULT_LOGIN_LIMITS, ...opts.loginLimits },
          onFailure: async ({ username, from }) => {
            await ctx.meta.audit.record({ actor: 'anonymous', action: 'session.fail', target: `user:${username}`, from });
          },
        });
        registerUserRoutes(scope, { users, auth: ctx.auth, clock: ctx.clock, log, audit: ctx.meta.audit });
        await registerStatic(scope, webRoot);
      });
    },
  };
}

/** The dashboard with its defaults (the route registry's entry). */
export const uiRoutes: RouteModule = createUiModule();
