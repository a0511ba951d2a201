// `npm run release [-- --platform linux|win32] [--version V] [--out DIR] [--no-build]`
//
// Builds, for the platform it runs on, release/n3mon-<version>-<platform>-<arch>.tar.gz (.zip on
// Windows) and beside it <archive>.sha256 (`sha256sum -c` format). The archive holds everything a
// practice server needs with Node.js and nothing else — no compiler, no npm registry, no git:
//
//   n3mon-<version>-linux-x64/
//     bin/n3mon            the command (runs dist/cli.js with the node on PATH)
//     dist/                the built JavaScript: cli.js, store-worker.js, report-worker.js, the chunks they load, web/
//     node_modules/        production dependencies only, native bindings already built here
//     package.json         name, version (the release's), type, engines, dependencies
//     release.json         version, platform, arch, the Node ABI the bindings were built for
//     install.sh           deploy/linux/install.sh (Linux) — or install.ps1 & co. (Windows)
//     deploy/              systemd units, example configs, the default threshold profile, the application catalogue
//     README.md docs/
//
// Production dependencies are copied from this checkout's node_modules (the packages
// `npm ls --omit=dev --all` names; better-sqlite3 without its sources and build intermediates),
// so the native binding in the archive is the one built and tested here. A binding is built for
// one Node ABI (release.json `modules`): install.sh refuses a node with another ABI.
//
// A Windows archive cannot be built here: better-sqlite3's binding for Windows compiles only on
// Windows. Run `npm run release` on a Windows build machine (docs/deploy.md).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fetchWinsw } from '../deploy/windows/winsw.mjs';
import { WINDOWS, writeServiceFiles } from '../deploy/windows/service-files.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const started = Date.now();

