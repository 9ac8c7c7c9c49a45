#!/usr/bin/env bash
# catchup.sh - nodes that lack part of the log catch up, and end with
# exactly the state the others have, key by key. Three nodes snapshot every
# 64 entries and keep 16 behind a snapshot, so the leader's log soon starts
# far past what a lagging node needs:
#   1. a follower is paused (SIGSTOP) while the cluster writes well past
#      threshold + trailing, then resumed: it catches up. Which way is not
#      asserted: libraft 0.15 keeps streaming entries to a connected peer
#      (its sends queue up in libuv; none fails, so the leader never falls
#      back to probing), and the resumed node reads them all from the
#      connection, so this phase exercises the log path;
#   2. a follower is killed (kill -9) while the cluster writes well past
#      threshold + trailing, then restarted while a background writer keeps
#      writing: it must install a snapshot newer than its own last entry
#      ("restored snapshot at index N" in its log, N past the index it had
#      when killed; INFO's snapshots_restored agrees) and then apply the log
#      tail up to the leader's index;
#   3. after more writes, a brand-new node with an empty data directory is
#      added (raftd-cluster add: join, add, promote) while the writer goes
#      on: it must install a snapshot and catch up likewise.
# Then, with writes stopped and every node at the same applied index:
#   - both caught-up nodes applied entries past the last snapshot they
#     installed (the log tail);
#   - the full key list with values, create and mod indexes, read from each
#     node's own state (RD.LIST in STALE mode, paged, through raftctl), is
#     identical on all four nodes, and so is RD.DIGEST;
#   - the keys and values are exactly the map the test computed from what it
#     wrote (overwrites, deletes, values of 0 to 3000 bytes), and every
#     background write that was acknowledged is there.
source "$top_srcdir/tests/e2e/lib.sh"

THRESHOLD=64
TRAILING=16
# the entries written while a node is away: well past what the leader keeps
BEHIND=$((3 * (THRESHOLD + TRAILING)))

RESERVE=4 start_cluster 3 --snapshot-threshold "$THRESHOLD" \
  --snapshot-trailing "$TRAILING"

# ---- helpers -------------------------------------------------------------

step() { note "[${SECONDS}s] $*"; }

nodeinfo_field() { # node field -> value ("" when the node does not answer)
  { rc "$1" --raw RD.NODEINFO 2>/dev/null || true; } |
    awk -v f="$2" 'prev==f{print; exit} {prev=$0}'
}

# The "restored snapshot at index N" indexes in node i's log, one a line
# (since its latest start with `since_start`).
restores() { # node [since_start]
  local log="$RAFTD_CLUSTER_DIR/n$1/raftd.log"
  if [[ "${2:-}" == since_start ]]; then
    awk '/ restarting from the existing data / {n = NR} END {print n + 0}' "$log" |
      { read -r from; tail -n +"$((from + 1))" "$log"; }
  else
    cat "$log"
  fi | sed -n 's/.*restored snapshot at index \([0-9]*\):.*/\1/p'
}

# INFO's snapshots_restored: snapshots this process has loaded (at start-up
# from its own disk, or installed from the leader).
info_restored() {
  rc "$1" INFO | tr -d '\r' | sed -n 's/^snapshots_restored://p'
}

# Succeed when node i restored a snapshot whose index is above min.
restored_past() { # node min
  local n
  for n in $(restores "$1"); do ((n > $2)) && return 0; done
  return 1
}

# Wait until node i has applied at least the leader's commit index as it is
# now; print the seconds it took.
wait_caught_up() { # node timeout
  local L target a t0=$SECONDS deadline=$((SECONDS + $2))
  L=$(leader)
  target=$(nodeinfo_field "$L" commit_index)
  [[ -n "$target" ]] || fail "the leader (node $L) did not answer RD.NODEINFO"
  while ((SECONDS < deadline)); do
    a=$(nodeinfo_field "$1" applied_index)
    [[ -n "$a" ]] && ((a >= target)) && { echo $((SECONDS - t0)); return 0; }
    sleep 0.2
  done
  fail "node $1 applied ${a:-nothing}, not the leader's $target, within $2 s"
}

follower_of() { # leader -> some other node among 1..3
  local i
  for i in 1 2 3; do [[ "$i" != "$1" ]] && { echo "$i"; return; }; done
}

# ---- the foreground writes and the map they must leave -------------------
#
# Keys k:0 .. k:199 get SETs (values 0 to 3000 bytes, each naming the key
# and a version, so a stale or misplaced value shows), MSETs and DELs (of
# present and absent keys). The map EXP follows every command. A chunk of
# commands goes to the leader through one redis-cli; should any reply be
# other than OK or an integer (a leader change), the whole chunk is sent
# again: SET, MSET and DEL leave the same state when a chunk is repeated,
# whatever part of its first attempt was applied.

