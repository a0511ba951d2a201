#!/bin/sh
# install.sh — installs this n3mon release (the directory this script is in) on a Linux server.
# Needs Node.js (the version in release.json's "node" line, or any with the same ABI) and the
# base system only: no compiler, no npm, no registry, no git.
#
#   sudo ./install.sh [--collector] [--config FILE] [--destdir DIR] [--no-system]
#
#   /opt/n3mon/<version>/     this release       /opt/n3mon/current -> <version>
#   /usr/local/bin/n3mon      -> /opt/n3mon/current/bin/n3mon
#   /etc/n3mon/agent.yaml     (collector.yaml with --collector) — never overwritten
#   /var/lib/n3mon-agent/     the agent's spool  (/var/lib/n3mon for the collector's data)
#   /etc/systemd/system/n3mon-agent.service  (n3mon-collector.service), enabled
#
# An upgrade is the same command with a newer release: config, spool and data stay; `current`
# moves to the new version only after it has run here (n3mon --version and the SQLite binding);
# the previous version is kept for a roll-back (ln -sfn <old> /opt/n3mon/current), older ones go.
#
# --config FILE  a prepared config to install when none exists yet (the service is then started)
# --destdir DIR  install under DIR (a package root or a test); implies --no-system
# --no-system    skip useradd, chown and systemctl (also skipped when not root); says what it skipped
set -eu

role=agent
config_src=
destdir=${DESTDIR:-}
system=yes

say() { printf 'install: %s\n' "$*"; }
die() { printf 'install: error: %s\n' "$*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case $1 in
    --collector) role=collector ;;
    --agent) role=agent ;;
    --config) [ $# -ge 2 ] || die "--config needs a file"; config_src=$2; shift ;;
    --destdir) [ $# -ge 2 ] || die "--destdir needs a directory"; destdir=$2; shift ;;
    --no-system) system=no ;;
    -h|--help) sed -n '2,21p' "$0" 2>/dev/null || true; exit 0 ;;
    *) die "unknown option '$1' (try --help)" ;;
  esac
  shift
done

src=$(cd "$(dirname "$0")" && pwd -P)
[ -f "$src/release.json" ] || die "$src has no release.json: run install.sh from an unpacked n3mon release"
[ -n "$destdir" ] && system=no
if [ "$system" = yes ] && [ "$(id -u)" != 0 ]; then
  say "not root: installing files only (run as root to create the user and the service)"
  system=no
fi
[ -n "$config_src" ] && { [ -f "$config_src" ] || die "--config $config_src: no such file"; }

# ── Node.js: present, new enough, the ABI the bindings were built for ──────────────────────
node_bin=$(command -v node || true)
[ -n "$node_bin" ] || die "node is not on PATH: install Node.js (see release.json for the version this release was built with)"
node_bin=$(readlink -f "$node_bin")
"$node_bin" -e '
  const r = require(process.argv[1]);
  const [maj, min] = process.versions.node.split(".").map(Number);
  if (maj < 20 || (maj === 20 && min < 19)) { console.error(`install: error: Node.js ${process.versions.node} is too old: n3mon needs 20.19 or later`); process.exit(1); }
  if (r.modules !== process.versions.modules) {
    console.error(`install: error: this release was built for Node.js ${r.node} (ABI ${r.modules}); this node is ${process.versions.node} (ABI ${process.versions.modules}). Install Node.js ${r.node.split(".")[0]}.x, or use a release built with this Node.js (npm run release on a machine with it).`);
    process.exit(1);
  }' "$src/release.json"
version=$("$node_bin" -p 'require(process.argv[1]).version' "$src/release.json")

opt=$destdir/opt/n3mon
etc=$destdir/etc/n3mon
if [ "$role" = agent ]; then state=$destdir/var/lib/n3mon-agent; else state=$destdir/var/lib/n3mon; fi
unit=n3mon-$role.service
unit_dir=$destdir/etc/systemd/system

