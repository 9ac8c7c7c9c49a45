#!/usr/bin/env bash
# smoke.sh - raftd-bench runs against a 1-node cluster: a 1-second load run
# with reads and writes prints a SUMMARY with successful requests and no
# errors, bad flags are refused, and a --transfer run whose event command
# fails is reported as skipped (exit 77), which compare-etcd relies on.
source "$top_srcdir/tests/e2e/lib.sh"
RB="$top_builddir/bench/raftd-bench"

out=$("$RB" --endpoints 127.0.0.1:1 --clients 0 2>&1) && fail "--clients 0 accepted"
[[ "$out" == *"out of range"* ]] || fail "unexpected message for --clients 0: $out"
"$RB" --key-space 1000 --key-size 2 >/dev/null 2>&1 && fail "key space larger than the key size allows accepted"

start_cluster 1
out=$("$RB" --endpoints "$RAFTD_ENDPOINTS" --duration 1 --clients 8 --conns 2 \
  --pipeline 2 --mix 1:1 --key-space 100 --prefill --quiet)
echo "$out"
summary=$(grep '^SUMMARY mode=load op=mix ' <<<"$out") || fail "no SUMMARY line"
ok=$(sed -n 's/.* ok=\([0-9]*\) .*/\1/p' <<<"$summary")
errs=$(sed -n 's/.* errors=\([0-9]*\) .*/\1/p' <<<"$summary")
((ok > 0)) || fail "no successful requests"
expect_eq "$errs" 0 "errors"
[[ "$summary" == *" p99_ms="* && "$summary" == *" clients=8 conns=2 pipeline=2 "* ]] || fail "SUMMARY fields: $summary"

rc=0
"$RB" --endpoints "$RAFTD_ENDPOINTS" --transfer --duration 1 --event false --quiet >/dev/null 2>&1 || rc=$?
expect_eq "$rc" 77 "--transfer with a failing event"
note "raftd-bench smoke test passed"
