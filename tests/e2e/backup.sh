#!/usr/bin/env bash
# backup.sh - online backup and restore (docs/backup.md):
#   - a backup taken with raftctl snapshot save while a writer runs holds
#     every write acknowledged before the save began, and exactly the
#     source's state at the backup's index (key by key: value, create and
#     mod index), plus its session and lock; snapshot inspect says so;
#   - a new 3-node cluster started with --restore holds that state on every
#     node, keeps it across a restart of all its nodes, gives new writes
#     indexes above the backup's index and new locks tokens above the old;
#   - a truncated file, a file with one flipped bit and a non-empty data
#     directory make raftd --restore exit non-zero with a clear message and
#     create nothing; snapshot inspect of a damaged file fails clearly.
source "$top_srcdir/tests/e2e/lib.sh"

start_cluster 3
L=$(leader)
env1() { rc "$L" "$@" | tr '\n' ' ' | sed 's/ $//'; }

# Every key on node $1 as "key value create mod" lines, from its own state.
dump() {
  rc "$1" --raw RD.LIST "" LIMIT 10000 STALE | head -n -4 | paste - - - -
}

for i in $(seq 1 300); do echo "SET key$i value-$i"; done |
  redis-cli -h 127.0.0.1 -p "$(port "$L")" >/dev/null
read -r sid _ <<<"$(env1 RD.SESSION OPEN 3600000)"
read -r tok _ <<<"$(env1 RD.LOCK job "$sid")"
[[ "$tok" =~ ^[0-9]+$ && "$tok" -gt 0 ]] || fail "RD.LOCK gave '$tok'"

# A writer keeps going through the save: w1, w2, ... (at most 3000).
(
  for ((i = 1; i <= 3000; i++)); do
    [[ -f "$T/stop" ]] && break
    rc "$L" SET "w$i" "$i" >/dev/null 2>&1 || true
    echo "$i" >"$T/written"
  done
) &
WRITER=$!
sleep 0.5
expect_eq "$(rc "$L" SET marker acked)" OK "SET marker"
"$RAFTCTL" snapshot save "$T/b.rdb" >"$T/save.out" || fail "snapshot save failed"
# let the writer get a few more writes in after the save returned
written() { local w; w=$(cat "$T/written" 2>/dev/null) || true; echo "${w:-0}"; }
w0=$(written)
for _ in $(seq 1 100); do (($(written) >= w0 + 5)) && break; sleep 0.1; done
touch "$T/stop"
wait "$WRITER"
note "$(cat "$T/save.out")"
[[ ! -e "$T/b.rdb.tmp" ]] || fail "save left its temporary file behind"

"$RAFTCTL" snapshot inspect "$T/b.rdb" >"$T/inspect.out" || fail "inspect failed"
field() { awk -v k="$1:" '$1 == k {print $2}' "$T/inspect.out"; }
IDX=$(field index)
[[ "$IDX" =~ ^[0-9]+$ ]] || fail "inspect printed no index"
expect_eq "$(field sessions)" 1 "sessions in the backup"
expect_eq "$(field locks)" 1 "locks in the backup"
expect_eq "$(field members)" 3 "members in the backup"
(($(field keys) > 300)) || fail "the backup holds $(field keys) keys, expected the 300 and writes"
"$RAFTCTL" -j snapshot inspect "$T/b.rdb" | grep -q "\"index\":$IDX," ||
  fail "inspect --json"

# The source at the backup's index: the writer only creates keys, so that
# is every key created at or before IDX, with the indexes it has now.
wait_converged >/dev/null
dump "$L" >"$T/source.all"
awk -F'\t' -v idx="$IDX" '$3 <= idx' "$T/source.all" >"$T/source.at"
awk -F'\t' -v idx="$IDX" '$3 > idx' "$T/source.all" | grep -q . ||
  fail "no write landed after the backup's index: the save was not online"
grep -q "^marker	acked	" "$T/source.at" ||
  fail "a write acknowledged before the save is not in the backup"
expect_eq "$(wc -l <"$T/source.at")" "$(field keys)" "keys at the backup's index"
"$CLUSTER" stop all >/dev/null

