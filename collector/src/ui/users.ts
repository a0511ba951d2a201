/**
 * Dashboard users in the state database (meta/state-db.ts: SQLite or PostgreSQL). Roles:
 *   admin        everything a service desk can, and manages users
 *   servicedesk  every practice: overview, practice pages, alerts (acknowledge)
 *   practice     one practice (a practice manager): its page, its alerts, its reports
 * Usernames are case-insensitive (stored lower-case). Passwords are scrypt hashes (./passwords.ts).
 * Disabling a user, changing their password or role takes effect at once: sessions are looked up
 * with the user row on every request, and a disable or password change deletes their sessions.
 * Nothing is cached: every collector sharing the database sees a change on its next request.
 */
import { randomBytes } from 'node:crypto';
import { N3monError } from '../../../shared/src/errors.ts';
import { isUniqueViolation, type StateDb } from '../meta/state-db.ts';
import { OdsPattern } from '../config/schema.ts';
import { hashPassword, passwordProblems } from './passwords.ts';
import { UI_STATE_MIGRATIONS } from './schema.ts';

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
  readonly db: StateDb;

  /** The `ui` tables must exist: use UserStore.open (which migrates them). */
  constructor(db: StateDb) {
    this.db = db;
  }

  /** Opens (and migrates) the `ui` tables of this state database. */
  static async open(db: StateDb): Promise<UserStore> {
    await db.migrate('ui', UI_STATE_MIGRATIONS);
    return new UserStore(db);
  }

  async #row(username: string): Promise<Raw | undefined> {
    return this.db.get<Raw>('SELECT * FROM ui_users WHERE username = ?', [username.toLowerCase()]);
  }

  /** The user and their password hash, for sign-in. */
  async credentialsOf(username: string): Promise<{ user: User; hash: string } | undefined> {
    const r = await this.#row(username);
    return r === undefined ? undefined : { user: userOf(r), hash: r.password_hash };
  }

  async byUsername(username: string): Promise<User | undefined> {
    const r = await this.#row(username);
    return r === undefined ? undefined : userOf(r);
  }

  async byId(id: string): Promise<User | undefined> {
    const r = await this.db.get<Raw>('SELECT * FROM ui_users WHERE id = ?', [id]);
    return r === undefined ? undefined : userOf(r);
  }

  async list(): Promise<User[]> {
    return (await this.db.all<Raw>('SELECT * FROM ui_users ORDER BY username')).map(userOf);
  }

  async create(req: { username: string; role: UserRole; practice?: string | null; password: string; now?: number }): Promise<User> {
    const username = req.username.toLowerCase();
    const practice = await this.#checkRole(req.role, req.practice ?? null);
    if (!usernameRe.test(req.username)) throw new N3monError('N3MON_ERR_CLI_USAGE', `username: "${req.username}" must match ${UsernamePattern}`);
    const problems = passwordProblems(req.password);
    if (problems.length > 0) throw new N3monError('N3MON_ERR_CLI_USAGE', problems.join('; '));
    if ((await this.#row(username)) !== undefined) throw new N3monError('N3MON_ERR_CLI_USAGE', `username: "${username}" already exists`);
    const hash = await hashPassword(req.password);
    const now = req.now ?? Date.now();
    const id = randomBytes(6).toString('hex');
    // The existence check above ran before an await: a concurrent create of the same name (here or
    // on another collector) fails here on UNIQUE.
    try {
      await this.db.run(
        'INSERT INTO ui_users (id, username, role, practice, password_hash, created_at, updated_at) VALUES (@id, @username, @role, @practice, @hash, @now, @now)',
        { id, username, role: req.role, practice, hash, now },
      );
    } catch (err) {
      if (isUniqueViolation(err)) throw new N3monError('N3MON_ERR_CLI_USAGE', `username: "${username}" already exists`, { cause: err });
      throw err;
    }
    return (await this.byId(id)) as User;
  }

  /** Change role (and practice); effective on the user's next request. */
  async setRole(username: string, role: UserRole, practice: string | null, now = Date.now()): Promise<User> {
    const user = await this.#need(username);
    const p = await this.#checkRole(role, practice);
    await this.db.run('UPDATE ui_users SET role = ?, practice = ?, updated_at = ? WHERE id = ?', [role, p, now, user.id]);
    return (await this.byId(user.id)) as User;
  }

  /** New password; signs the user out everywhere. */
  async setPassword(username: string, password: string, now = Date.now()): Promise<User> {
    const user = await this.#need(username);
    const problems = passwordProblems(password);
    if (problems.length > 0) throw new N3monError('N3MON_ERR_CLI_USAGE', problems.join('; '));
    const hash = await hashPassword(password);
    await this.db.tx(async (tx) => {
      await tx.run('UPDATE ui_users SET password_hash = ?, updated_at = ? WHERE id = ?', [hash, now, user.id]);
      await tx.run('DELETE FROM ui_sessions WHERE user_id = ?', [user.id]);
    });
    return (await this.byId(user.id)) as User;
  }

  /** Disable (signs out everywhere) or enable again. */
  async setDisabled(username: string, disabled: boolean, now = Date.now()): Promise<User> {
    const user = await this.#need(username);
    await this.db.tx(async (tx) => {
      await tx.run('UPDATE ui_users SET disabled_at = ?, updated_at = ? WHERE id = ?', [disabled ? now : null, now, user.id]);
      if (disabled) await tx.run('DELETE FROM ui_sessions WHERE user_id = ?', [user.id]);
    });
    return (await this.byId(user.id)) as User;
  }

  async #need(username: string): Promise<User> {
    const user = await this.byUsername(username);
    if (user === undefined) throw new N3monError('N3MON_ERR_NOT_FOUND', `no user "${username.toLowerCase()}"`);
    return user;
  }

  async #checkRole(role: UserRole, practice: string | null): Promise<string | null> {
    if (!isUserRole(role)) throw new N3monError('N3MON_ERR_CLI_USAGE', `role: must be one of ${USER_ROLES.join(', ')}`);
    if (role !== 'practice') {
      if (practice !== null) throw new N3monError('N3MON_ERR_CLI_USAGE', `practice: a ${role} user sees every practice; leave out --practice`);
      return null;
    }
    if (practice === null) throw new N3monError('N3MON_ERR_CLI_USAGE', 'practice: a practice user needs --practice ODS');
    if (!odsRe.test(practice)) throw new N3monError('N3MON_ERR_CLI_USAGE', `practice: "${practice}" is not an ODS code (${OdsPattern}, e.g. A81001)`);
    // The practices table is core's (meta/schema.ts); ui_users.practice references it.
    if ((await this.db.get('SELECT ods FROM practices WHERE ods = ?', [practice])) === undefined) {
      throw new N3monError(
        'N3MON_ERR_NOT_FOUND',
        `practice ${practice} is not known: add it to the config's practices (and start the collector or pass --config), or create an agent token for it first`,
      );
    }
    return practice;
  }
}
