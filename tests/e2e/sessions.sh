#!/usr/bin/env bash
# sessions.sh - exactly-once client sessions, expiry, and locks with fencing
# tokens, on a three-node cluster through RESP:
#   - an INCRBY and a CAS retried with the same (session, seq) after a kill -9
#     of the leader apply once and return the first result;
#   - a session that expired gets SESSIONEXPIRED and nothing is applied;
#   - a lock's token increases across holders; a write fenced with the old
#     holder's token is rejected, the new holder's accepted.
source "$top_srcdir/tests/e2e/lib.sh"

start_cluster 3
L=$(leader)

# env CMD... : the reply of a command to the leader as one line
env1() { rc "$L" "$@" | tr '\n' ' ' | sed 's/ $//'; }

read -r sid _ <<<"$(env1 RD.SESSION OPEN 60000)"
[[ "$sid" =~ ^[0-9]+$ && "$sid" -gt 0 ]] || fail "RD.SESSION OPEN gave '$sid'"
expect_eq "$(rc "$L" SET k a)" OK "SET k a"

read -r n1 _ i1 <<<"$(env1 RD.SEQ "$sid" 1 0 RD.INCRBY ctr 5)"
expect_eq "$n1" 5 "first INCRBY"
read -r c1 _ ci1 <<<"$(env1 RD.SEQ "$sid" 2 1 RD.CAS k a b)"
expect_eq "$c1" 1 "first CAS"
note "session $sid: INCRBY applied at index $i1, CAS at $ci1"

# The client lost the replies; the leader dies; the client retries.
K=$L
"$CLUSTER" kill "$K"
L=$(leader 20)
read -r n2 _ i2 <<<"$(env1 RD.SEQ "$sid" 1 0 RD.INCRBY ctr 5)"
expect_eq "$n2" 5 "retried INCRBY returns the first result"
expect_eq "$i2" "$i1" "retried INCRBY names the index of its first application"
read -r c2 _ ci2 <<<"$(env1 RD.SEQ "$sid" 2 1 RD.CAS k a b)"
expect_eq "$c2" 1 "retried CAS returns the first result (not a mismatch)"
expect_eq "$ci2" "$ci1" "retried CAS index"
expect_eq "$(rc "$L" GET ctr)" 5 "the counter was incremented once"
expect_eq "$(rc "$L" GET k)" b "the CAS applied once"
# A new seq applies again; an acknowledged (forgotten) seq is refused.
read -r n3 _ <<<"$(env1 RD.SEQ "$sid" 3 3 RD.INCRBY ctr 5)"
expect_eq "$n3" 10 "next seq applies"
r=$(rc "$L" RD.SEQ "$sid" 1 3 RD.INCRBY ctr 5)
[[ "$r" == BADSEQ* ]] || fail "a seq below ack gave '$r'"
expect_eq "$(rc "$L" GET ctr)" 10 "a refused seq changed nothing"

# Expiry: a 1 s session left idle expires at the first batch after its
# deadline, on every replica alike.
read -r short _ <<<"$(env1 RD.SESSION OPEN 1000)"
sleep 2
rc "$L" SET tick 1 >/dev/null
r=$(rc "$L" RD.SEQ "$short" 1 0 RD.PUT ghost yes)
[[ "$r" == SESSIONEXPIRED* ]] || fail "an expired session's write gave '$r'"
[[ -z "$(rc "$L" GET ghost)" ]] || fail "an expired session's write was applied"

# Locks and fencing: A holds the lock, stalls past its session timeout; B
# takes the lock with a larger token; A's late write is fenced off.
read -r sa _ <<<"$(env1 RD.SESSION OPEN 1000)"
read -r sb _ <<<"$(env1 RD.SESSION OPEN 60000)"
read -r ta _ <<<"$(env1 RD.LOCK job "$sa")"
[[ "$ta" -gt 0 ]] || fail "A did not get the lock ($ta)"
read -r tb _ <<<"$(env1 RD.LOCK job "$sb")"
expect_eq "$tb" 0 "B while A holds the lock"
sleep 2
rc "$L" SET tick 2 >/dev/null
read -r tb _ <<<"$(env1 RD.LOCK job "$sb")"
[[ "$tb" -gt "$ta" ]] || fail "B's token $tb is not above A's $ta"
r=$(rc "$L" RD.FENCE job "$ta" SET result from-a)
[[ "$r" == FENCED* ]] || fail "A's fenced write with an old token gave '$r'"
expect_eq "$(rc "$L" RD.FENCE job "$tb" SET result from-b)" OK "B's fenced write"
expect_eq "$(rc "$L" GET result)" from-b "the fenced key"
read -r u _ <<<"$(env1 RD.UNLOCK job "$sb")"
expect_eq "$u" 1 "B unlocks"
r=$(rc "$L" RD.FENCE job "$ta" SET result late)
[[ "$r" == FENCED* ]] || fail "an old token after release gave '$r'"

# Every replica agrees, sessions included (same digest of the key space).
"$CLUSTER" restart "$K"
wait_converged 30 >/dev/null
note "exactly-once, expiry and fencing hold across a leader kill"
