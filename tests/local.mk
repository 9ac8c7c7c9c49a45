# tests/: each suite keeps its rules in its own fragment.
# Unit tests use cmocka; end-to-end tests are shell scripts driving real
# processes on 127.0.0.1 through scripts/raftd-cluster and raftctl.
TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = $(SHELL)
AM_TESTS_ENVIRONMENT = top_builddir='$(abs_top_builddir)' top_srcdir='$(abs_top_srcdir)'; export top_builddir top_srcdir;

include tests/unit/fsm.mk
include tests/unit/resp.mk
include tests/unit/client.mk
include tests/unit/backup.mk
include tests/fixture/local.mk
include tests/raft/local.mk
include tests/e2e/local.mk
