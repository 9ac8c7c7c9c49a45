# etcd-tools.sh - sourced by compare-etcd: install etcd and Go from Debian and
# build etcd's own benchmark tool and our etcd-putloop, offline.
#
# etcd's tools/benchmark is not in any binary package, but it is in Debian's
# etcd *source* package, and every Go package it imports is packaged in
# golang-etcd-server-dev and its dependencies under /usr/share/gocode. So it
# builds in GOPATH mode (GO111MODULE=off) with no module download. The source
# package is fetched with `apt-get source` through a private apt configuration
# whose deb-src lines mirror the machine's deb lines, leaving the system's apt
# setup untouched.
#
# Everything lands under $TOOLS (default /var/tmp/raftd-compare-tools) and is
# reused by later runs: bin/etcd-benchmark, bin/etcd-putloop.

TOOLS=${TOOLS:-/var/tmp/raftd-compare-tools}
BENCH_PKGS=(etcd-server etcd-client golang-go golang-etcd-server-dev
            procps iproute2 redis-tools linux-perf)

tools_log() { printf '[compare-etcd %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

tools_apt_install() {
  local p missing=()
  for p in "${BENCH_PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  ((EUID == 0)) || { echo "compare-etcd: need root to install: ${missing[*]}" >&2; return 1; }
  tools_log "apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q \
    --no-install-recommends "${missing[@]}" >"$TOOLS/apt-install.log" 2>&1 ||
    { tail -20 "$TOOLS/apt-install.log" >&2; return 1; }
}

# Private apt configuration with deb-src twins of the machine's deb entries.
tools_apt_src_opts() {
  local d=$TOOLS/apt-src f
  mkdir -p "$d/parts" "$d/lists/partial" "$d/cache/archives/partial"
  : >"$d/parts/src.sources"
  : >"$d/src.list"
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -e "$f" ]] || continue
    # deb822: one stanza per paragraph; keep those of type deb, as deb-src
    awk 'BEGIN { RS = ""; ORS = "\n\n" }
         /(^|\n)Types:[^\n]*deb([ \n]|$)/ { sub(/Types:[^\n]*/, "Types: deb-src"); print }' \
      "$f" >>"$d/parts/src.sources"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -e "$f" ]] || continue
    sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" >>"$d/src.list"
  done
  APT_SRC_OPTS=(-o "Dir::Etc::sourcelist=$d/src.list" -o "Dir::Etc::sourceparts=$d/parts"
                -o "Dir::State::lists=$d/lists" -o "Dir::Cache=$d/cache")
}

tools_etcd_source() { # prints the path of the upstream tarball
  local ver up orig
  ver=$(dpkg-query -W -f='${Version}' golang-etcd-server-dev)
  up=${ver%-*}
  orig=$TOOLS/src/etcd_${up}.orig.tar.gz
  if [[ ! -s "$orig" ]]; then
    tools_log "fetching Debian source package etcd=$ver"
    mkdir -p "$TOOLS/src"
    tools_apt_src_opts
    apt-get "${APT_SRC_OPTS[@]}" update -qq
    (cd "$TOOLS/src" && apt-get "${APT_SRC_OPTS[@]}" source --download-only "etcd=$ver") \
      >"$TOOLS/apt-source.log" 2>&1 || { tail -20 "$TOOLS/apt-source.log" >&2; return 1; }
  fi
  [[ -s "$orig" ]] || { echo "compare-etcd: $orig not obtained" >&2; return 1; }
  echo "$orig"
}

tools_build() {
  local here=$1 orig up gp=$TOOLS/gopath bdir pdir
  export GO111MODULE=off GOFLAGS= GOPATH="$gp:/usr/share/gocode" GOCACHE=$TOOLS/gocache
  mkdir -p "$TOOLS/bin" "$gp/src"
  if [[ ! -x "$TOOLS/bin/etcd-benchmark" ]]; then
    orig=$(tools_etcd_source) || return 1
    up=${orig##*/etcd_}; up=${up%.orig.tar.gz}
    bdir=$gp/src/go.etcd.io/etcd/tools/benchmark
    tools_log "building etcd $up tools/benchmark (GOPATH mode, offline)"
    rm -rf "$bdir"; mkdir -p "$(dirname "$bdir")"
    tar xzf "$orig" -C "$(dirname "$bdir")" --strip-components=2 "etcd-$up/tools/benchmark"
    (cd "$bdir" && go build -o "$TOOLS/bin/etcd-benchmark" .) || return 1
  fi
  pdir=$gp/src/raftdbench/etcd-putloop
  if ! cmp -s "$here/etcd-putloop/main.go" "$pdir/main.go" || [[ ! -x "$TOOLS/bin/etcd-putloop" ]]; then
    tools_log "building etcd-putloop"
    mkdir -p "$pdir"; cp "$here/etcd-putloop/main.go" "$pdir/main.go"
    (cd "$pdir" && go build -o "$TOOLS/bin/etcd-putloop" .) || return 1
  fi
}

tools_setup() { # HERE (the bench/ directory)
  mkdir -p "$TOOLS"
  tools_apt_install || return 1
  tools_build "$1" || return 1
  "$TOOLS/bin/etcd-benchmark" --help >/dev/null || return 1
  tools_log "tools ready: $(etcd --version | awk '/etcd Version/{print "etcd " $3}'), $(go version | awk '{print $3}'), $TOOLS/bin"
}
