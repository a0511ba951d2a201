/**
 * The agent's token, from the config (`collector.token`) or from a credential file
 * (`collector.tokenFile`, written by `n3mon enrol`, mode 0600). With a file the token can change
 * while the agent runs: rotation writes the new one (atomically: a 0600 temporary file renamed over
 * the old), and after a 401 the pusher re-reads the file, so a server enrolled again delivers its
 * backlog without a restart.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { N3monError } from '../../../shared/src/errors.ts';

export interface CredentialSource {
  /** The token to send now. */
  current(): string;
  /** The credential file, when there is one (rotation needs it). */
  readonly file: string | undefined;
  /** Re-read the file; true when it holds a different token (now current). */
  reload(): boolean;
  /** Write a new token to the file atomically and use it. */
  replace(token: string): void;
}

export function readTokenFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new N3monError('N3MON_ERR_CONFIG_READ', `collector.tokenFile: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, {
      cause: err,
    });
  }
  const token = text.trim();
  if (token.length < 16 || /\s/.test(token))
    throw new N3monError('N3MON_ERR_CONFIG_INVALID', `collector.tokenFile: ${file} does not hold an agent token (n3a_…)`);
  return token;
}

/** Write `token` to `file` with mode 0600 via a temporary file renamed over it. */
export function writeTokenFile(file: string, token: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${token}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

export function credentialSource(opts: { token?: string; tokenFile?: string }): CredentialSource {
  const file = opts.tokenFile;
  let token = file === undefined ? (opts.token as string) : readTokenFile(file);
  return {
    file,
    current: () => token,
    reload() {
      if (file === undefined) return false;
      let now: string;
      try {
        now = readTokenFile(file);
      } catch {
        return false; // unreadable or emptied for a moment: keep the token we have (the caller logs the refusal)
      }
      if (now === token) return false;
      token = now;
      return true;
    },
    replace(next) {
      if (file === undefined) throw new N3monError('N3MON_ERR_INTERNAL', 'no credential file to write');
      writeTokenFile(file, next);
      token = next;
    },
  };
}
