#!/usr/bin/env bash
# snapshot_policy.sh - snapshots are triggered by log bytes, not only by a
# count of entries (raftd/snappolicy.c), and a node restarts from one:
#   - below --snapshot-log-bytes of applied log no node snapshots, even
#     though the entry count threshold is out of reach;
#   - past it, every node takes a snapshot (asynchronously: the cluster
#     keeps answering), and the newest snapshot file is on disk;
#   - a follower killed with -9 restarts from its snapshot plus log tail
#     and converges to the same state digest.
source "$top_srcdir/tests/e2e/lib.sh"

FLOOR=200000
start_cluster 3 --snapshot-log-bytes "$FLOOR" --snapshot-threshold 1000000 \
  --snapshot-trailing-bytes 100000
L=$(leader)

taken() { grep -c "snapshot taken at index" "$RAFTD_CLUSTER_DIR/n$1/raftd.log" || true; }
# put N: N sequential 4,000-byte SETs (one entry each) to distinct keys
put() {
  timeout 60 redis-benchmark -h 127.0.0.1 -p "$(port "$L")" -t set -n "$1" \
    -d 4000 -c 1 -r 1000000 -q >/dev/null 2>&1 || fail "redis-benchmark"
}

put 30 # ~120 kB of log: under the floor
wait_converged >/dev/null
for i in 1 2 3; do
  expect_eq "$(taken "$i")" 0 "snapshots on node $i after ~120 kB"
done

put 50 # ~320 kB in all: past every node's floor (staggered by id: +0-20%)
wait_converged >/dev/null
deadline=$(($(date +%s) + 20))
for i in 1 2 3; do
  until (($(taken "$i") >= 1)); do
    (($(date +%s) < deadline)) || fail "node $i took no snapshot after ~320 kB of log"
    sleep 0.2
  done
  ls "$RAFTD_CLUSTER_DIR/n$i/data"/snapshot-*.meta >/dev/null 2>&1 ||
    fail "node $i has no snapshot file"
done
note "snapshots: $(taken 1) $(taken 2) $(taken 3)"
# The entries kept after it are bounded in bytes: 100,000 bytes hold 24 of
# these 4,000-byte entries, far fewer than --snapshot-trailing's 4,096.
info() { rc "$1" INFO | tr -d '\r' | awk -F: -v k="$2" '$1 == k { print $2 }'; }
for i in 1 2 3; do
  kept=$(info "$i" snapshot_trailing_last)
  ((kept >= 16 && kept <= 25)) || fail "node $i kept $kept trailing entries"
done

# A follower restarts from its snapshot and the log after it.
F=$(( L % 3 + 1 ))
"$CLUSTER" kill "$F"
put 10
"$CLUSTER" restart "$F" >/dev/null
d=$(wait_converged 30)
grep -q "restored snapshot at index" "$RAFTD_CLUSTER_DIR/n$F/raftd.log" ||
  fail "node $F did not load its snapshot at restart"
note "converged after restart of node $F: $d"
# RD.CONFIG: the settings at run time, checked and local to one node.
expect_eq "$(rc "$L" RD.CONFIG GET snapshot-log-bytes | tr '\n' ' ')" \
  "snapshot-log-bytes $FLOOR " "RD.CONFIG GET"
case "$(rc "$L" RD.CONFIG SET snapshot-threshold 1)" in
  *"must be an integer from 2"*) ;; *) fail "threshold 1 accepted" ;; esac
case "$(rc "$L" RD.CONFIG SET snapshot-threshold 12x)" in
  *ERR*) ;; *) fail "threshold 12x accepted" ;; esac
case "$(rc "$L" RD.CONFIG SET no-such 1)" in
  *"unknown setting"*) ;; *) fail "unknown setting accepted" ;; esac
before=$(taken "$L")
expect_eq "$(rc "$L" RD.CONFIG SET snapshot-threshold 2)" OK "RD.CONFIG SET"
put 5
deadline=$(($(date +%s) + 20))
until (($(taken "$L") > before)); do
  (($(date +%s) < deadline)) || fail "no snapshot after lowering the threshold at run time"
  sleep 0.2
done
rc "$L" INFO | grep -q "^snapshots:[1-9]" || fail "INFO has no snapshot count"
echo "PASS"
