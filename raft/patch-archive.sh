#!/bin/sh
# patch-archive.sh - build the libraft.a that raftd links, from Debian's.
#
# usage: patch-archive.sh IN.a OUT.a SYMBOLS
#
# raftd's fixes to raft 0.15 (raft/fix_*.c) are functions that take the
# name of a library function.  For that, this script copies the archive and
# edits the defining objects with objcopy:
#   weaken  the archive's definition stays but yields to raftd's strong one;
#           used when the defining object calls the function itself, which
#           it does through a relocation against the global symbol;
#   rename  the archive's definition becomes rfix_orig_<name>, so that
#           raftd's wrapper of that name can call it;
#   redirect the object's calls of <name> (a function it does not define,
#           e.g. one of libuv's) go to rfix_<name> instead; the other
#           objects' calls are left alone.
# It refuses to work unless IN is exactly raft 0.15.0 (SYMBOLS is the list
# of its global symbols) and unless every call to a replaced function goes
# through a relocation (a direct call would bypass the fix silently).
# Nothing is written to OUT unless all checks pass.
set -eu

die() {
	echo "patch-archive.sh: $*" >&2
	exit 1
}

[ $# -eq 3 ] || die "usage: patch-archive.sh IN.a OUT.a SYMBOLS"
in=$1
out=$2
symbols=$3
[ -f "$in" ] || die "$in: no such archive (install libraft-dev, or configure --with-raft-archive=FILE)"
case $in in /*) ;; *) in=$(pwd)/$in ;; esac

work=$(mktemp -d "${TMPDIR:-/tmp}/raftd-archive.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# The edits: operation, object, symbol, and the objects that must call the
# symbol (through relocations) once the edit is done.
cat > "$work/edits" <<'EDITS'
weaken libraft_la-replication.o replicationQuorum libraft_la-replication.o
rename libraft_la-client.o raft_apply -
rename libraft_la-convert.o convertToCandidate libraft_la-recv_timeout_now.o,libraft_la-start.o,libraft_la-tick.o
rename libraft_la-log.o logTruncate libraft_la-client.o,libraft_la-replication.o
rename libraft_la-membership.o membershipCanChangeConfiguration libraft_la-client.o
rename libraft_la-recv_request_vote.o recvRequestVote libraft_la-recv.o
rename libraft_la-byte.o byteCrc32 libraft_la-uv_encoding.o,libraft_la-uv_segment.o,libraft_la-uv_snapshot.o
weaken libraft_la-uv_os.o UvOsFallocate libraft_la-uv_fs.o
weaken libraft_la-uv_os.o UvOsIoDestroy libraft_la-uv_fs.o,libraft_la-uv_writer.o
redirect libraft_la-uv_recv.o uv_read_start libraft_la-uv_tcp_listen.o
EDITS

list_symbols() {
	nm -g --defined-only "$1" |
		awk '/:$/ {obj = substr($0, 1, length($0) - 1); next}
		     NF == 3 {print obj, $2, $3}' | LC_ALL=C sort
}

# 1. Is this raft 0.15.0?
list_symbols "$in" > "$work/have"
grep -v '^#' "$symbols" > "$work/want"
if ! cmp -s "$work/have" "$work/want"; then
	diff "$work/want" "$work/have" | head -20 >&2 || true
	die "$in is not Debian's raft 0.15.0 libraft.a (global symbols differ, see above); raftd's fixes are written against 0.15.0 only"
fi

# 2. Extract, keeping the member order.
mkdir "$work/x"
cd "$work/x"
ar t "$in" > ../members
ar x "$in"

# Objects (of the extracted set) holding relocations against $1.
callers_of() {
	for o in $(cat ../members); do
		if objdump -r "$o" | awk -v s="$1" '$3 == s || index($3, s "-") == 1 {f = 1} END {exit !f}'; then
			printf '%s\n' "$o"
		fi
	done | paste -sd, -
}

# Direct (relocation-free) calls or jumps to $2 from other functions of
# object $1.  objdump shows a relocated call with the relocation on the next
# line; jumps inside $2's own body are branches, not calls.
direct_calls() {
	objdump -dr "$1" | awk -v s="$2" '
		/^[0-9a-f]+ <.*>:$/ { fn = $2; pending = 0; next }
		pending { if ($0 !~ /R_[A-Z0-9_]+/) n++; pending = 0 }
		fn != "<" s ">:" && /(call|jmp)[a-z]*[ \t]+[0-9a-f]+ </ {
			if (index($0, "<" s ">") || index($0, "<" s "+0x")) pending = 1
		}
		END { if (pending) n++; print n + 0 }'
}

# 3. Edit and check each object.
while read -r op obj sym callers; do
	[ -f "$obj" ] || die "$obj missing from $in"
	case $op in
	weaken)
		objcopy --weaken-symbol="$sym" "$obj"
		;;
	rename)
		objcopy --redefine-sym "$sym=rfix_orig_$sym" "$obj"
		;;
	redirect)
		objcopy --redefine-sym "$sym=rfix_$sym" "$obj"
		[ "$(callers_of "rfix_$sym")" = "$obj" ] ||
			die "$obj does not call rfix_$sym after the edit"
		;;
	*)
		die "bad edit $op"
		;;
	esac
	[ "$(direct_calls "$obj" "$sym")" -eq 0 ] ||
		die "$obj calls $sym directly; replacing it would not reach that call"
	have=$(callers_of "$sym")
	[ "$callers" = - ] && callers=
	[ "$have" = "$callers" ] ||
		die "$sym is called from '$have', expected '$callers'; the fix for it was checked against 0.15.0's call sites only"
done < ../edits

# 4. Re-archive under a temporary name, then move into place.
ar rcs "$work/out.a" $(cat ../members)
cd - > /dev/null
mv "$work/out.a" "$out"
