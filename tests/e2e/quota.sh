#!/usr/bin/env bash
# quota.sh - the state's size quota (--max-state-bytes, raftd/write.c):
#   - writes that could grow the state are refused with -NOSPACE once its
#     snapshot encoding reaches the limit, and nothing is written;
#   - deletes still work, and once they made room writes work again;
#   - raftctl reports the refusal as an error (not success, not "unknown").
source "$top_srcdir/tests/e2e/lib.sh"

start_cluster 3 --max-state-bytes 100000
L=$(leader)
V=$(head -c 4000 /dev/zero | tr '\0' v)

n=0 first=""
for ((i = 1; i <= 60; i++)); do
  r=$(rc "$L" SET "k$i" "$V")
  if [[ "$r" == OK ]]; then n=$i; continue; fi
  first=$r; break
done
[[ "$first" == NOSPACE* ]] || fail "no NOSPACE after $n writes of 4,000 bytes (got '$first')"
((n >= 20 && n <= 26)) || fail "NOSPACE after $n writes; 100,000 bytes hold ~24"
note "write $((n + 1)) refused: $first"
expect_eq "$(rc "$L" EXISTS "k$((n + 1))")" 0 "the refused key"
case "$(rc "$L" APPEND k1 x)" in NOSPACE*) ;; *) fail "APPEND at the quota accepted" ;; esac
set +e
"$RAFTCTL" put newkey x >/dev/null 2>"$T/raftctl.err"; rcode=$?
set -e
((rcode != 0 && rcode != 4)) || fail "raftctl put at the quota exited $rcode"
grep -q NOSPACE "$T/raftctl.err" || fail "raftctl did not say NOSPACE: $(cat "$T/raftctl.err")"

expect_eq "$(rc "$L" DEL k1 k2 k3)" 3 "DEL at the quota"
expect_eq "$(rc "$L" SET again "$V")" OK "SET after making room"
wait_converged >/dev/null
echo "PASS"
