#!/usr/bin/env bash
# check.sh - the README's second command: install what is missing, build, and
# run the whole test suite. .ci/run calls exactly this.
#
#   1. build/       optimised build, `make check` (unit, raft fixture, e2e)
#   2. build-asan/  AddressSanitizer + UBSan build, `make check` again
#   3. build-fuzz/  clang libFuzzer build, every fuzz target for FUZZ_SECONDS
#
# Ends with one line "N passed, N failed" over all of it; exits non-zero when
# anything failed. Environment: FUZZ_SECONDS (default 20), SKIP_ASAN=1,
# SKIP_FUZZ=1 to shorten a local run.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SRC=$(pwd)
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
passed=0 failed=0 skipped=0

scripts/deps.sh || exit 1

count() { # build dir: add its test-suite.log totals
  local log=$1/test-suite.log p f s
  [[ -f "$log" ]] || { failed=$((failed + 1)); return; }
  p=$(awk '/^# PASS:/{print $3}' "$log"); f=$(awk '/^# (FAIL|ERROR|XPASS):/{s+=$3} END{print s+0}' "$log")
  s=$(awk '/^# SKIP:/{print $3}' "$log")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${s:-0}))
}

run_suite() { # name dir configure-flags...
  local name=$1 dir=$2; shift 2
  echo "=== $name: building in $dir"
  if ! scripts/build.sh "$dir" "$@"; then
    echo "=== $name: BUILD FAILED"; failed=$((failed + 1)); return
  fi
  echo "=== $name: make check"
  rm -f "$dir/test-suite.log"
  if ! make -C "$dir" -s -j2 check >"$dir/check.out" 2>&1; then
    grep -E '^(FAIL|ERROR|XPASS):' "$dir/check.out" || true
    for f in $(grep -lE '^:test-result: (FAIL|ERROR)' $(find "$dir" -name '*.trs') 2>/dev/null); do
      echo "--- ${f%.trs}.log (last 40 lines)"; tail -40 "${f%.trs}.log"
    done
  fi
  grep -E '^# (TOTAL|PASS|SKIP|FAIL|ERROR):' "$dir/test-suite.log" 2>/dev/null | sed "s/^/   $name /"
  count "$dir"
}

run_suite "optimised" build CFLAGS="-O2 -g"
[[ "${SKIP_ASAN:-0}" == 1 ]] || run_suite "asan+ubsan" build-asan --enable-sanitize CFLAGS="-O1 -g"

if [[ "${SKIP_FUZZ:-0}" != 1 ]]; then
  echo "=== fuzz: building in build-fuzz"
  if scripts/build.sh build-fuzz CC=clang --enable-fuzz CFLAGS="-O1 -g"; then
    if fuzz/run-fuzz.sh "$SRC/build-fuzz" "$FUZZ_SECONDS"; then
      n=$(find build-fuzz/fuzz -maxdepth 1 -name 'fuzz_*' -type f -executable | wc -l)
      passed=$((passed + n)); echo "=== fuzz: $n targets clean for ${FUZZ_SECONDS}s each"
    else
      failed=$((failed + 1)); echo "=== fuzz: FAILED"
    fi
  else
    failed=$((failed + 1)); echo "=== fuzz: BUILD FAILED"
  fi
fi

echo
echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0))
