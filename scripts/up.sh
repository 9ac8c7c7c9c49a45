#!/usr/bin/env bash
# up.sh - the README's first command: install what is missing, build, install
# raftd, raftctl and libraftd under /usr/local, and start a local cluster.
#   scripts/up.sh [--nodes N] [--dir DIR]      (default: 3 nodes in /tmp/raftd-local)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SRC=$(pwd)

scripts/deps.sh
scripts/build.sh build
make -C build install >/dev/null
ldconfig
# A cluster from an earlier run in the same directory is stopped first.
args=("$@")
dir=/tmp/raftd-local
for ((i = 0; i < ${#args[@]}; i++)); do [[ "${args[i]}" == --dir ]] && dir=${args[i+1]}; done
if [[ -f "$dir/cluster.env" ]]; then RAFTD_CLUSTER_DIR=$dir "$SRC/scripts/raftd-cluster" stop all || true; fi
RAFTD=/usr/local/bin/raftd RAFTD_CLUSTER_DIR=$dir exec "$SRC/scripts/raftd-cluster" start "$@"
