# lib.sh - sourced by the end-to-end tests: real raftd processes on
# 127.0.0.1, started by scripts/raftd-cluster in a temp directory, stopped by
# PID on exit. Set KEEP=1 to keep the directory (logs) after a run.
set -euo pipefail
: "${top_builddir:?run through make check}" "${top_srcdir:?run through make check}"

RAFTD="$top_builddir/raftd/raftd"
RAFTCTL="$top_builddir/client/raftctl"
CLUSTER="$top_srcdir/scripts/raftd-cluster"
T=$(mktemp -d /tmp/raftd-e2e.XXXXXX)
export RAFTD RAFTD_CLUSTER_DIR="$T/cluster"
NODES=0
BASE=0

e2e_cleanup() {
  local rc=$?
  [[ -f "$RAFTD_CLUSTER_DIR/cluster.env" ]] && "$CLUSTER" stop all >/dev/null 2>&1 || true
  # In a sanitizer build, a daemon's memory error, undefined behaviour or
  # leak (reported at its clean exit) fails the test.
  if grep -l -E "ERROR: (Address|Leak)Sanitizer|runtime error:" "$T"/cluster*/n*/raftd.log 2>/dev/null; then
    grep -h -A12 -E "ERROR: (Address|Leak)Sanitizer|runtime error:" "$T"/cluster*/n*/raftd.log | head -60
    echo "FAIL: a daemon reported a sanitizer error (above)"
    rc=1
  fi
  if ((rc != 0)); then
    for log in "$RAFTD_CLUSTER_DIR"/n*/raftd.log; do
      [[ -f "$log" ]] || continue
      echo "--- $log (last 15 lines)"; tail -15 "$log"
    done
  fi
  [[ "${KEEP:-0}" == 1 ]] && echo "kept $T" || rm -rf "$T"
  release_bases
  exit $rc
}
trap e2e_cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "# $*"; }
expect_eq() { [[ "$1" == "$2" ]] || fail "$3: expected '$2', got '$1'"; }

ports_free() { # base n
  local i
  for ((i = 1; i <= $2; i++)); do
    ss -Hltn "( sport = :$(($1 + i)) or sport = :$(($1 + 100 + i)) )" | grep -q . && return 1
  done
  return 0
}

# Ports stay below the kernel's ephemeral range (32768 and up), where
# outgoing connections could take them; shell tests use 10000-21999 and
# tests/unit/test_client_e2e.c 22000-31999, so concurrent tests rarely meet.
# Free ports are not enough when several suites run at once (make -j,
# several build trees): two tests could see the same ports free and start
# clusters on them, whose nodes would then talk to each other. So a base is
# also reserved, atomically, by creating a directory named after it; one
# left behind by a test that died (its pid gone) is taken over.
E2E_PORTS_DIR=/tmp/raftd-e2e-ports
reserve_base() { # base
  local d=$E2E_PORTS_DIR/$1 owner
  mkdir -p "$E2E_PORTS_DIR"
  if ! mkdir "$d" 2>/dev/null; then
    owner=$(cat "$d/pid" 2>/dev/null) || return 1
    [[ -n "$owner" ]] && ! kill -0 "$owner" 2>/dev/null || return 1
    rm -rf "$d"
    mkdir "$d" 2>/dev/null || return 1
  fi
  echo "$$" >"$d/pid" # $$: the test's shell, also inside $(...)
}
release_bases() {
  local d
  for d in "$E2E_PORTS_DIR"/*/; do
    [[ "$(cat "$d/pid" 2>/dev/null)" == "$$" ]] && rm -rf "$d"
  done
  return 0
}

pick_base() { # n
  local b tries
  for ((tries = 0; tries < 100; tries++)); do
    b=$((10000 + (RANDOM % 60) * 200))
    ports_free "$b" "$1" && reserve_base "$b" && { echo "$b"; return 0; }
  done
  fail "no free ports found"
}

start_cluster() { # n [raftd flags...]; RESERVE=m keeps ports free for m
  NODES=$1; shift
  BASE=$(pick_base "${RESERVE:-$NODES}")
  "$CLUSTER" start --nodes "$NODES" --base-port "$BASE" -- "$@" >/dev/null
  export RAFTD_ENDPOINTS
  RAFTD_ENDPOINTS=$("$CLUSTER" endpoints)
}

port() { echo $((BASE + $1)); }
rc() { local p; p=$(port "$1"); shift; timeout 10 redis-cli -h 127.0.0.1 -p "$p" "$@"; }
rcc() { local p; p=$(port "$1"); shift; timeout 10 redis-cli -c -h 127.0.0.1 -p "$p" "$@"; }
leader() { "$CLUSTER" wait-leader --timeout "${1:-20}"; }
node_pid() { cat "$RAFTD_CLUSTER_DIR/n$1/pid"; }

# Wait until every running node has applied the same index with the same
# state digest; print the digest line.
wait_converged() {
  local deadline=$(($(date +%s) + ${1:-20})) i d first ok
  while (($(date +%s) < deadline)); do
    ok=1; first=""
    for ((i = 1; i <= NODES; i++)); do
      [[ -f "$RAFTD_CLUSTER_DIR/n$i/pid" ]] || continue
      d=$(rc "$i" --raw RD.DIGEST 2>/dev/null | tr '\n' ' ') || d=""
      [[ -n "$d" ]] || { ok=0; break; }
      if [[ -z "$first" ]]; then first=$d; elif [[ "$d" != "$first" ]]; then ok=0; break; fi
    done
    ((ok)) && [[ -n "$first" ]] && { echo "$first"; return 0; }
    sleep 0.2
  done
  for ((i = 1; i <= NODES; i++)); do echo "node $i: $(rc "$i" --raw RD.DIGEST 2>&1 | tr '\n' ' ')" >&2; done
  fail "replicas did not converge"
}
