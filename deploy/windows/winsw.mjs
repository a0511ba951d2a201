// WinSW — the Windows service wrapper the agent runs under — taken at release time from the npm
// registry, never downloaded on a practice server: node-windows (a maintained npm package for
// Windows services) carries WinSW's executable in bin/winsw/. The package's integrity (as npm
// records it) and the executable's SHA-256 are pinned here; a mismatch stops the release.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const WINSW = Object.freeze({
  package: 'node-windows@0.1.14',
  integrity: 'sha512-2sz0i+ckeX/+22Z4KcDVis1ukyGOYZWx2WG9nQYauUwzIxEye5QcMrExkH7OaRSHkwM5bN/jesxsiQqkUb1O/w==',
  path: 'package/bin/winsw/winsw.exe',
  /** Beside the executable as <name>.exe.config: lets this .NET 2.0 build run on .NET 4 (Server 2016 has no 2.0/3.5 by default). */
  configPath: 'package/bin/winsw/winsw.exe.config',
  /** WinSW 1.17.0.0 (the executable's FileVersion), MIT licence. */
  version: '1.17.0',
  sha256: '5859b114d96800a2b98ef9d19eaa573a786a422dad324547ef25be181389df01',
});

/** Copies WinSW's executable to `dest` (and its .NET runtime config to `dest`.config) after checking both pins; throws on any mismatch. */
export async function fetchWinsw(dest) {
  const dir = mkdtempSync(join(tmpdir(), 'n3mon-winsw-'));
  try {
    const pack = spawnSync('npm', ['pack', WINSW.package, '--json', '--pack-destination', dir], { encoding: 'utf8', shell: process.platform === 'win32' });
    if (pack.status !== 0) throw new Error(`npm pack ${WINSW.package} failed: ${pack.stderr}`);
    const [info] = JSON.parse(pack.stdout);
    const tgz = join(dir, info.filename);
    const integrity = `sha512-${createHash('sha512').update(readFileSync(tgz)).digest('base64')}`;
    if (integrity !== WINSW.integrity) throw new Error(`${WINSW.package}: integrity ${integrity}, expected ${WINSW.integrity}`);
    const untar = spawnSync('tar', ['-xzf', tgz, '-C', dir, WINSW.path, WINSW.configPath], { encoding: 'utf8' });
    if (untar.status !== 0) throw new Error(`tar could not extract ${WINSW.path}: ${untar.stderr}`);
    const exe = join(dir, WINSW.path);
    const sum = createHash('sha256').update(readFileSync(exe)).digest('hex');
    if (sum !== WINSW.sha256) throw new Error(`${WINSW.path}: sha256 ${sum}, expected ${WINSW.sha256}`);
    copyFileSync(exe, dest);
    copyFileSync(join(dir, WINSW.configPath), `${dest}.config`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
