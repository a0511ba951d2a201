/**
 * What the collector's data directory and the agent's spool hold — credential hashes, sessions,
 * monitoring data, logs, reports — is for the service user alone, whatever the process umask:
 * directories n3mon creates are 0700 and the files 0600 (archived reports 0640: a backup group
 * may read them). A umask can only take bits away, so creating with these modes is enough for new
 * files; an existing file that others may read (made by an older n3mon) loses those bits when it
 * is opened. Existing directories are left alone (an operator may have chosen their mode, and
 * the systemd units create them 0750 with UMask=0077).
 */
import { chmodSync, closeSync, constants, mkdirSync, openSync, statSync } from 'node:fs';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;
/** Archived reports and their month directories: the owner writes, a group (backup, mail relay) may read. */
export const SHARED_READ_FILE_MODE = 0o640;
export const SHARED_READ_DIR_MODE = 0o750;

/** mkdir -p: every directory it creates is 0700 whatever the umask. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/**
 * Create `file` (empty) with mode 0600 if it does not exist, in a 0700 directory; if it exists,
 * take away group write and every permission of others. SQLite then creates its -wal and -shm
 * files with the database file's mode.
 */
export function ensurePrivateFile(file: string, dir: string): void {
  ensurePrivateDir(dir);
  closeSync(openSync(file, constants.O_CREAT | constants.O_RDWR, PRIVATE_FILE_MODE));
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o027) !== 0) chmodSync(file, mode & ~0o027);
}
