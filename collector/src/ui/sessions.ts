/**
 * Server-side sessions. The browser holds a random 256-bit id in an HTTP-only cookie; the state
 * database holds only its SHA-256, with the user id and a CSRF token. Every request looks the
 * session up together with its user (no cache), so signing out, disabling a user or changing a role
 * applies at once — on every collector sharing the database, whichever one the browser lands on.
 *
 * A session ends `idleMs` after its last use (default 12 h) or `absoluteMs` after sign-in
 * (default 7 days), whichever comes first. last_seen_at is written at most once a minute.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { StateDb } from '../meta/state-db.ts';
import { userOf, type User } from './users.ts';

export interface SessionTimes {
  idleMs: number;
  absoluteMs: number;
}

export const DEFAULT_SESSION_TIMES: SessionTimes = { idleMs: 12 * 3600_000, absoluteMs: 7 * 86_400_000 };
const TOUCH_EVERY_MS = 60_000;
const ID_RE = /^[A-Za-z0-9_-]{43}$/;

export interface Session {
  user: User;
  csrf: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
}

const hashId = (id: string): Buffer => createHash('sha256').update(id, 'utf8').digest();

interface Joined {
  csrf: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  id: string;
  username: string;
  role: User['role'];
  practice: string | null;
  password_hash: string;
  user_created_at: number;
  updated_at: number;
  disabled_at: number | null;
}

export class SessionStore {
  readonly #db: StateDb;
  readonly #times: SessionTimes;

  /** The `ui` tables must exist (open a UserStore on the same database first). */
  constructor(db: StateDb, times: Partial<SessionTimes> = {}) {
    this.#db = db;
    this.#times = { ...DEFAULT_SESSION_TIMES, ...times };
  }

  get times(): SessionTimes {
    return this.#times;
  }

  /** A new session for the user; returns the cookie value (shown to the browser only). */
  async create(userId: string, now: number): Promise<{ id: string; csrf: string; expiresAt: number }> {
    const id = randomBytes(32).toString('base64url');
    const csrf = randomBytes(32).toString('base64url');
    const expiresAt = now + this.#times.absoluteMs;
    await this.#db.run('INSERT INTO ui_sessions (id_hash, user_id, csrf, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)', [
      hashId(id),
      userId,
      csrf,
      now,
      now,
      expiresAt,
    ]);
    return { id, csrf, expiresAt };
  }

  /** The live session for a cookie value, or undefined (unknown, expired, idle too long, user disabled). */
  async lookup(id: string, now: number): Promise<Session | undefined> {
    if (!ID_RE.test(id)) return undefined;
    const key = hashId(id);
    const r = await this.#db.get<Joined>(
      `SELECT s.csrf, s.created_at, s.last_seen_at, s.expires_at,
              u.id, u.username, u.role, u.practice, u.password_hash, u.created_at AS user_created_at, u.updated_at, u.disabled_at
         FROM ui_sessions s JOIN ui_users u ON u.id = s.user_id WHERE s.id_hash = ?`,
      [key],
    );
    if (r === undefined) return undefined;
    if (r.disabled_at !== null || now >= r.expires_at || now - r.last_seen_at >= this.#times.idleMs) {
      await this.#db.run('DELETE FROM ui_sessions WHERE id_hash = ?', [key]);
      return undefined;
    }
    if (now - r.last_seen_at >= TOUCH_EVERY_MS) {
      // Another collector may have touched it since: never move it back.
      await this.#db.run('UPDATE ui_sessions SET last_seen_at = ? WHERE id_hash = ? AND last_seen_at < ?', [now, key, now]);
    }
    const user = userOf({ ...r, created_at: r.user_created_at });
    return { user, csrf: r.csrf, createdAt: r.created_at, lastSeenAt: r.last_seen_at, expiresAt: r.expires_at };
  }

  /** Sign out this browser. */
  async destroy(id: string): Promise<void> {
    if (ID_RE.test(id)) await this.#db.run('DELETE FROM ui_sessions WHERE id_hash = ?', [hashId(id)]);
  }

  /** Forget ended sessions. Returns how many. */
  async prune(now: number): Promise<number> {
    return (await this.#db.run('DELETE FROM ui_sessions WHERE expires_at <= ? OR last_seen_at <= ?', [now, now - this.#times.idleMs])).changes;
  }
}