const { values } = parseArgs({
  options: {
    platform: { type: 'string', default: process.platform },
    version: { type: 'string' },
    out: { type: 'string', default: join(root, 'release') },
    'no-build': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (values.help) {
  console.log('usage: npm run release [-- --platform linux|win32] [--version V] [--out DIR] [--no-build]');
  process.exit(0);
}

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const version = values.version ?? pkg.version;
if (!/^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/.test(version)) fail(`--version: '${version}' is not a version (x.y.z or x.y.z-tag)`);
const platform = values.platform;
if (!['linux', 'win32'].includes(platform)) fail(`--platform: '${platform}' is not linux or win32`);
if (platform !== process.platform) {
  fail(
    `a ${platform} release must be built on ${platform}: better-sqlite3's native binding in the archive is compiled ` +
      `for the platform that builds it. Run \`npm run release\` there (docs/deploy.md, "Build the release archives").`,
  );
}
const arch = process.arch;
const name = `n3mon-${version}-${platform === 'win32' ? 'win' : platform}-${arch}`;

function fail(message) {
  console.error(`release: ${message}`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], ...opts });
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}`);
  return r;
}

// ── 1. build ──────────────────────────────────────────────────────────────────────────────────
if (!values['no-build']) run(process.execPath, [join(root, 'scripts', 'build.mjs')]);

mkdirSync(values.out, { recursive: true });
// Staged outside the repository, so that the smoke test below cannot fall back on the repo's
// node_modules when the staged tree misses a package.
const stage = mkdtempSync(join(tmpdir(), 'n3mon-release-stage-'));
// fail() exits the process, skipping `finally`: remove the staging directory on every exit.
process.on('exit', () => rmSync(stage, { recursive: true, force: true }));
const top = join(stage, name);
mkdirSync(top, { recursive: true });

try {
  // ── 2. dist/: the entry points, every chunk they import (statically or lazily), the dashboard ──
  // dist/chunks keeps older builds' chunks for an hour (scripts/build.mjs), so only the chunks the
  // entries reach are copied. esbuild names each as "./chunks/<name>-<hash>.js" (or "./<name>"
  // from inside chunks/).
  const dist = join(root, 'dist');
  const wanted = new Set(['cli.js', 'store-worker.js', 'report-worker.js']);
  const queue = [...wanted];
  while (queue.length > 0) {
    const file = queue.pop();
    const text = readFileSync(join(dist, file), 'utf8');
    for (const m of text.matchAll(/["'](\.{1,2}\/(?:chunks\/)?[\w.-]+\.js)["']/g)) {
      const ref = relative(dist, join(dist, dirname(file), m[1]))
        .split(sep)
        .join('/');
      if (!ref.startsWith('..') && !wanted.has(ref) && existsSync(join(dist, ref))) {
        wanted.add(ref);
        queue.push(ref);
      }
    }
  }
  for (const file of wanted) {
    for (const f of [file, `${file}.map`]) {
      if (!existsSync(join(dist, f))) continue;
      mkdirSync(dirname(join(top, 'dist', f)), { recursive: true });
      cpSync(join(dist, f), join(top, 'dist', f));
    }
  }
  chmodSync(join(top, 'dist', 'cli.js'), 0o755);
  cpSync(join(dist, 'web'), join(top, 'dist', 'web'), { recursive: true });

  // ── 3. node_modules/: the production dependencies, as built here ─────────────────────────────
  // npm ls fails on a node_modules that does not match package.json/package-lock.json (missing,
  // invalid or extraneous packages): a release is only made from a clean `npm ci`.
  const ls = spawnSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: root, encoding: 'utf8', shell: process.platform === 'win32' });
  if (ls.status !== 0) fail(`npm ls --omit=dev found node_modules out of step with package-lock.json (run npm ci first):\n${ls.stderr.trim()}`);
  const listed = ls.stdout.split(/\r?\n/).filter((p) => p !== '' && p !== root);
  if (listed.length === 0) fail('npm ls --omit=dev listed no production dependency (is node_modules installed? run npm ci)');
  const modules = join(root, 'node_modules');
  for (const dir of listed) {
    const rel = relative(modules, dir);
    if (rel.startsWith('..')) fail(`npm ls named ${dir}, outside node_modules`);
    const isSqlite = rel.split(sep).at(-1) === 'better-sqlite3';
    cpSync(dir, join(top, 'node_modules', rel), {
      recursive: true,
      verbatimSymlinks: true,
      filter: (src) => {
        const inside = relative(dir, src).split(sep);
        // Nested node_modules are listed (and copied) on their own when they are production deps.
        if (inside[0] === 'node_modules') return false;
        if (!isSqlite) return true;
        // better-sqlite3: the compiled binding, not its SQLite sources or build intermediates.
        if (inside[0] === 'deps' || inside[0] === 'src') return false;
        if (inside[0] === 'build') return inside.length === 1 || (inside[1] === 'Release' && (inside.length === 2 || inside[2] === 'better_sqlite3.node'));
        return true;
      },
    });
  }
  const binding = join(top, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  if (!existsSync(binding)) fail('better-sqlite3 has no built binding (node_modules/better-sqlite3/build/Release/better_sqlite3.node): run npm ci first');

  // ── 4. package.json, release.json, the command ──────────────────────────────────────────────
  const { name: pkgName, description, license, type, bin, engines, dependencies } = pkg;
  writeFileSync(
    join(top, 'package.json'),
    `${JSON.stringify({ name: pkgName, version, description, license, private: true, type, bin, engines, dependencies }, null, 2)}\n`,
  );
  const commit = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' });
  const release = {
    name: 'n3mon',
    version,
    platform,
    arch,
    node: process.versions.node,
    modules: process.versions.modules,
    commit: commit.status === 0 ? commit.stdout.trim() : null,
    builtAt: new Date().toISOString(),
  };
  writeFileSync(join(top, 'release.json'), `${JSON.stringify(release, null, 2)}\n`);

  // ── 5. deploy files, install scripts, docs ───────────────────────────────────────────────────
  for (const d of ['examples', 'profiles', 'catalogue']) cpSync(join(root, 'deploy', d), join(top, 'deploy', d), { recursive: true });
  cpSync(join(root, 'README.md'), join(top, 'README.md'));
  cpSync(join(root, 'docs'), join(top, 'docs'), { recursive: true });
  if (platform === 'linux') {
    cpSync(join(root, 'deploy', 'systemd'), join(top, 'deploy', 'systemd'), { recursive: true });
    mkdirSync(join(top, 'bin'));
    cpSync(join(root, 'deploy', 'linux', 'n3mon.sh'), join(top, 'bin', 'n3mon'));
    chmodSync(join(top, 'bin', 'n3mon'), 0o755);
    cpSync(join(root, 'deploy', 'linux', 'install.sh'), join(top, 'install.sh'));
    chmodSync(join(top, 'install.sh'), 0o755);
  } else {
    // Windows: WinSW (from the node-windows npm package, checked against its pinned integrity)
    // runs node as the service; its XML and the Windows agent config come from one generator,
    // which install.ps1 runs again on the server with that server's node.exe.
    const win = join(top, 'deploy', 'windows');
    mkdirSync(win, { recursive: true });
    for (const f of WINDOWS.releaseFiles.filter((f) => !f.startsWith('winsw.'))) cpSync(join(root, 'deploy', 'windows', f), join(win, f));
    await fetchWinsw(join(win, 'winsw.exe'));
    for (const f of WINDOWS.releaseFiles) if (!existsSync(join(win, f))) fail(`deploy/windows/${f} is missing from the Windows release`);
    // A sample of what install.ps1 generates on the server (with that server's node.exe).
    writeServiceFiles({
      out: join(win, 'sample'),
      appDir: `${WINDOWS.installRoot}\\${version}`,
      nodeExe: 'C:\\Program Files\\nodejs\\node.exe',
      exampleConfig: readFileSync(join(root, 'deploy', 'examples', 'agent.yaml'), 'utf8'),
    });
    cpSync(join(win, 'install.ps1'), join(top, 'install.ps1'));
  }

  // ── 6. the smoke test: this tree runs on its own ─────────────────────────────────────────────
  const said = spawnSync(process.execPath, [join(top, 'dist', 'cli.js'), '--version'], { cwd: stage, encoding: 'utf8' });
  if (said.status !== 0 || said.stdout.trim() !== version)
    fail(`the staged tree's n3mon --version said ${JSON.stringify(said.stdout + said.stderr)}, expected ${version}`);
  for (const example of ['agent.yaml', 'collector.yaml']) {
    const checked = spawnSync(process.execPath, [join(top, 'dist', 'cli.js'), 'check-config', join(top, 'deploy', 'examples', example)], {
      cwd: stage,
      encoding: 'utf8',
    });
    if (checked.status !== 0) fail(`the staged tree's n3mon check-config deploy/examples/${example} failed: ${checked.stdout}${checked.stderr}`);
  }
  const sqlite = spawnSync(
    process.execPath,
    ['-e', "const D = require(process.argv[1]); new D(':memory:').prepare('select 1').get();", join(top, 'node_modules', 'better-sqlite3')],
    { cwd: stage, encoding: 'utf8' },
  );
  if (sqlite.status !== 0) fail(`the staged better-sqlite3 does not load: ${sqlite.stderr}`);

  // ── 7. the archive and its checksum ─────────────────────────────────────────────────────────
  const archive = join(values.out, platform === 'win32' ? `${name}.zip` : `${name}.tar.gz`);
  const partial = `${archive}.partial`;
  if (platform === 'win32')
    run('tar', ['--format', 'zip', '-c', '-f', partial, '-C', stage, name]); // bsdtar (Windows 10 / Server 2019 and later)
  else run('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '-czf', partial, '-C', stage, name]);
  renameSync(partial, archive);
  const sum = createHash('sha256').update(readFileSync(archive)).digest('hex');
  writeFileSync(`${archive}.sha256`, `${sum}  ${archive.split(/[\\/]/).at(-1)}\n`);
  const mb = (statSync(archive).size / 1048576).toFixed(1);
  console.log(
    `release: ${relative(process.cwd(), archive) || archive} (${mb} MiB, ${readdirSync(join(top, 'node_modules')).length} top-level packages, Node ${process.versions.node} ABI ${process.versions.modules}) in ${Date.now() - started} ms`,
  );
  console.log(`release: sha256 ${sum}`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
