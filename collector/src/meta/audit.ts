/**
 * The audit log in the state database: every admin and service-desk write — users, roles, API keys, agent
 * tokens (also from the CLI), maintenance windows, acknowledgements — as one row: who (`actor`),
 * what (`action`, `target`, `detail`), when (`at`, collector clock) and from where (`from`: the
 * client address, or `cli`). Append-only: nothing updates a row; the collector's maintenance
 * deletes entries older than AUDIT_RETENTION_DAYS (failed sign-ins and refused enrolments are
 * written by anonymous callers, so the table must not grow for ever).
 *
 *   await meta.audit.record({ actor: 'user:alice', action: 'maintenance.create', target: 'maintenance:12',
 *                       from: '10.0.0.7', practice: 'A81001', detail: { startsAt, endsAt } })
 *
 * Actors: `user:<username>` (dashboard session), `key:<id>` (API key), `cli:<OS user>` (the n3mon
 * CLI). Actions are `<resource>.<verb>` (AUDIT_ACTIONS, documented in docs/api.md).
 */
import { userInfo } from 'node:os';
import type { StateDb } from './state-db.ts';

/** Every action recorded. Append, never rename (docs/api.md lists them; a test keeps them in step). */
export const AUDIT_ACTIONS = [
  'user.create',
  'user.change',
  'user.set-role',
  'user.password',
  'user.disable',
  'user.enable',
  'session.fail',
  'apikey.create',
  'apikey.revoke',
  'token.create',
  'token.revoke',
  'maintenance.create',
  'maintenance.change',
  'maintenance.delete',
  'maintenance.correct',
  'alert.ack',
  'enrolment.create',
  'enrolment.revoke',
  'enrolment.use',
  'enrolment.refuse',
  'agent.revoke',
  'token.rotate',
  'template.put',
  'template.delete',
  'config-values.put',
  'config.rollback',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** How long entries are kept (two years: a monthly report may be questioned long after). */
export const AUDIT_RETENTION_DAYS = 730;

export interface AuditInput {
  /** `user:<name>`, `key:<id>`, `cli:<OS user>`. */
  actor: string;
  action: AuditAction;
  /** What was changed: `maintenance:12`, `alert:5`, `user:bob`, `apikey:<id>`, `token:<id>`. */
  target?: string | null;
  /** Where the request came from: the client address, or `cli`. */
  from: string;
  /** The practice concerned, when there is one. */
  practice?: string | null;
  /** What changed (never a secret: no passwords, keys or tokens). */
  detail?: Record<string, unknown> | null;
  /** Epoch ms; default now. */
  at?: number;
}

export interface AuditEntry {
  id: number;
  at: number;
  actor: string;
  action: string;
  target: string | null;
  from: string;
  practice: string | null;
  detail: Record<string, unknown> | null;
}

export interface AuditQuery {
  actor?: string;
  action?: string;
  since?: number;
  until?: number;
  limit: number;
  offset: number;
}

interface Raw {
  id: number;
  at: number;
  actor: string;
  action: string;
  target: string | null;
  source: string;
  practice: string | null;
  detail: string | null;
}

const fromRaw = (r: Raw): AuditEntry => ({
  id: r.id,
  at: r.at,
  actor: r.actor,
  action: r.action,
  target: r.target,
  from: r.source,
  practice: r.practice,
  detail: r.detail === null ? null : (JSON.parse(r.detail) as Record<string, unknown>),
});

/** Column limits: an actor or target is a name, never a body. */
const MAX_TEXT = 200;
const clip = (s: string): string => (s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}…` : s);

export class AuditLog {
  readonly #db: StateDb;

  constructor(db: StateDb) {
    this.#db = db;
  }

  /** Append one entry; returns its id. */
  async record(e: AuditInput): Promise<number> {
    const row = {
      at: e.at ?? Date.now(),
      actor: clip(e.actor),
      action: e.action,
      target: e.target === undefined || e.target === null ? null : clip(e.target),
      source: clip(e.from),
      practice: e.practice ?? null,
      detail: e.detail === undefined || e.detail === null ? null : JSON.stringify(e.detail),
    };
    const r = await this.#db.get<{ id: number }>(
      'INSERT INTO audit_log (at, actor, action, target, source, practice, detail) VALUES (@at, @actor, @action, @target, @source, @practice, @detail) RETURNING id',
      row,
    );
    return Number(r?.id);
  }

  /** Delete entries recorded before `before` (epoch ms). Returns how many. */
  async prune(before: number): Promise<number> {
    return (await this.#db.run('DELETE FROM audit_log WHERE at < ?', [before])).changes;
  }

  /** Entries newest first, filtered; `total` counts all that match. */
  async list(q: AuditQuery): Promise<{ total: number; items: AuditEntry[] }> {
    const where: string[] = [];
    const args: Record<string, string | number> = {};
    if (q.actor !== undefined) where.push('actor = @actor'), (args.actor = q.actor);
    if (q.action !== undefined) where.push('action = @action'), (args.action = q.action);
    if (q.since !== undefined) where.push('at >= @since'), (args.since = q.since);
    if (q.until !== undefined) where.push('at < @until'), (args.until = q.until);
    const clause = where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`;
    const total = (await this.#db.get<{ n: number }>(`SELECT count(*) AS n FROM audit_log ${clause}`, args))?.n ?? 0;
    const rows = await this.#db.all<Raw>(
      `SELECT id, at, actor, action, target, source, practice, detail FROM audit_log ${clause} ORDER BY at DESC, id DESC LIMIT @limit OFFSET @offset`,
      { ...args, limit: q.limit, offset: q.offset },
    );
    return { total, items: rows.map(fromRaw) };
  }
}

/** The actor of a CLI command: `cli:<OS user>` (the user running n3mon). */
export function cliActor(): { actor: string; from: string } {
  let name: string;
  try {
    name = userInfo().username;
  } catch (err) {
    // No passwd entry for this uid (a container): say which uid.
    name = `uid ${process.getuid?.() ?? '?'} (${(err as Error).message})`;
  }
  return { actor: `cli:${name}`, from: 'cli' };
}
