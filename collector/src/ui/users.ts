/**
 * Dashboard users in meta.db. Roles:
 *   admin        everything a service desk can, and manages users
 *   servicedesk  every practice: overview, practice pages, alerts (acknowledge)
 *   practice     one practice (a practice manager): its page, its alerts, its reports
 * Usernames are case-insensitive (stored lower-case). Passwords are scrypt hashes (./passwords.ts).
 * Disabling a user, changing their password or role takes effect at once: sessions are looked up
 * with the user row on every request, and a disable or password change deletes their sessions.
 */
import { randomBytes } from 'node:crypto';
import { N3monError } from '../../../shared/src/errors.ts';
import type { Meta, SqliteDb } from '../meta/index.ts';
import { OdsPattern } from '../config/schema.ts';
import { hashPassword, passwordProblems } from './passwords.ts';
import { UI_MIGRATIONS } from './schema.ts';

export const USER_ROLES = ['admin', 'servicedesk', 'practice'] as const;
export type UserRole = (typeof USER_ROLES)[number];
export const UsernamePattern = '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$';
const usernameRe = new RegExp(UsernamePattern);
const odsRe = new RegExp(OdsPattern);

export interface User {
  id: string;
  username: string;
  role: UserRole;
  /** The one practice a `practice` user sees; null otherwise. */
  practice: string | null;
  createdAt: number;
  updatedAt: number;
  disabledAt: number | null;
}

interface Raw {
  id: string;
  username: string;
  role: UserRole;
  practice: string | null;
  password_hash: string;
  created_at: number;
  updated_at: number;
  disabled_at: number | null;
}

export const userOf = (r: Raw): User => ({
  id: r.id,
  username: r.username,
  role: r.role,
  practice: r.practice,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  disabledAt: r.disabled_at,
});

export function isUserRole(x: string): x is UserRole {
  return (USER_ROLES as readonly string[]).includes(x);
}

export class UserStore {
  readonly db: SqliteDb;
  readonly #meta: Meta;
  readonly #byName;
  readonly #byId;
  readonly #all;
  readonly #insert;
  readonly #setRole;
  readonly #setHash;
  readonly #setDisabled;
  readonly #dropSessions;

