// install.sh, the systemd units and the docs name the same options and paths: every
// `install.sh --option` the README and docs/deploy.md show is one install.sh accepts, and every
// `npm run release -- --flag` one release.mjs accepts. (The install itself is exercised end to end
// by test/integration/release/release.test.ts.)
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const read = (...p: string[]) => readFileSync(join(repo, ...p), 'utf8');
const installSh = read('deploy', 'linux', 'install.sh');
const docs = { 'README.md': read('README.md'), 'docs/deploy.md': read('docs', 'deploy.md') };

/** The long options of install.sh's `case $1 in` arms. */
const accepted = [...installSh.matchAll(/^\s+((?:--[a-z-]+\|?|-h\|?)+)\)/gm)].flatMap((m) => m[1]!.split('|'));

describe('install.sh', () => {
  it('accepts the options its header documents', () => {
    expect(accepted).toEqual(expect.arrayContaining(['--collector', '--agent', '--config', '--destdir', '--no-system', '--help']));
    // The usage line and the option list (`# --option …`) of the header.
    const header = installSh
      .split('\n')
      .filter((l) => /^#\s+(?:sudo \.\/install\.sh|--)/.test(l))
      .join('\n');
    const documented = header.match(/--[a-z-]+/g) ?? [];
    expect(documented.length).toBeGreaterThan(3);
    for (const opt of documented) expect(accepted, opt).toContain(opt);
  });

  it.each(Object.entries(docs))('%s uses only options install.sh accepts', (_name, text) => {
    const used = [...text.matchAll(/install\.sh((?: --?[a-z-]+(?: [^\s-][^\s]*)?)+)/g)].flatMap((m) => m[1]!.match(/--[a-z-]+/g) ?? []);
    expect(used.length).toBeGreaterThan(0);
    for (const opt of used) expect(accepted, opt).toContain(opt);
  });

  it('refuses an unknown option, naming it', () => {
    const r = spawnSync('/bin/sh', [join(repo, 'deploy', 'linux', 'install.sh'), '--frobnicate'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("unknown option '--frobnicate'");
  });

  it('installs where the units and the docs say: /opt/n3mon/current, /etc/n3mon, /var/lib/n3mon-agent', () => {
    for (const unit of ['n3mon-agent.service', 'n3mon-collector.service']) {
      const text = read('deploy', 'systemd', unit);
      expect(text).toMatch(/^ExecStart=\/usr\/bin\/node .*\/opt\/n3mon\/current\/dist\/cli\.js /m);
      expect(installSh).toContain(`n3mon-$role.service`);
    }
    expect(read('deploy', 'systemd', 'n3mon-agent.service')).toMatch(/^StateDirectory=n3mon-agent$/m);
    expect(installSh).toContain('state=$destdir/var/lib/n3mon-agent');
    expect(installSh).toContain('ln -sfn "$version" "$opt/current.new"');
    // install.sh rewrites ExecStart's node to this machine's: the pattern must match the units.
    expect(installSh).toContain('replace(/^ExecStart=\\/usr\\/bin\\/node /m');
    for (const text of Object.values(docs)) expect(text).toContain('/etc/n3mon/agent.yaml');
  });
});

describe('npm run release', () => {
  const release = read('scripts', 'release.mjs');
  const flags = [...release.matchAll(/^\s+'?([a-z-]+)'?: \{ type: '(?:string|boolean)'/gm)].map((m) => `--${m[1]}`);

  it('is the package script', () => {
    expect((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.release).toBe('node scripts/release.mjs');
  });

  it.each(Object.entries(docs))('%s uses only flags release.mjs takes', (_name, text) => {
    expect(flags).toEqual(expect.arrayContaining(['--platform', '--version', '--out', '--no-build']));
    for (const m of text.matchAll(/npm run release -- ((?:--[a-z-]+(?: [^\s`-]+)? ?)+)/g)) {
      for (const f of m[1]!.match(/--[a-z-]+/g) ?? []) expect(flags, f).toContain(f);
    }
    for (const m of text.matchAll(/`(--[a-z-]+)(?: [A-Z]+)?` (?:overrides|the directory)/g)) expect(flags).toContain(m[1]);
  });
});