# ── the release: /opt/n3mon/<version>, checked before `current` moves ─────────────────────────
previous=
[ -L "$opt/current" ] && previous=$(readlink "$opt/current")
mkdir -p "$opt"
same_build() { [ -f "$opt/$version/release.json" ] && "$node_bin" -e '
  const fs = require("fs");
  process.exit(fs.readFileSync(process.argv[1], "utf8") === fs.readFileSync(process.argv[2], "utf8") ? 0 : 1);' "$opt/$version/release.json" "$src/release.json"; }
if [ "$(readlink -f "$opt/$version" 2>/dev/null || true)" = "$src" ]; then
  say "$opt/$version is this directory: not copied"
elif same_build; then
  # A second role on the same server (agent beside collector): the running one keeps its files.
  say "$opt/$version holds this very build already: not copied"
else
  rm -rf "$opt/$version.new"
  cp -R "$src" "$opt/$version.new"
  said=$("$node_bin" "$opt/$version.new/dist/cli.js" --version 2>&1) || die "the copied release does not run: $said"
  [ "$said" = "$version" ] || die "the copied release says it is '$said', release.json says $version"
  "$node_bin" -e 'const D = require(process.argv[1]); new D(":memory:").prepare("select 1").get();' "$opt/$version.new/node_modules/better-sqlite3" \
    || die "the SQLite binding does not load with this node ($node_bin)"
  rm -rf "$opt/$version"
  mv "$opt/$version.new" "$opt/$version"
  say "installed $opt/$version"
fi
ln -sfn "$version" "$opt/current.new"
mv -T "$opt/current.new" "$opt/current"
if [ -n "$previous" ] && [ "$previous" != "$version" ]; then say "upgraded $previous -> $version (previous kept in $opt/$previous)"; fi
for old in "$opt"/*; do
  name=$(basename "$old")
  case $name in current|"$version"|"$previous") continue ;; esac
  [ -d "$old" ] && [ ! -L "$old" ] && [ -f "$old/release.json" ] && { rm -rf "$old"; say "removed old version $old"; }
done
mkdir -p "$destdir/usr/local/bin"
ln -sfn /opt/n3mon/current/bin/n3mon "$destdir/usr/local/bin/n3mon"

# ── the user ──────────────────────────────────────────────────────────────────────────────────
if [ "$system" = yes ]; then
  if id n3mon >/dev/null 2>&1; then say "user n3mon exists"; else
    useradd --system --user-group --home-dir /var/lib/n3mon-agent --no-create-home --shell /usr/sbin/nologin n3mon
    say "created system user n3mon"
  fi
else
  say "skipped: useradd n3mon (--no-system, --destdir or not root)"
fi

# ── config and state: never overwritten ───────────────────────────────────────────────────────
mkdir -p "$etc" "$state"
chmod 0750 "$etc" "$state"
# The agent renews its enrolled token in /etc/n3mon (agent.token, a temporary file renamed over
# it): its group may write there. agent.yaml itself stays root's (0640).
[ "$role" = agent ] && chmod 0770 "$etc"
config=$etc/$role.yaml
fresh_config=no
if [ -e "$config" ]; then
  say "kept $config"
elif [ -n "$config_src" ]; then
  cp "$config_src" "$config"; chmod 0640 "$config"; say "installed $config from $config_src"; fresh_config=given
else
  cp "$src/deploy/examples/$role.yaml" "$config"; chmod 0640 "$config"; say "installed the example $config: edit it before starting"; fresh_config=example
fi
if [ "$system" = yes ]; then
  chown root:n3mon "$etc" "$config"
  chown n3mon:n3mon "$state"
else
  say "skipped: chown root:n3mon $etc $config, n3mon:n3mon $state"
fi

# ── the unit: ExecStart with this machine's node ──────────────────────────────────────────────
mkdir -p "$unit_dir"
"$node_bin" -e '
  const fs = require("fs");
  const [from, to, node] = process.argv.slice(1);
  fs.writeFileSync(to, fs.readFileSync(from, "utf8").replace(/^ExecStart=\/usr\/bin\/node /m, `ExecStart=${node} `));' \
  "$src/deploy/systemd/$unit" "$unit_dir/$unit" "$node_bin"
chmod 0644 "$unit_dir/$unit"
say "installed $unit_dir/$unit (node: $node_bin)"

start_hint="n3mon check-config /etc/n3mon/$role.yaml && systemctl start $unit"
if [ "$system" = yes ] && command -v systemctl >/dev/null 2>&1; then
  systemctl daemon-reload
  systemctl enable "$unit" >/dev/null 2>&1 && say "enabled $unit"
  if systemctl is-active --quiet "$unit"; then
    systemctl restart "$unit" && say "restarted $unit on $version"
  elif [ "$fresh_config" = example ]; then
    say "next: edit /etc/n3mon/$role.yaml, then: $start_hint"
  elif "$node_bin" "$opt/current/dist/cli.js" check-config "$config"; then
    systemctl start "$unit" && say "started $unit"
  else
    say "not started: $config has the problems above; fix them, then: $start_hint"
  fi
elif [ "$system" = yes ]; then
  say "no systemctl here: start it with your init system, as user n3mon:"
  say "  /opt/n3mon/current/bin/n3mon $role --config /etc/n3mon/$role.yaml"
else
  say "skipped: systemctl daemon-reload, enable and start $unit"
fi
say "done: n3mon $version ($role)"
