/**
 * Server-side sessions. The browser holds a random 256-bit id in an HTTP-only cookie; meta.db
 * holds only its SHA-256, with the user id and a CSRF token. Every request looks the session up
 * together with its user, so signing out, disabling a user or changing a role applies at once.
 *
 * A session ends `idleMs` after its last use (default 12 h) or `absoluteMs` after sign-in
 * (default 7 days), whichever comes first. last_seen_at is written at most once a minute.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { SqliteDb } from '../meta/index.ts';
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
  readonly #times: SessionTimes;
  readonly #insert;
  readonly #get;
  readonly #touch;
  readonly #delete;
  readonly #prune;

  /** The `ui` tables must exist (construct a UserStore on the same meta.db first). */
  constructor(db: SqliteDb, times: Partial<SessionTimes> = {}) {
    this.#times = { ...DEFAULT_SESSION_TIMES, ...times };
    this.#insert = db.prepare('INSERT INTO ui_sessions (id_hash, user_id, csrf, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)');
    this.#get = db.prepare<[Buffer], Joined>(
      `SELECT s.csrf, s.created_at, s.last_seen_at, s.expires_at,
              u.id, u.username, u.role, u.practice, u.password_hash, u.created_at AS user_created_at, u.updated_at, u.disabled_at
         FROM ui_sessions s JOIN ui_users u ON u.id = s.user_id WHERE s.id_hash = ?`,
    );
    this.#touch = db.prepare('UPDATE ui_sessions SET last_seen_at = ? WHERE id_hash = ?');
    this.#delete = db.prepare('DELETE FROM ui_sessions WHERE id_hash = ?');
    this.#prune = db.prepare('DELETE FROM ui_sessions WHERE expires_at <= ? OR last_seen_at <= ?');
  }

  get times(): SessionTimes {
    return this.#times;
  }

  /** A new session for the user; returns the cookie value (shown to the browser only). */
  create(userId: string, now: number): { id: string; csrf: string; expiresAt: number } {
    const id = randomBytes(32).toString('base64url');
    const csrf = randomBytes(32).toString('base64url');
    const expiresAt = now + this.#times.absoluteMs;
    this.#insert.run(hashId(id), userId, csrf, now, now, expiresAt);
    return { id, csrf, expiresAt };
  }

  /** The live session for a cookie value, or undefined (unknown, expired, idle too long, user disabled). */
  lookup(id: string, now: number): Session | undefined {
    if (!ID_RE.test(id)) return undefined;
    const key = hashId(id);
    const r = this.#get.get(key);
    if (r === undefined) return undefined;
    if (r.disabled_at !== null || now >= r.expires_at || now - r.last_seen_at >= this.#times.idleMs) {
      this.#delete.run(key);
      return undefined;
    }
    if (now - r.last_seen_at >= TOUCH_EVERY_MS) this.#touch.run(now, key);
    const user = userOf({ ...r, created_at: r.user_created_at });
    return { user, csrf: r.csrf, createdAt: r.created_at, lastSeenAt: r.last_seen_at, expiresAt: r.expires_at };
  }

  /** Sign out this browser. */
  destroy(id: string): void {
    if (ID_RE.test(id)) this.#delete.run(hashId(id));
  }

  /** Forget ended sessions. Returns how many. */
  prune(now: number): number {
    return this.#prune.run(now, now - this.#times.idleMs).changes;
  }
}
