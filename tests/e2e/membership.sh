#!/usr/bin/env bash
# membership.sh - a three-node cluster grows to five and shrinks back to
# three while a writer keeps appending unique tokens, and no acknowledged
# write is lost or applied twice:
#   - nodes 4 and 5 start empty in --join mode, are added as standbys (they
#     catch up from the log), then promoted to voters: node 4 with raftctl
#     member add / promote, node 5 with raftd-cluster add (which runs them);
#   - the current leader is removed with raftctl member remove (it hands
#     leadership over first), then node 4 (or 5) with raftd-cluster remove;
#     the remaining three converge to the same state;
#   - the writer APPENDs "w<n>," to one key through any node (redirects
#     followed); afterwards every acknowledged token is in the value exactly
#     once, and no token at all appears twice;
#   - raftctl member list and raftctl status show the members added after
#     bootstrap, with their roles.
source "$top_srcdir/tests/e2e/lib.sh"

RESERVE=5 start_cluster 3 # ports for nodes 4 and 5 are free too

ACKED="$T/acked"
STOP="$T/stop-writer"
: >"$ACKED"

writer() {
  local n=0 node out
  while [[ ! -f "$STOP" ]]; do
    n=$((n + 1))
    node=$((n % 5 + 1))
    out=$(timeout 5 redis-cli -c -h 127.0.0.1 -p "$(port "$node")" \
      APPEND log "w$n," 2>/dev/null || true)
    [[ "$out" =~ ^[0-9]+$ ]] && echo "w$n" >>"$ACKED"
    sleep 0.01
  done
}
writer &
WRITER=$!
# the writer must not outlive a failing test
# (and e2e_cleanup reads the test's exit status from $?; set -e is off
# for the restore, which would otherwise end the trap early)
trap 'st=$?; kill "$WRITER" 2>/dev/null || true; set +e; (exit $st); e2e_cleanup' EXIT

# Membership changes through raftctl, which follows redirects to the leader
# and retries while another change is in progress.
member() { "$RAFTCTL" --timeout 30 member "$@" >/dev/null || fail "raftctl member $*"; }

sleep 1
"$CLUSTER" join 4 >/dev/null
member add 4 "127.0.0.1:$(($(port 4) + 100))" "127.0.0.1:$(port 4)"
member promote 4
"$CLUSTER" add 5 >/dev/null || fail "raftd-cluster add 5"
NODES=5
RAFTD_ENDPOINTS+=",127.0.0.1:$(port 4),127.0.0.1:$(port 5)"
list=$("$RAFTCTL" member list | tr -s ' ' | tr '\n' ';')
for i in 4 5; do
  [[ "$list" == *"$i 127.0.0.1:$(($(port "$i") + 100)) 127.0.0.1:$(port "$i") voter;"* ]] ||
    fail "raftctl member list lacks voter $i: $list"
done
status=$("$RAFTCTL" status)
expect_eq "$(grep -c ' voter ' <<<"$status")" 5 "raftctl status shows five voters"
note "grew to five while writes go on"

sleep 1
L=$(leader)
note "removing the leader, node $L"
member remove "$L"
"$CLUSTER" stop "$L"
L2=$(leader)
[[ "$L2" != "$L" ]] || fail "node $L is still leader after its removal"
victim=4
[[ "$L" == 4 ]] && victim=5
"$CLUSTER" remove "$victim" >/dev/null || fail "raftd-cluster remove $victim"
sleep 1
touch "$STOP"
wait "$WRITER"

list=$("$RAFTCTL" --endpoints "127.0.0.1:$(port "$L2")" member list | tr -s ' ' | tr '\n' ';')
expect_eq "$(grep -o ' voter;' <<<"$list" | wc -l)" 3 "three voters remain ($list)"
[[ "$list" != *"$(port "$L");"* && "$list" != *"$(port "$L") "* ]] ||
  fail "removed leader $L still listed: $list"
digest=$(wait_converged 30) # the writer has stopped: all must agree
note "shrank to three: $digest"

value=$(rc "$L2" GET log)
tokens="$T/tokens"
tr ',' '\n' <<<"$value" | sed '/^$/d' >"$tokens"
dups=$(sort "$tokens" | uniq -d | head -5)
[[ -z "$dups" ]] || fail "tokens applied twice: $dups"
missing=$(sort "$ACKED" | comm -23 - <(sort "$tokens") | head -5)
[[ -z "$missing" ]] || fail "acknowledged writes lost: $missing"
acked=$(wc -l <"$ACKED")
((acked > 50)) || fail "only $acked writes were acknowledged"
note "$acked acknowledged appends, $(wc -l <"$tokens") applied, none twice"