# ---- damaged files and a non-empty directory: nothing starts -------------
size=$(stat -c %s "$T/b.rdb")
head -c $((size / 2)) "$T/b.rdb" >"$T/trunc.rdb"
cp "$T/b.rdb" "$T/flip.rdb"
off=$((size / 2))
byte=$(od -An -tu1 -j "$off" -N1 "$T/flip.rdb" | tr -d ' ')
printf "$(printf '\\%03o' $((byte ^ 16)))" |
  dd of="$T/flip.rdb" bs=1 seek="$off" conv=notrunc status=none
restore_alone() { # FILE DATA_DIR -> raftd's output; fails the test if it ran
  local out code=0
  out=$(timeout 20 "$RAFTD" --id 1 --data-dir "$2" \
    --member 1,127.0.0.1:9,127.0.0.1:10 --restore "$1" 2>&1) || code=$?
  ((code != 0)) || fail "raftd --restore $1 exited 0"
  echo "$out"
}
out=$(restore_alone "$T/trunc.rdb" "$T/d-trunc")
grep -q "truncated" <<<"$out" || fail "truncated file: '$out'"
[[ ! -e "$T/d-trunc" ]] || fail "a refused restore created its data directory"
mkdir "$T/d-flip"
out=$(restore_alone "$T/flip.rdb" "$T/d-flip")
grep -q "checksum mismatch" <<<"$out" || fail "flipped bit: '$out'"
[[ -z "$(ls -A "$T/d-flip")" ]] || fail "a refused restore left files: $(ls -A "$T/d-flip")"
mkdir "$T/d-used" && touch "$T/d-used/metadata1"
out=$(restore_alone "$T/b.rdb" "$T/d-used")
grep -q "not empty" <<<"$out" || fail "non-empty directory: '$out'"
code=0
err=$("$RAFTCTL" snapshot inspect "$T/flip.rdb" 2>&1) || code=$?
expect_eq "$code" 5 "inspect of a damaged file exits 5"
grep -q "checksum mismatch" <<<"$err" || fail "inspect of a damaged file: '$err'"

# ---- a new cluster from the backup ---------------------------------------
export RAFTD_CLUSTER_DIR="$T/cluster2"
BASE=$(pick_base 3)
"$CLUSTER" start --nodes 3 --base-port "$BASE" --restore "$T/b.rdb" >/dev/null
RAFTD_ENDPOINTS=$("$CLUSTER" endpoints)
L=$(leader)
grep -q "restored a new cluster of 3 members" "$RAFTD_CLUSTER_DIR/n1/raftd.log" ||
  fail "node 1 did not log the restore"

# every node holds exactly the source's state at the backup's index
check_nodes() { # what
  local i
  wait_converged >/dev/null
  for ((i = 1; i <= 3; i++)); do
    dump "$i" >"$T/restored.$i"
    cmp -s "$T/source.at" "$T/restored.$i" || {
      diff "$T/source.at" "$T/restored.$i" | head -5
      fail "$1: node $i differs from the source at index $IDX"
    }
  done
}
check_nodes "after restore"

# restart every node from its own disk: the state is still there
for i in 1 2 3; do "$CLUSTER" stop "$i" >/dev/null; done
for i in 1 2 3; do "$CLUSTER" restart "$i" >/dev/null; done
L=$(leader 30)
check_nodes "after a restart of all nodes"

# new entries continue after the backup's index
read -r _ _ pidx <<<"$(env1 RD.PUT after-restore yes)"
((pidx > IDX)) || fail "a new write got index $pidx, not above $IDX"
# the restored session still holds its lock (same token); after it closes,
# a new session's token is above every old one
read -r t1 _ <<<"$(env1 RD.LOCK job "$sid")"
expect_eq "$t1" "$tok" "the restored session still holds its lock"
env1 RD.SESSION CLOSE "$sid" >/dev/null
read -r sb _ <<<"$(env1 RD.SESSION OPEN 60000)"
read -r t2 _ <<<"$(env1 RD.LOCK job "$sb")"
((t2 > IDX && t2 > tok)) || fail "a new lock token $t2 is not above $IDX and $tok"
note "backup at index $IDX: $(field keys) keys; restored cluster writes at $pidx, new token $t2"
echo "PASS"
