#!/bin/sh
# known-bad.sh - the checks must bite: raftd started in a known-bad mode
# must be reported invalid.
#  1. --unsafe-read-without-barrier (reads served from local state on any
#     node) under partitions and pauses: stale reads, not linearizable. The
#     clients open a new connection at their own node for every operation
#     (--fresh-clients): a long-lived client soon sticks to the leader and
#     rarely asks a lagging follower, which made this part flaky.
#  2. --unsafe-no-session-dedup (retried sequenced writes applied again)
#     with appends in exactly-once sessions under kills and partitions:
#     duplicated elements.
# Each part is skipped when this raftd lacks the flag; the test SKIPs when
# it lacks both.
. "$(dirname "$0")/lib.sh"

ran=0
if "$RAFTD" --help 2>&1 | grep -q -- --unsafe-read-without-barrier; then
	jepsen_run --nodes 3 --workload register --nemesis partition,pause --time-limit 20 \
		--interval 2 --recovery 1 --concurrency 6 --threads-per-key 3 --fresh-clients \
		--raftd-flag --unsafe-read-without-barrier
	expect_rc 1 "--unsafe-read-without-barrier"
	expect_in_results '"linearizable":{"valid":false' "stale reads found"
	echo "ok: --unsafe-read-without-barrier is reported invalid"
	ran=$((ran + 1))
else
	echo "# raftd has no --unsafe-read-without-barrier: part 1 skipped"
fi

if "$RAFTD" --help 2>&1 | grep -q -- --unsafe-no-session-dedup; then
	jepsen_run --nodes 3 --workload append --sessions --nemesis kill,partition \
		--time-limit 20 --interval 2 --recovery 1 --concurrency 6 --threads-per-key 3 \
		--op-timeout 4000 --raftd-flag --unsafe-no-session-dedup
	expect_rc 1 "--unsafe-no-session-dedup"
	expect_in_results '"elements":{"valid":false' "duplicated elements found"
	echo "ok: --unsafe-no-session-dedup is reported invalid"
	ran=$((ran + 1))
else
	echo "# raftd has no --unsafe-no-session-dedup: part 2 skipped"
fi

[ "$ran" -gt 0 ] || skip "this raftd has none of the known-bad flags"
echo "PASS: $ran known-bad mode(s) reported invalid"
