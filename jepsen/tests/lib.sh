# lib.sh - sourced by the whole-run fault tests (make check): each runs
# jepsen/run against the raftd of this build tree and asserts the verdict.
# They need root, network namespaces and iptables, and SKIP (77) without.
# Runs are kept in $top_builddir/jepsen/test-store/<test>/ for inspection.
set -u
: "${top_builddir:?run through make check}" "${top_srcdir:?run through make check}"

RAFTD=${JEPSEN_RAFTD:-$top_builddir/raftd/raftd}
STORE=$top_builddir/jepsen/test-store/$(basename "$0" .sh)

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

[ "$(id -u)" = 0 ] || skip "fault tests need root (network namespaces, iptables)"
for tool in ip iptables-restore flock; do
	command -v "$tool" >/dev/null 2>&1 || skip "fault tests need $tool"
done
unshare -n true 2>/dev/null || skip "this machine does not allow network namespaces"
[ -x "$RAFTD" ] || fail "no raftd at $RAFTD"
rm -rf "$STORE"
mkdir -p "$STORE"

# jepsen_run ARGS...: one run; sets RC and RESULTS (results.json's path).
jepsen_run() {
	RC=0
	"$top_srcdir/jepsen/run" --build "$top_builddir" --raftd "$RAFTD" --store "$STORE" \
		--lock-wait 900 "$@" || RC=$?
	RESULTS=$STORE/latest/results.json
}

# Show what a failed assertion needs: the verdicts and the end of the log.
explain() {
	echo "--- $STORE/latest/results.json (start)"
	head -c 3000 "$RESULTS" 2>/dev/null; echo
	echo "--- runner.log (end)"
	tail -20 "$STORE/latest/runner.log" 2>/dev/null
}

expect_rc() { # expected-status what
	[ "$RC" = "$1" ] || { explain; fail "$2: jepsen/run exited $RC, expected $1"; }
}

expect_in_results() { # text what
	grep -q -- "$1" "$RESULTS" || { explain; fail "$2: results.json lacks $1"; }
}

# The number after "name": in results.json's counts.
count_of() {
	sed -n 's/.*"counts":{"ops":[0-9]*,"ok":\([0-9]*\).*/\1/p' "$RESULTS"
}
