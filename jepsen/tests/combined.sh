#!/bin/sh
# combined.sh - the short combined fault test: three nodes, the register
# workload, kill + partition + pause faults for about 50 seconds; the
# history must be linearizable and the replicas must converge.
. "$(dirname "$0")/lib.sh"

jepsen_run --nodes 3 --workload register --nemesis kill,partition,pause \
	--time-limit 50 --interval 3 --recovery 2 --concurrency 6 --threads-per-key 3 \
	--rate 60 --check-time 60
expect_rc 0 "raftd under kill, partition and pause"
expect_in_results '"linearizable":{"valid":true' "the linearizability verdict"
expect_in_results '"replicas":{"valid":true' "the replicas verdict"
for kind in kill partition pause; do
	expect_in_results "\"kind\":\"$kind\"" "a $kind fault was injected"
done
ok=$(count_of)
[ "${ok:-0}" -ge 500 ] || { explain; fail "only ${ok:-0} operations succeeded"; }
[ -s "$STORE/latest/timeline.html" ] || fail "no timeline.html"
if command -v gnuplot >/dev/null 2>&1; then
	[ -s "$STORE/latest/latency.png" ] && [ -s "$STORE/latest/rate.png" ] || fail "no plots"
fi
echo "PASS: valid, $ok ok operations; report in $STORE/latest"
