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
#     duplicated elements. Lost replies are too rare to count on (a 20 s
#     run under kills and partitions produced no retry at all), so the
#     clients lose one reply in ten on purpose (--lose-replies 0.1) and
#     retry it with the same session and seq. The same run against the
#     default server must stay valid, every retry answered from the first
#     application: that proves the retries are real and de-duplication is
#     what the check measures.
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
	DEDUP_ARGS="--nodes 3 --workload append --sessions --lose-replies 0.1 --nemesis kill,partition
		--time-limit 20 --interval 2 --recovery 1 --concurrency 6 --threads-per-key 3
		--op-timeout 4000"
	# shellcheck disable=SC2086
	jepsen_run $DEDUP_ARGS --raftd-flag --unsafe-no-session-dedup
	expect_rc 1 "--unsafe-no-session-dedup"
	expect_in_results '"elements":{"valid":false' "duplicated elements found"
	dups=$(sed -n 's/.*"duplicated_count":\([0-9]*\).*/\1/p' "$RESULTS")
	[ "${dups:-0}" -gt 0 ] || { explain; fail "--unsafe-no-session-dedup: no duplicated element counted"; }
	echo "ok: --unsafe-no-session-dedup is reported invalid ($dups duplicated elements)"
	# shellcheck disable=SC2086
	jepsen_run $DEDUP_ARGS
	expect_rc 0 "the same run with de-duplication (the default)"
	expect_in_results '"elements":{"valid":true' "no duplicates with de-duplication"
	grep -q 'lost replies: [1-9][0-9]* appends retried' "$STORE/latest/runner.log" ||
		{ explain; fail "no reply was lost on purpose: the retries were not exercised"; }
	grep -q ' 0 applied again' "$STORE/latest/runner.log" ||
		{ explain; fail "a retry was applied again although de-duplication is on"; }
	echo "ok: the default server answers every retry from its first application: $(
		sed -n 's/.*lost replies: \([0-9]*\) appends.*/\1/p' "$STORE/latest/runner.log") retries, valid"
	ran=$((ran + 1))
else
	echo "# raftd has no --unsafe-no-session-dedup: part 2 skipped"
fi

[ "$ran" -gt 0 ] || skip "this raftd has none of the known-bad flags"
echo "PASS: $ran known-bad mode(s) reported invalid"
