# tests/e2e/: real processes on 127.0.0.1 (scripts/raftd-cluster, redis-cli,
# raftctl). Each script starts its own cluster in a temp dir on free ports.
TESTS += tests/e2e/failover3.sh tests/e2e/failover5.sh tests/e2e/badinput.sh \
	tests/e2e/paused_leader.sh tests/e2e/sessions.sh
TESTS += tests/e2e/membership.sh
TESTS += tests/e2e/snapshot_policy.sh
TESTS += tests/e2e/paused_follower.sh
TESTS += tests/e2e/quota.sh
EXTRA_DIST += tests/e2e/lib.sh tests/e2e/failover.inc
TESTS += tests/e2e/catchup.sh
TESTS += tests/e2e/backup.sh
TESTS += tests/e2e/standby.sh
