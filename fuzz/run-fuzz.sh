#!/bin/sh
# run-fuzz.sh BUILD_DIR SECONDS - run every libFuzzer target for SECONDS each.
#
# The targets are the executables named fuzz_* in BUILD_DIR/fuzz/, built by
#   /path/to/configure CC=clang --enable-fuzz && make
# Each runs on a fresh corpus in a temporary directory, seeded from
# fuzz/corpus/<target>/ next to this script when that exists; what the fuzzer
# finds there is thrown away afterwards. A crashing input is kept in
# BUILD_DIR/fuzz/artifacts/<target>/; replay it with
#   BUILD_DIR/fuzz/<target> BUILD_DIR/fuzz/artifacts/<target>/crash-...
# Exits non-zero when a target crashes, leaks, times out, or none is found.
set -u

usage() {
	echo "usage: $0 BUILD_DIR SECONDS" >&2
	exit 2
}

[ $# -eq 2 ] || usage
build=$1
secs=$2
case $secs in
'' | *[!0-9]*) usage ;;
esac
[ -d "$build/fuzz" ] || {
	echo "run-fuzz: no $build/fuzz (configure CC=clang --enable-fuzz, then make)" >&2
	exit 2
}

here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/run-fuzz.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

found=0
failed=0
for bin in "$build"/fuzz/fuzz_*; do
	# Object files share the prefix; only the linked programs are executable.
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	name=$(basename "$bin")
	found=$((found + 1))
	corpus=$work/$name
	artifacts=$build/fuzz/artifacts/$name
	mkdir -p "$corpus" "$artifacts"
	if [ -d "$here/corpus/$name" ]; then
		cp "$here/corpus/$name"/* "$corpus"/ 2>/dev/null
	fi
	echo "run-fuzz: $name for ${secs}s"
	if "$bin" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 \
		-artifact_prefix="$artifacts/" -print_final_stats=1 \
		"$corpus" >"$work/$name.log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$name.log")
		echo "run-fuzz: $name: ok, ${runs:-?} runs, $(ls "$corpus" | wc -l) corpus entries"
	else
		status=$?
		echo "run-fuzz: $name: FAILED (exit $status); its log ends:"
		tail -n 40 "$work/$name.log"
		ls "$artifacts"/* 2>/dev/null | sed 's/^/run-fuzz: input kept: /'
		failed=$((failed + 1))
	fi
done

if [ "$found" -eq 0 ]; then
	echo "run-fuzz: no fuzz targets in $build/fuzz (configure CC=clang --enable-fuzz, then make)" >&2
	exit 2
fi
echo "run-fuzz: $found target(s), $failed failed"
[ "$failed" -eq 0 ]
