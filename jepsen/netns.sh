#!/bin/sh
# netns.sh - the fault harness's private network: nodes as hosts.
#
#   netns.sh up PREFIX NET N    create PREFIX-ctl holding bridge br0 at NET.254
#                               and PREFIX-n1..N, node i at NET.i/24, each
#                               joined to the bridge by a veth pair
#   netns.sh down PREFIX        kill every process inside PREFIX-* namespaces
#                               and delete them (and so their veths/bridge)
#
# Everything lives inside namespaces this script creates: the root
# namespace gets no interface, address or rule, and NET (default
# 10.213.0) exists only in here. A partition is an iptables rule inside a
# node's namespace (jepsen-runner does that); deleting a namespace removes
# its rules with it.
set -eu

die() { echo "netns.sh: $*" >&2; exit 1; }

ns_list() { # PREFIX: our namespaces
	ip netns list 2>/dev/null | awk -v p="$1-" 'index($1, p) == 1 { print $1 }'
}

down() {
	prefix=$1
	for ns in $(ns_list "$prefix"); do
		# every process whose network namespace is this one is ours
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -CONT "$pid" 2>/dev/null || true
			kill -KILL "$pid" 2>/dev/null || true
		done
	done
	for ns in $(ns_list "$prefix"); do
		ip netns del "$ns" 2>/dev/null || true
	done
	left=$(ns_list "$prefix")
	[ -z "$left" ] || die "could not delete namespaces: $left"
}

up() {
	prefix=$1 net=$2 n=$3
	ctl="$prefix-ctl"
	[ -z "$(ns_list "$prefix")" ] || die "namespaces $prefix-* exist already (run: netns.sh down $prefix)"
	ip netns add "$ctl"
	ip -n "$ctl" link set lo up
	ip -n "$ctl" link add br0 type bridge
	ip -n "$ctl" addr add "$net.254/24" dev br0
	ip -n "$ctl" link set br0 up
	i=1
	while [ "$i" -le "$n" ]; do
		node="$prefix-n$i"
		ip netns add "$node"
		ip -n "$node" link set lo up
		ip -n "$ctl" link add "v$i" type veth peer name eth0 netns "$node"
		ip -n "$ctl" link set "v$i" master br0 up
		ip -n "$node" addr add "$net.$i/24" dev eth0
		ip -n "$node" link set eth0 up
		i=$((i + 1))
	done
}

cmd=${1:-}
case "$cmd" in
	up) [ $# -eq 4 ] || die "usage: netns.sh up PREFIX NET N"; up "$2" "$3" "$4" ;;
	down) [ $# -eq 2 ] || die "usage: netns.sh down PREFIX"; down "$2" ;;
	*) die "usage: netns.sh up PREFIX NET N | down PREFIX" ;;
esac
