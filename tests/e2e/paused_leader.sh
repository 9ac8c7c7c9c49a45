#!/usr/bin/env bash
# paused_leader.sh - a deposed leader never answers a linearizable read.
#
# The leader is frozen with SIGSTOP while a client's GET already sits in its
# socket; the others elect a new leader and overwrite the key; then the old
# leader is resumed. Believing itself leader, it must not serve the GET from
# its stale state: it answers with a redirect or a retryable error. The same
# scenario against --unsafe-read-without-barrier must return the stale value:
# that proves the check bites.
source "$top_srcdir/tests/e2e/lib.sh"

# scenario EXTRA_FLAGS... : prints the old leader's answer to the GET
scenario() {
  start_cluster 3 "$@"
  local L NL fd ans=""
  L=$(leader)
  expect_eq "$(rc "$L" SET k old)" OK "write before the pause"
  exec {fd}<>"/dev/tcp/127.0.0.1/$(port "$L")"
  "$CLUSTER" pause "$L"
  printf '*2\r\n$3\r\nGET\r\n$1\r\nk\r\n' >&"$fd"
  NL=""
  for _ in $(seq 1 100); do
    for i in 1 2 3; do
      [[ $i == "$L" ]] && continue
      [[ "$("$CLUSTER" status | grep "^node $i " )" == *"(leader"* ]] && NL=$i
    done
    [[ -n "$NL" ]] && break
    sleep 0.1
  done
  [[ -n "$NL" ]] || fail "no new leader while node $L was paused"
  expect_eq "$(rc "$NL" SET k new)" OK "write on the new leader"
  "$CLUSTER" resume "$L"
  IFS= read -r -t 10 ans <&"$fd" || true
  exec {fd}>&-
  "$CLUSTER" stop all >/dev/null
  rm -rf "$RAFTD_CLUSTER_DIR"
  printf '%s' "${ans%$'\r'}"
}

ans=$(scenario)
note "safe mode: the resumed old leader answered '$ans'"
case "$ans" in
  -MOVED*|-TRYAGAIN*) ;;
  *) fail "the deposed leader answered '$ans' to a linearizable read" ;;
esac

ans=$(scenario --unsafe-read-without-barrier)
note "unsafe mode: the resumed old leader answered '$ans'"
expect_eq "$ans" '$3' "unsafe mode must serve the stale value (bulk of 3 bytes: 'old')"