  /** Opens (and migrates) the `ui` tables of this meta.db. */
  constructor(meta: Meta) {
    meta.migrate('ui', UI_MIGRATIONS);
    this.#meta = meta;
    const db = (this.db = meta.db);
    this.#byName = db.prepare<[string], Raw>('SELECT * FROM ui_users WHERE username = ?');
    this.#byId = db.prepare<[string], Raw>('SELECT * FROM ui_users WHERE id = ?');
    this.#all = db.prepare<[], Raw>('SELECT * FROM ui_users ORDER BY username');
    this.#insert = db.prepare(
      'INSERT INTO ui_users (id, username, role, practice, password_hash, created_at, updated_at) VALUES (@id, @username, @role, @practice, @hash, @now, @now)',
    );
    this.#setRole = db.prepare('UPDATE ui_users SET role = ?, practice = ?, updated_at = ? WHERE id = ?');
    this.#setHash = db.prepare('UPDATE ui_users SET password_hash = ?, updated_at = ? WHERE id = ?');
    this.#setDisabled = db.prepare('UPDATE ui_users SET disabled_at = ?, updated_at = ? WHERE id = ?');
    this.#dropSessions = db.prepare('DELETE FROM ui_sessions WHERE user_id = ?');
  }

  /** The user and their password hash, for sign-in. */
  credentialsOf(username: string): { user: User; hash: string } | undefined {
    const r = this.#byName.get(username.toLowerCase());
    return r === undefined ? undefined : { user: userOf(r), hash: r.password_hash };
  }

  byUsername(username: string): User | undefined {
    const r = this.#byName.get(username.toLowerCase());
    return r === undefined ? undefined : userOf(r);
  }

  byId(id: string): User | undefined {
    const r = this.#byId.get(id);
    return r === undefined ? undefined : userOf(r);
  }

  list(): User[] {
    return this.#all.all().map(userOf);
  }

  async create(req: { username: string; role: UserRole; practice?: string | null; password: string; now?: number }): Promise<User> {
    const username = req.username.toLowerCase();
    const practice = this.#checkRole(req.role, req.practice ?? null);
    if (!usernameRe.test(req.username)) throw new N3monError('N3MON_ERR_CLI_USAGE', `username: "${req.username}" must match ${UsernamePattern}`);
    const problems = passwordProblems(req.password);
    if (problems.length > 0) throw new N3monError('N3MON_ERR_CLI_USAGE', problems.join('; '));
    if (this.#byName.get(username) !== undefined) throw new N3monError('N3MON_ERR_CLI_USAGE', `username: "${username}" already exists`);
    const hash = await hashPassword(req.password);
    const now = req.now ?? Date.now();
    const id = randomBytes(6).toString('hex');
    // The existence check above ran before an await: a concurrent create of the same name fails here on UNIQUE.
    try {
      this.#insert.run({ id, username, role: req.role, practice, hash, now });
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE')
        throw new N3monError('N3MON_ERR_CLI_USAGE', `username: "${username}" already exists`, { cause: err });
      throw err;
    }
    return this.byId(id) as User;
  }

  /** Change role (and practice); effective on the user's next request. */
  setRole(username: string, role: UserRole, practice: string | null, now = Date.now()): User {
    const user = this.#need(username);
    const p = this.#checkRole(role, practice);
    this.#setRole.run(role, p, now, user.id);
    return this.byId(user.id) as User;
  }

  /** New password; signs the user out everywhere. */
  async setPassword(username: string, password: string, now = Date.now()): Promise<User> {
    const user = this.#need(username);
    const problems = passwordProblems(password);
    if (problems.length > 0) throw new N3monError('N3MON_ERR_CLI_USAGE', problems.join('; '));
    const hash = await hashPassword(password);
    this.db.transaction(() => {
      this.#setHash.run(hash, now, user.id);
      this.#dropSessions.run(user.id);
    })();
    return this.byId(user.id) as User;
  }

  /** Disable (signs out everywhere) or enable again. */
  setDisabled(username: string, disabled: boolean, now = Date.now()): User {
    const user = this.#need(username);
    this.db.transaction(() => {
      this.#setDisabled.run(disabled ? now : null, now, user.id);
      if (disabled) this.#dropSessions.run(user.id);
    })();
    return this.byId(user.id) as User;
  }

  #need(username: string): User {
    const user = this.byUsername(username);
    if (user === undefined) throw new N3monError('N3MON_ERR_NOT_FOUND', `no user "${username.toLowerCase()}"`);
    return user;
  }

  #checkRole(role: UserRole, practice: string | null): string | null {
    if (!isUserRole(role)) throw new N3monError('N3MON_ERR_CLI_USAGE', `role: must be one of ${USER_ROLES.join(', ')}`);
    if (role !== 'practice') {
      if (practice !== null) throw new N3monError('N3MON_ERR_CLI_USAGE', `practice: a ${role} user sees every practice; leave out --practice`);
      return null;
    }
    if (practice === null) throw new N3monError('N3MON_ERR_CLI_USAGE', 'practice: a practice user needs --practice ODS');
    if (!odsRe.test(practice)) throw new N3monError('N3MON_ERR_CLI_USAGE', `practice: "${practice}" is not an ODS code (${OdsPattern}, e.g. A81001)`);
    if (this.#meta.practices.get(practice) === undefined) {
      throw new N3monError(
        'N3MON_ERR_NOT_FOUND',
        `practice ${practice} is not known: add it to the config's practices (and start the collector or pass --config), or create an agent token for it first`,
      );
    }
    return practice;
  }
}
