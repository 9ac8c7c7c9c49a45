#!/usr/bin/env bash
# Five-node walkthrough: see failover.inc.
N=5
source "$top_srcdir/tests/e2e/failover.inc"
