#!/usr/bin/env bash
# standby.sh - a node added to a running cluster as a standby, driven with
# raftctl only, the way an operator would:
#   - node 4 starts empty in --join mode; raftctl member add makes it a
#     standby, and it catches up with the keys written before;
#   - raftctl status shows it as a reachable standby with its lag (entries
#     and ms); paused, it shows unreachable with no lag, and catches up
#     again once resumed;
#   - it serves stale reads and session reads at an index it has applied
#     (raftctl --endpoints <standby>), refuses a session read past what it
#     has applied, and redirects a linearizable read to the leader;
#   - raftctl member promote makes it a voter, raftctl transfer 4 makes it
#     the leader (status agrees);
#   - raftctl member remove of that leader hands leadership over first and
#     leaves three voters that accept writes and converge.
source "$top_srcdir/tests/e2e/lib.sh"

RESERVE=4 start_cluster 3 # node 4's ports are free too

ctl() { "$RAFTCTL" "$@"; }
# The index of the write a raftctl put acknowledged ("OK term=T index=I").
put_index() {
  local out
  out=$(ctl put "$1" "$2") || fail "put $1"
  [[ "$out" =~ index=([0-9]+) ]] || fail "put $1: no index in '$out'"
  echo "${BASH_REMATCH[1]}"
}
# Node $1's row of raftctl status: "REACHABLE ROLE STATE APPLIED LAG LAGMS"
# (the leader's row starts with "* ").
status_row() {
  ctl status | sed 's/^\* /  /' |
    awk -v id="$1" '$1 == id { print $4, $5, $6, $9, $11, $12 }'
}
# Wait until node $1 is a reachable $2 that has applied index $3 and lags by
# no entries; print its row.
wait_caught_up() {
  local deadline=$(($(date +%s) + 30)) row=""
  while (($(date +%s) < deadline)); do
    row=$(status_row "$1")
    read -r reach role _ applied lag lagms <<<"$row"
    if [[ "$reach" == yes && "$role" == "$2" && "$applied" =~ ^[0-9]+$ ]] &&
      ((applied >= $3)) && [[ "$lag" == 0 && "$lagms" =~ ^[0-9]+$ ]]; then
      echo "$row"
      return 0
    fi
    sleep 0.2
  done
  fail "node $1 did not catch up as a $2 with index $3 (status row: $row)"
}

for i in $(seq 1 40); do idx=$(put_index "k$i" "v$i"); done
note "40 keys written, last at index $idx"

# ---- node 4 joins as a standby --------------------------------------------
"$CLUSTER" join 4 >/dev/null
NODES=4
S="127.0.0.1:$(port 4)"
out=$(ctl --timeout 30 member add 4 "127.0.0.1:$(($(port 4) + 100))" "$S") ||
  fail "member add 4: $out"
[[ "$out" =~ ^OK\ term=[0-9]+\ index=([0-9]+)$ ]] || fail "member add 4 printed '$out'"
add_index=${BASH_REMATCH[1]}
((add_index > idx)) || fail "the addition's index $add_index is not after the writes ($idx)"
row=$(wait_caught_up 4 standby "$add_index")
note "node 4 is a caught-up standby: $row"
list=$(ctl member list | tr -s ' ' | tr '\n' ';')
[[ "$list" == *"4 127.0.0.1:$(($(port 4) + 100)) $S standby;"* ]] ||
  fail "member list does not show standby 4: $list"

# Cut off, it shows unreachable with its lag unknown; back, it catches up.
"$CLUSTER" pause 4
for i in $(seq 41 50); do idx=$(put_index "k$i" "v$i"); done
row=$(status_row 4)
read -r reach role _ applied lag lagms <<<"$row"
[[ "$reach" == no && "$role" == standby && "$lag" == - && "$lagms" == - ]] ||
  fail "paused standby shows '$row', expected unreachable, no lag"
"$CLUSTER" resume 4
row=$(wait_caught_up 4 standby "$idx")
note "paused standby shown unreachable, caught up after resume: $row"

# ---- reads from the standby -----------------------------------------------
out=$(ctl --endpoints "$S" --consistency stale -v get k7) || fail "stale get from the standby"
expect_eq "$(head -1 <<<"$out")" v7 "stale read from the standby"
[[ "$out" == *"served_by=$S"* && "$out" == *" lag="* ]] ||
  fail "stale read not served by the standby, or without its lag: $out"
out=$(ctl --endpoints "$S" --consistency session --min-index "$idx" -v get k50) ||
  fail "session get at index $idx from the standby"
expect_eq "$(head -1 <<<"$out")" v50 "session read at an applied index"
[[ "$out" == *"served_by=$S"* ]] || fail "session read not served by the standby: $out"
st=0
out=$(ctl --endpoints "$S" --timeout 2.5 --min-index $((idx + 100000)) get k50 2>&1) || st=$?
expect_eq "$st" 3 "session read past the standby's applied index (exit code; $out)"
# Linearizable reads are the leader's: the standby redirects (docs/protocol.md)
# and raftctl follows the redirect.
moved=$(rc 4 RD.GET k1)
[[ "$moved" == "MOVED 0 127.0.0.1:"* ]] || fail "standby answered a linearizable read with '$moved'"
expect_eq "$(ctl --endpoints "$S" get k1)" v1 "linearizable read through the standby's redirect"
note "standby serves stale and session reads, redirects linearizable ones"

# ---- promote, transfer, remove the leader ---------------------------------
ctl --timeout 30 member promote 4 >/dev/null || fail "member promote 4"
wait_caught_up 4 voter "$idx" >/dev/null
out=$(ctl --timeout 20 transfer 4) || fail "transfer 4: $out"
[[ "$out" == "node 4 ($S) leads now"* ]] || fail "transfer 4 printed '$out'"
expect_eq "$(ctl status | awk '$1 == "*" { print $2 }')" 4 "the leader after transfer 4"
note "node 4 promoted and leading: $out"

out=$(ctl --timeout 30 member remove 4) || fail "member remove 4 (the leader): $out"
"$CLUSTER" stop 4
L=$(leader)
[[ "$L" =~ ^[123]$ ]] || fail "no leader among 1-3 after removing node 4 (got '$L')"
list=$(ctl member list | tr -s ' ' | tr '\n' ';')
expect_eq "$(grep -o ' voter;' <<<"$list" | wc -l)" 3 "three voters remain ($list)"
[[ "$list" != *"$S"* ]] || fail "removed node 4 still listed: $list"
idx=$(put_index after-removal yes)
expect_eq "$(ctl get after-removal)" yes "a write after the removal"
digest=$(wait_converged 20)
note "node 4 removed while leading; node $L leads three voters, write at index $idx; $digest"
