#!/usr/bin/env bash
# deps.sh - install the Debian bookworm packages raftd needs to build, test
# and run, skipping the ones already installed. Needs root.
set -euo pipefail

PKGS=(build-essential autoconf automake libtool pkg-config binutils
      libuv1-dev liblz4-dev libraft-dev libcmocka-dev
      redis-tools clang libclang-rt-14-dev valgrind
      iproute2 iptables gnuplot-nox procps)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0
if ((EUID != 0)); then
  echo "deps.sh: these packages are missing and installing them needs root: ${missing[*]}" >&2
  exit 1
fi
echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}" >/tmp/raftd-apt.log 2>&1 \
  || { tail -30 /tmp/raftd-apt.log >&2; echo "deps.sh: apt-get install failed (log: /tmp/raftd-apt.log)" >&2; exit 1; }
