#!/usr/bin/env bash
# badinput.sh - malformed and hostile input gets an error or a closed
# connection, never a crash, a hang of other clients, or unbounded memory;
# bad flags and unusable data directories give a one-line error and a
# non-zero exit.
source "$top_srcdir/tests/e2e/lib.sh"

start_cluster 1 --max-key 16 --max-value 64 --max-request 2048 --max-pending 64
P=$(port 1)
PID=$(node_pid 1)
leader >/dev/null

# raw BYTES: send them on a fresh connection, print the first reply line.
raw() {
  local fd line=""
  exec {fd}<>"/dev/tcp/127.0.0.1/$P"
  printf '%b' "$1" >&"$fd" 2>/dev/null || true
  IFS= read -r -t 3 line <&"$fd" || true
  exec {fd}>&-
  printf '%s' "${line%$'\r'}"
}
expect_prefix() { [[ "$1" == "$2"* ]] || fail "$3: expected '$2...', got '$1'"; }

expect_eq "$(raw 'PING\r\n')" "+PONG" "inline PING"
expect_prefix "$(raw '*2\r\n$3\r\nGET\r\n$-5\r\n')" "-ERR Protocol error" "negative bulk length"
expect_prefix "$(raw '*1\r\n$99999999999\r\n')" "-ERR Protocol error" "bulk over the limit"
expect_prefix "$(raw '*99999999999\r\n')" "-ERR Protocol error" "array over the limit"
expect_prefix "$(raw '*2\r\n$3\r\nGET\r\n$1\r\nab\r\n')" "-ERR Protocol error" "bulk without its CRLF"
expect_prefix "$(raw '*x\r\n')" "-ERR Protocol error" "non-numeric array length"
expect_prefix "$(raw 'SET "unbalanced\r\n')" "-ERR Protocol error" "unbalanced quotes"
expect_prefix "$(raw '\x00\xff\xfe\x01garbage\r\n')" "-ERR" "binary garbage"
expect_prefix "$(raw '*1\r\n$7\r\nNOTACMD\r\n')" "-ERR unknown command" "unknown command"
expect_prefix "$(raw '*1\r\n$3\r\nGET\r\n')" "-ERR wrong number of arguments" "arity"
expect_prefix "$(rc 1 SET 0123456789abcdefX v)" "TOOLARGE key is 17 bytes" "key over --max-key"
expect_prefix "$(rc 1 SET k "$(printf 'v%.0s' {1..65})")" "TOOLARGE value is 65 bytes" "value over --max-value"
expect_prefix "$(rc 1 SET k v PX)" "ERR syntax error" "unsupported SET option"
expect_prefix "$(rc 1 INCRBY k notanumber)" "ERR value is not an integer" "INCRBY argument"
expect_prefix "$(rc 1 RD.LIST p LIMIT 0)" "ERR LIMIT must be" "LIST limit"
expect_prefix "$(rc 1 RD.CASIDX k -1 v)" "ERR mod_index must be" "CASIDX index"
expect_eq "$(rc 1 SET k v)" OK "a valid write still works"
expect_eq "$(rc 1 INCR k)" "ERR value is not an integer or out of range" "INCR of a non-integer"

# A client that disconnects halfway through a request.
exec {fd}<>"/dev/tcp/127.0.0.1/$P"; printf '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$40\r\nabc' >&"$fd"; exec {fd}>&-

# A client that pipelines forever and never reads its replies: the server
# stops reading from it (backpressure) and everybody else is still served.
exec {slow}<>"/dev/tcp/127.0.0.1/$P"
( for ((i = 0; i < 200; i++)); do
    printf '*3\r\n$3\r\nSET\r\n$4\r\nslow\r\n$60\r\n%060d\r\n' {1..500}
  done >&"$slow" 2>/dev/null ) &
writer=$!
sleep 3
expect_eq "$(rc 1 PING)" PONG "another client while a slow one is stuck"
expect_eq "$(rc 1 SET other fine)" OK "another client's write"
rss=$(awk '/VmRSS/{print $2}' "/proc/$PID/status")
note "daemon RSS with a stuck pipelining client: ${rss} kB"
((rss < 300000)) || fail "RSS ${rss} kB: memory is not bounded"
kill "$writer" 2>/dev/null || true; wait "$writer" 2>/dev/null || true
exec {slow}>&-
kill -0 "$PID" || fail "the daemon died"

# Bad flags and data directories: one line on stderr, non-zero exit.
set +e
out=$("$RAFTD" --bogus 2>&1); st=$?
set -e
expect_eq "$st" 2 "exit status for an unknown flag"
expect_eq "$(wc -l <<<"$out")" 1 "lines of error for an unknown flag"
expect_prefix "$out" "raftd: unknown option '--bogus'" "unknown flag message"
set +e
out=$("$RAFTD" --id 1 --data-dir "$T/d" --member 1,nothost:1,127.0.0.1:2 2>&1); st=$?
set -e
expect_eq "$st" 2 "exit status for a bad address"
expect_prefix "$out" "raftd: --member: 'nothost:1' is not an IPv4 host:port address" "bad address message"
touch "$T/file"
set +e
out=$("$RAFTD" --id 1 --data-dir "$T/file/sub" --member 1,127.0.0.1:1,127.0.0.1:2 2>&1); st=$?
set -e
expect_eq "$st" 1 "exit status for an unusable data directory"
expect_eq "$(wc -l <<<"$out")" 1 "lines of error for an unusable data directory"
[[ "$out" == *"cannot create data directory"* ]] || fail "data directory message: $out"
# A membership change with an address libraft cannot use is refused before
# anything reaches the configuration.
L=$(leader)
for bad in "9 notanaddr 127.0.0.1:5" "9 127.0.0.1:0 127.0.0.1:5" \
  "9 127.0.0.1:5 localhost:6" "0 127.0.0.1:5 127.0.0.1:6"; do
  # shellcheck disable=SC2086
  out=$(rc "$L" RD.MEMBER ADD $bad)
  [[ "$out" == "ERR syntax error: RD.MEMBER ADD"* ]] || fail "RD.MEMBER ADD $bad: $out"
done
# The flat listing is id, raft address, client address, role per member,
# then the envelope's term and index (which may well be 9): look for the
# addresses the refused commands carried, and count the members.
members=$(rc "$L" RD.MEMBER LIST)
grep -qxE 'notanaddr|localhost:6|127\.0\.0\.1:[056]' <<<"$members" &&
  fail "a member was added with a bad address: $members"
expect_eq "$(wc -l <<<"$members")" 6 "lines of RD.MEMBER LIST (one member + term + index)"
note "all bad input answered; daemon still running"
