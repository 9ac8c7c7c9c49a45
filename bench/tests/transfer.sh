#!/usr/bin/env bash
# transfer.sh - a planned leadership transfer under a running writer moves
# leadership every time and stops writes only briefly.
#
# raft 0.15 sends TimeoutNow before the target has stored the last entries;
# the target then does not campaign, the transfer fails after an election
# timeout, and raft refuses every write for that whole timeout. raftd holds
# proposals until the target has stored the log (raftd/write.c), so every
# RD.TRANSFER below must move leadership, with no failed put and a write
# gap far below the election timeout (500 ms here).
source "$top_srcdir/tests/e2e/lib.sh"
RB="$top_builddir/bench/raftd-bench"
ROUNDS=5

start_cluster 3 --election-timeout 500 --heartbeat 100
for r in $(seq 1 $ROUNDS); do
  l=$(leader)
  out=$("$RB" --endpoints "$RAFTD_ENDPOINTS" --transfer --duration 1.5 --event-at 0.5 \
    --event "r=\$(redis-cli -h 127.0.0.1 -p $(port "$l") RD.TRANSFER 2>&1); echo \"RD.TRANSFER: \$r\" >&2
             case \"\$r\" in *ERR*|*TRYAGAIN*|*MOVED*|'') exit 1 ;; esac" --quiet 2>&1) ||
    fail "round $r: the transfer from node $l failed: $out"
  summary=$(grep '^SUMMARY ' <<<"$out") || fail "round $r: no SUMMARY: $out"
  gap=$(sed -n 's/.* gap_ms=\([0-9.]*\).*/\1/p' <<<"$summary")
  errs=$(sed -n 's/.* errors_after_event=\([0-9]*\).*/\1/p' <<<"$summary")
  before=$(sed -n 's/.* term_before=\([0-9]*\).*/\1/p' <<<"$summary")
  after=$(sed -n 's/.* term_after=\([0-9]*\).*/\1/p' <<<"$summary")
  nl=$(leader)
  note "round $r: leader $l -> $nl, term $before -> $after, write gap $gap ms, $errs failed puts"
  [[ "$nl" != "$l" ]] || fail "round $r: leadership stayed on node $l"
  ((after > before)) || fail "round $r: no put succeeded in a new term ($before -> $after)"
  expect_eq "$errs" 0 "round $r: failed puts after the transfer"
  awk -v g="$gap" 'BEGIN { exit !(g < 250) }' || fail "round $r: write gap $gap ms (limit 250)"
done

# The gap reported is the transfer's: a stall before the event is not. The
# leader is paused for 300 ms (below the 500 ms election timeout) well
# before the transfer; the puts of that stall fail at their 100 ms deadline
# (which shows the stall happened), and the reported gap must still be the
# transfer's short one.
l=$(leader)
pid=$(node_pid "$l")
(sleep 0.2; kill -STOP "$pid"; sleep 0.3; kill -CONT "$pid") &
stall=$!
out=$("$RB" --endpoints "$RAFTD_ENDPOINTS" --transfer --duration 1.5 --event-at 0.9 \
  --event "redis-cli -h 127.0.0.1 -p $(port "$l") RD.TRANSFER | grep -qv -e ERR -e MOVED" \
  --quiet 2>&1) || { kill -CONT "$pid"; fail "stalled round: the transfer failed: $out"; }
wait "$stall"
summary=$(grep '^SUMMARY ' <<<"$out") || fail "stalled round: no SUMMARY: $out"
gap=$(sed -n 's/.* gap_ms=\([0-9.]*\).*/\1/p' <<<"$summary")
errs=$(sed -n 's/.* errors=\([0-9]*\).*/\1/p' <<<"$summary")
note "stalled round: $errs puts failed during the stall before the transfer; transfer gap $gap ms"
((errs > 0)) || fail "stalled round: no put failed while the leader was paused: $out"
awk -v g="$gap" 'BEGIN { exit !(g < 250) }' ||
  fail "stalled round: reported gap $gap ms is the stall before the event, not the transfer's"
note "raftd-bench transfer test passed: $ROUNDS transfers under a writer, and a stall before one"
