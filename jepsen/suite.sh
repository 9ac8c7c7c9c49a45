#!/bin/sh
# suite.sh - the long fault-test suite (make jepsen): every workload under
# every nemesis (partitions, kills, pauses, membership changes, snapshot
# churn) on five nodes, then the known-bad modes, which must come back
# invalid. Minutes per run; about 30 minutes in all with the default
# JEPSEN_TIME=180 (seconds per long run). JEPSEN_ONLY="register-all
# set-all" runs only the runs named.
#
#   RAFTD_BUILD=build jepsen/suite.sh        (what `make jepsen` does)
#
# Prints one line per run and a table at the end; exits 0 when every run
# got the verdict it should, 1 otherwise. A workload this raftd does not
# support yet is reported as skipped, not failed. Runs are kept in
# STORE (default ./store).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
T=${JEPSEN_TIME:-180}
STORE=${STORE:-./store}
: "${RAFTD_BUILD:=$HERE/../build}"
export RAFTD_BUILD
summary=""
bad=0

# wanted NAME: is this run selected by JEPSEN_ONLY (default: all)?
wanted() {
	[ -z "${JEPSEN_ONLY:-}" ] && return 0
	case " $JEPSEN_ONLY " in *" $1 "*) return 0 ;; esac
	return 1
}

# run EXPECT NAME ARGS...: EXPECT is valid or invalid
run() {
	expect=$1 name=$2; shift 2
	wanted "$name" || return 0
	echo "=== $name: jepsen/run $*"
	rc=0
	"$HERE/run" --store "$STORE" "$@" || rc=$?
	case "$rc" in
		0) got=valid ;; 1) got=invalid ;; 2) got=unknown ;; 77) got=skipped ;; *) got="error($rc)" ;;
	esac
	ops=$(sed -n 's/.*"counts":{"ops":\([0-9]*\),"ok":\([0-9]*\),"fail":\([0-9]*\),"info":\([0-9]*\).*/\1 ops (\2 ok, \3 fail, \4 info)/p' \
		"$STORE/latest/results.json" 2>/dev/null)
	[ "$got" = skipped ] && ops="-"
	status=ok
	[ "$got" = "$expect" ] || [ "$got" = skipped ] || { status=UNEXPECTED; bad=1; }
	line=$(printf '%-28s %-9s %-9s %-10s %s  %s' "$name" "$expect" "$got" "$status" "$ops" \
		"$(readlink -f "$STORE/latest")")
	echo "$line"
	summary="$summary$line
"
}

RAFTD=$RAFTD_BUILD/raftd/raftd
[ -x "$RAFTD" ] || RAFTD=$(command -v raftd || echo raftd)

# A known-bad mode is only tried when this raftd has its flag.
bad_mode() { # expect name flag args...
	e=$1 n=$2 flag=$3
	shift 3
	wanted "$n" || return 0
	if "$RAFTD" --help 2>&1 | grep -q -- "$flag"; then
		run "$e" "$n" "$@"
		return
	fi
	line=$(printf '%-28s %-9s %-9s %-10s %s' "$n" "$e" skipped ok "raftd has no $flag")
	echo "$line"
	summary="$summary$line
"
}

# every fault: partitions, kills, pauses, membership changes (remove a
# node, wipe it, add it back), with snapshot churn underneath
ALL=partition,kill,pause,membership,snapshot
run valid register-all --nodes 5 --workload register --nemesis $ALL --time-limit "$T"
run valid set-all --nodes 5 --workload set --nemesis $ALL --time-limit "$T"
run valid append-all --nodes 5 --workload append --nemesis $ALL --time-limit "$T"
run valid lock-all --nodes 5 --workload lock --nemesis $ALL --time-limit "$T"
run valid register-fresh-clients --nodes 5 --workload register --fresh-clients --nemesis partition,kill,pause --time-limit $((T / 2))
run valid register-no-churn --nodes 5 --workload register --nemesis partition,kill,pause,membership --time-limit $((T / 2))
run valid set-no-churn --nodes 5 --workload set --nemesis partition,kill,pause,membership --time-limit $((T / 2))
run valid append-sessions --nodes 5 --workload append --sessions --lose-replies 0.05 --nemesis $ALL --time-limit $((T / 2))
bad_mode invalid bad-reads --unsafe-read-without-barrier --nodes 5 --workload register --nemesis partition,pause --time-limit 30 --fresh-clients --raftd-flag --unsafe-read-without-barrier
bad_mode invalid bad-dedup --unsafe-no-session-dedup --nodes 5 --workload append --sessions --lose-replies 0.1 --nemesis kill,partition --time-limit 30 --op-timeout 4000 --raftd-flag --unsafe-no-session-dedup

echo
printf '%-28s %-9s %-9s %-10s %s\n' run expected got status "operations  report"
printf '%s' "$summary"
exit "$bad"
