#!/usr/bin/env bash
# paused_follower.sh - a follower that stops reading (SIGSTOP: its TCP
# connections stay open) must not make the leader's memory grow with the
# write load (raftd/sendcap.c):
#   - with --peer-send-limit 1 MiB, 60 MB of writes while a follower is
#     paused grow the leader's resident memory by far less than that, and
#     INFO counts the sends it held back;
#   - once resumed, the follower catches up (from a snapshot: the log has
#     moved past it) and all three converge to one state.
# UNBOUNDED=1 runs the same with --peer-send-limit 0 (libraft's own
# behaviour) to show the check bites: the leader then grows by ~the writes.
source "$top_srcdir/tests/e2e/lib.sh"
# In a sanitizer build, freed memory sits in ASan's quarantine and would
# count as growth: keep none (no effect on other builds).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0"

LIMIT=1048576
[[ "${UNBOUNDED:-0}" == 1 ]] && LIMIT=0
start_cluster 3 --peer-send-limit "$LIMIT" --snapshot-log-bytes 4194304 \
  --snapshot-trailing-bytes 1048576
L=$(leader)
F=$((L % 3 + 1))
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$(node_pid "$1")/status"; }
info() { rc "$1" INFO | tr -d '\r' | awk -F: -v k="$2" '$1 == k { print $2 }'; }
# put N: N SETs of 4,000 bytes over 100 keys (the state stays ~400 kB)
put() {
  timeout 120 redis-benchmark -h 127.0.0.1 -p "$(port "$L")" -t set -n "$1" \
    -d 4000 -c 8 -r 100 -q >/dev/null 2>&1 || fail "redis-benchmark"
}

put 500 # warm up: allocator arenas, buffers
wait_converged >/dev/null
"$CLUSTER" pause "$F"
before=$(rss_kb "$L")
put 15000 # 60 MB of log while node $F reads nothing
after=$(rss_kb "$L")
grew=$(((after - before) / 1024))
note "leader n$L grew by $grew MiB while n$F was paused (limit $LIMIT)"
((grew < 25)) || fail "the leader grew by $grew MiB for a paused follower"
(($(info "$L" peer_sends_refused) > 0)) || fail "INFO shows no held-back sends"

"$CLUSTER" resume "$F"
d=$(wait_converged 60)
grep -q "restored snapshot at index" "$RAFTD_CLUSTER_DIR/n$F/raftd.log" ||
  fail "node $F caught up without a snapshot"
note "converged: $d"
echo "PASS"
