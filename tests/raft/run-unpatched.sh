#!/bin/sh
# run-unpatched.sh - run the tests/raft tests linked with unpatched raft.
#
# usage: run-unpatched.sh TEST-unpatched...
#
# Each test is the same source as its patched twin, which `make check`
# runs and which must pass.  Here every test case must FAIL: a test that
# passes without the fix it covers would prove nothing.  The output of each
# run is shown, indented, so the violations can be read.
#
# Leak reports are switched off here: unpatched 0.15 leaks on some of the
# failure paths these tests drive (e.g. a segment that fails to load), and
# that is not what they are about.  The patched runs keep leak checking.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS
status=0
for t in "$@"; do
	echo "=== $t"
	out=$("./$t" 2>&1)
	printf '%s\n' "$out" | sed 's/^/    /'
	ran=$(printf '%s\n' "$out" | grep -c '^\[ RUN      \]')
	ok=$(printf '%s\n' "$out" | grep -c '^\[       OK \]')
	if [ "$ran" -eq 0 ]; then
		echo "--- $t: did not run"
		status=1
	elif [ "$ok" -ne 0 ]; then
		echo "--- $t: $ok of $ran test(s) PASS without raftd's fixes: they do not show the fix is needed"
		status=1
	else
		echo "--- $t: all $ran test(s) fail without raftd's fixes, as they must"
	fi
done
exit $status
