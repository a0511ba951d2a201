#!/bin/sh
# n3mon from a release archive (bin/n3mon): runs dist/cli.js with the node on PATH, or with
# $N3MON_NODE. /usr/local/bin/n3mon is a link to /opt/n3mon/current/bin/n3mon (install.sh).
here=$(dirname "$(readlink -f "$0")")
exec "${N3MON_NODE:-node}" "$here/../dist/cli.js" "$@"
