#!/usr/bin/env bash
# build.sh DIR [CONFIGURE FLAGS...] - configure (once) and build raftd out of
# tree in DIR. Re-running only rebuilds what changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SRC=$(pwd)
dir=$1; shift
if [[ ! -x "$SRC/configure" || "$SRC/configure.ac" -nt "$SRC/configure" ]]; then
  (flock 9; autoreconf -fi >/dev/null 2>&1 || autoreconf -fi) 9>/tmp/raftd-autoreconf.lock
fi
mkdir -p "$dir"
cd "$dir"
if [[ ! -f Makefile ]]; then
  "$SRC/configure" -q "$@" || { echo "build.sh: configure failed (see $dir/config.log)" >&2; exit 1; }
fi
make -j"$(nproc)" -s