declare -A EXP
# the same sequence of commands on every run (how many of them are sent
# depends on how fast the log grows)
RANDOM=4242
SIZES=(0 1 9 100 1000 3000)
PAD=$(head -c 3000 /dev/zero | tr '\0' 'x')
VER=0

value_for() { # key -> a new value of a random size in VAL
  local size=${SIZES[RANDOM % ${#SIZES[@]}]} v
  VER=$((VER + 1))
  v="$VER.$1.$PAD"
  VAL=${v:0:size}
}

gen_chunk() { # n -> n commands on stdout, EXP updated (not in a subshell)
  local i k k2 op
  for ((i = 0; i < $1; i++)); do
    k="k:$((RANDOM % 200))"
    op=$((RANDOM % 10))
    if ((op < 7)); then
      value_for "$k"; EXP[$k]=$VAL
      echo "SET $k \"$VAL\""
    elif ((op < 8)); then
      k2="k:$((RANDOM % 200))"
      [[ "$k2" == "$k" ]] && k2="k:$(((${k#k:} + 1) % 200))"
      value_for "$k"; EXP[$k]=$VAL; local v1=$VAL
      value_for "$k2"; EXP[$k2]=$VAL
      echo "MSET $k \"$v1\" $k2 \"$VAL\""
    else
      k2="k:$((RANDOM % 200))"
      unset "EXP[$k]" "EXP[$k2]"
      echo "DEL $k $k2 k:absent"
    fi
  done
}

CHUNK="$T/chunk"
send_chunk() { # the commands in $CHUNK, to the leader, until all succeed
  local try L out n
  n=$(wc -l <"$CHUNK")
  for ((try = 0; try < 5; try++)); do
    L=$(leader)
    out=$(rc "$L" <"$CHUNK" 2>&1 || true)
    if [[ $(grep -c -E '^(OK|[0-9]+)$' <<<"$out") == "$n" ]]; then
      return 0
    fi
    note "chunk to node $L got: $(grep -v -E '^(OK|[0-9]+)$' <<<"$out" | head -1); again"
    sleep 0.5
  done
  fail "a chunk of $n writes did not succeed in 5 attempts"
}

write_chunks() { # count
  local c
  for ((c = 0; c < $1; c++)); do
    gen_chunk 100 >"$CHUNK"
    send_chunk
  done
}

# Write until the leader's last index is `entries` past `from`.
write_past() { # from entries
  local L last
  while :; do
    write_chunks 1
    L=$(leader)
    last=$(nodeinfo_field "$L" last_index)
    [[ -n "$last" ]] && ((last > $1 + $2)) && return 0
  done
}

# ---- the background writer -----------------------------------------------

ACKED="$T/acked"
STOP="$T/stop-writer"
WRITER=""
: >"$ACKED"
writer() { # SET bg:<n> b<n> through any of nodes 1-3, redirects followed
  local n=0 out
  while [[ ! -f "$STOP" ]]; do
    n=$((n + 1))
    out=$(timeout 5 redis-cli -c -h 127.0.0.1 -p "$(port $((n % 3 + 1)))" \
      SET "bg:$n" "b$n" 2>/dev/null || true)
    [[ "$out" == OK ]] && echo "bg:$n" >>"$ACKED"
    sleep 0.01
  done
}
# the writer must not outlive a failing test (e2e_cleanup reads the exit
# status from $?; set -e is off for the restore)
trap 'st=$?; [[ -n "$WRITER" ]] && kill "$WRITER" 2>/dev/null; set +e; (exit $st); e2e_cleanup' EXIT

# ---- phase 0: the first batch ---------------------------------------------

write_chunks 4
step "first batch: ${#EXP[@]} keys; the leader's log at $(nodeinfo_field "$(leader)" last_index)"

# ---- phase 1: a paused follower -------------------------------------------

L=$(leader)
F=$(follower_of "$L")
X=$(nodeinfo_field "$F" last_index)
[[ -n "$X" ]] || fail "node $F did not answer RD.NODEINFO"
r0=$(info_restored "$F")
kill -STOP "$(node_pid "$F")"
write_past "$X" "$BEHIND"
kill -CONT "$(node_pid "$F")"
s=$(wait_caught_up "$F" 20)
r1=$(info_restored "$F")
if restored_past "$F" "$X" && ((r1 > r0)); then how="a snapshot"; else how="the log"; fi
step "paused node $F (at index $X) caught up in ${s}s through $how"

# ---- phase 2: a killed follower, restarted under writes -------------------

L=$(leader)
F=$(follower_of "$L")
X=$(nodeinfo_field "$F" last_index)
[[ -n "$X" ]] || fail "node $F did not answer RD.NODEINFO"
"$CLUSTER" kill "$F"
write_past "$X" "$BEHIND"
writer &
WRITER=$!
sleep 0.3
"$CLUSTER" restart "$F"
s=$(wait_caught_up "$F" 25)
restored_past "$F" "$X" ||
  fail "node $F (killed at index $X) caught up without installing a newer snapshot (restores: $(restores "$F" | tr '\n' ' '))"
expect_eq "$(info_restored "$F")" "$(restores "$F" since_start | wc -l)" \
  "node $F's INFO snapshots_restored vs the restores it logged since its restart"
KILLED=$F
step "killed node $F (at index $X) caught up in ${s}s from the snapshot at index $(restores "$F" | tail -1) plus the tail"

# ---- phase 3: a brand-new node, added under writes ------------------------

L=$(leader)
X=$(nodeinfo_field "$L" last_index)
[[ -n "$X" ]] || fail "the leader (node $L) did not answer RD.NODEINFO"
write_past "$X" "$BEHIND"
"$CLUSTER" add 4 >/dev/null || fail "add node 4"
NODES=4
s=$(wait_caught_up 4 25)
restored_past 4 "$X" ||
  fail "new node 4 caught up without installing a snapshot past index $X (restores: $(restores 4 | tr '\n' ' '))"
n4=$(info_restored 4)
[[ "$n4" =~ ^[0-9]+$ ]] && ((n4 >= 1)) || fail "node 4's INFO snapshots_restored is '$n4'"
step "new node 4 caught up in ${s}s from the snapshot at index $(restores 4 | tail -1) plus the tail"

# ---- the state, key by key ------------------------------------------------

sleep 0.5
touch "$STOP"
wait "$WRITER"
WRITER=""
# With the writer stopped, every node comes to the same applied index.
deadline=$((SECONDS + 20))
while :; do
  idx=$(for i in 1 2 3 4; do nodeinfo_field "$i" applied_index; done | sort -u)
  [[ -n "$idx" && "$idx" != *$'\n'* ]] && break
  ((SECONDS < deadline)) || fail "applied indexes differ: $(tr '\n' ' ' <<<"$idx")"
  sleep 0.2
done
step "all four nodes applied index $idx"
# The entries after the last snapshot each caught-up node installed came
# through its log: the tail.
for i in "$KILLED" 4; do
  r=$(restores "$i" | tail -1)
  ((r < idx)) || fail "node $i's last snapshot (index $r) is its whole state: no log tail was applied"
done

for i in 1 2 3 4; do
  "$RAFTCTL" --endpoints "127.0.0.1:$(port "$i")" --consistency stale -v \
    list >"$T/list.$i" || fail "raftctl list on node $i"
done
for i in 2 3 4; do
  diff -q "$T/list.1" "$T/list.$i" >/dev/null || {
    diff "$T/list.1" "$T/list.$i" | cut -c1-160 | head -10 || true
    fail "node $i's keys, values or indexes differ from node 1's (above: < node 1, > node $i)"
  }
done
keys=$(wc -l <"$T/list.1")
for i in 1 2 3 4; do
  dig[i]=$(rc "$i" --raw RD.DIGEST | tr '\n' ' ')
  [[ "${dig[i]}" == "${dig[1]}" ]] || fail "RD.DIGEST: node $i '${dig[i]}', node 1 '${dig[1]}'"
done
read -r didx dkeys _ <<<"${dig[1]}"
expect_eq "$didx" "$idx" "RD.DIGEST's applied index"
expect_eq "$dkeys" "$keys" "RD.DIGEST's key count vs the keys listed"

for k in "${!EXP[@]}"; do printf '%s\t%s\n' "$k" "${EXP[$k]}"; done |
  LC_ALL=C sort >"$T/expected"
cut -f1,2 "$T/list.1" | grep '^k:' >"$T/got" || true
diff -q "$T/expected" "$T/got" >/dev/null || {
  diff "$T/expected" "$T/got" | cut -c1-160 | head -10 || true
  fail "the replicated keys differ from what was written (above: < expected, > listed)"
}
# Every bg:<n> present holds b<n>; every acknowledged one is present.
bad=$(awk -F'\t' '$1 ~ /^bg:/ && $2 != "b" substr($1, 4)' "$T/list.1" | head -3 || true)
[[ -z "$bad" ]] || fail "background keys with the wrong value: $bad"
missing=$(LC_ALL=C sort "$ACKED" | LC_ALL=C comm -23 - <(cut -f1 "$T/list.1" | grep '^bg:' | LC_ALL=C sort) | head -5 || true)
[[ -z "$missing" ]] || fail "acknowledged background writes missing: $missing"
acked=$(wc -l <"$ACKED")
((acked > 20)) || fail "only $acked background writes were acknowledged"
step "$keys keys identical on 4 nodes; ${#EXP[@]} written keys as expected; $acked acknowledged background writes present"
