/**
 * The Fastify instance as the collector types it (TypeBox schemas as the type provider). Its own
 * module so that context.ts (what routes get) and the plugins it names (plugins/auth.ts) can both
 * use it without importing each other.
 */
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';

export type TypedApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;
