#!/usr/bin/env bash
# Three-node walkthrough: see failover.inc.
N=3
source "$top_srcdir/tests/e2e/failover.inc"
