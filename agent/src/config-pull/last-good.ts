/**
 * The last good pulled config, on disk beside the spool (`<spool.dir>/pulled-config.json`): the
 * PulledConfig the agent last applied, as the collector sent it, so that a restart while the
 * collector is unreachable runs it. It holds the checks' secrets (SNMP communities and keys), so it
 * is private like the agent's token file: written to a 0600 temporary file in the same directory,
 * flushed, then renamed over the old one (a crash leaves the old or the new file, never half of
 * one). A file that is missing is no config; one that cannot be read or is not a PulledConfig is
 * reported (the agent logs it and starts without it).
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { PRIVATE_FILE_MODE, ensurePrivateDir } from '../../../shared/src/private-files.ts';
import { PulledConfig } from '../../../shared/src/pulled-config.ts';
import { problemsOf } from '../../../shared/src/validate.ts';

export const LAST_GOOD_FILE = 'pulled-config.json';

export function lastGoodPath(spoolDir: string): string {
  return join(spoolDir, LAST_GOOD_FILE);
}

export type LastGood = { kind: 'none' } | { kind: 'config'; config: PulledConfig } | { kind: 'unreadable'; reason: string };

export function readLastGood(file: string): LastGood {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? { kind: 'none' } : { kind: 'unreadable', reason: `cannot read ${file} (${code ?? 'error'})` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { kind: 'unreadable', reason: `${file} is not JSON (${(err as Error).message})` };
  }
  const problems = problemsOf(PulledConfig, value);
  if (problems.length > 0) return { kind: 'unreadable', reason: `${file} is not a pulled config: ${problems.slice(0, 3).join('; ')}` };
  return { kind: 'config', config: value as PulledConfig };
}

/** Atomically replaces `file` with `config`, mode 0600, in a private directory. */
export function writeLastGood(file: string, config: PulledConfig): void {
  ensurePrivateDir(join(file, '..'));
  const tmp = `${file}.${process.pid}.tmp`;
  rmSync(tmp, { force: true }); // a stale one would keep its own mode
  const fd = openSync(tmp, 'wx', PRIVATE_FILE_MODE);
  try {
    writeSync(fd, `${JSON.stringify(config)}\n`);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, file);
}
