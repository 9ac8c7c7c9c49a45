# jepsen/: the fault-test harness (jepsen/README.md).
#
# jepsen-runner drives a cluster in network namespaces and records a
# history; jepsen-check checks it and writes the report; jepsen/run is the
# one command around both. The checkers live in a convenience library so
# that the unit tests reach them directly.
noinst_LTLIBRARIES += jepsen/libjcheck.la
jepsen_libjcheck_la_SOURCES = \
	jepsen/lib/json.c jepsen/lib/json.h \
	jepsen/lib/history.c jepsen/lib/history.h \
	jepsen/check/model.c jepsen/check/model.h \
	jepsen/check/wgl.c jepsen/check/wgl.h \
	jepsen/check/linear.c jepsen/check/linear.h \
	jepsen/check/elements.c jepsen/check/elements.h \
	jepsen/check/set.c jepsen/check/set.h \
	jepsen/check/append.c jepsen/check/append.h \
	jepsen/check/fencing.c jepsen/check/fencing.h \
	jepsen/check/faults.c jepsen/check/details.c \
	jepsen/check/plots.c jepsen/check/timeline.c jepsen/check/report.h
jepsen_libjcheck_la_CFLAGS = $(AM_CFLAGS)
jepsen_libjcheck_la_LIBADD = common/libcommon.la

noinst_PROGRAMS += jepsen/jepsen-check jepsen/jepsen-runner
jepsen_jepsen_check_SOURCES = jepsen/check/main.c
jepsen_jepsen_check_CFLAGS = $(AM_CFLAGS)
jepsen_jepsen_check_LDADD = jepsen/libjcheck.la

jepsen_jepsen_runner_SOURCES = \
	jepsen/runner/runner.h jepsen/runner/main.c jepsen/runner/opts.c \
	jepsen/runner/hist.c jepsen/runner/resp.c jepsen/runner/node.c \
	jepsen/runner/net.c jepsen/runner/grudge.c jepsen/runner/nemesis.c \
	jepsen/runner/member.c jepsen/runner/member_list.c \
	jepsen/runner/worker.c \
	jepsen/runner/keys.c jepsen/runner/replicas.c \
	jepsen/runner/lists.c \
	jepsen/runner/wl_register.c jepsen/runner/wl_set.c jepsen/runner/wl_append.c \
	jepsen/runner/wl_lock.c
jepsen_jepsen_runner_CFLAGS = $(AM_CFLAGS)
jepsen_jepsen_runner_LDADD = client/librdcore.la jepsen/libjcheck.la $(UV_LIBS) -lpthread

if HAVE_CMOCKA
JEPSEN_UNIT = jepsen/tests/test_linear jepsen/tests/test_collections \
	jepsen/tests/test_history jepsen/tests/test_grudge jepsen/tests/test_member_list
check_PROGRAMS += $(JEPSEN_UNIT)
TESTS += $(JEPSEN_UNIT)
jepsen_tests_test_linear_SOURCES = jepsen/tests/test_linear.c
jepsen_tests_test_linear_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
jepsen_tests_test_linear_LDADD = jepsen/libjcheck.la $(CMOCKA_LIBS)
jepsen_tests_test_collections_SOURCES = jepsen/tests/test_collections.c
jepsen_tests_test_collections_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
jepsen_tests_test_collections_LDADD = jepsen/libjcheck.la $(CMOCKA_LIBS)
jepsen_tests_test_history_SOURCES = jepsen/tests/test_history.c
jepsen_tests_test_history_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
jepsen_tests_test_history_LDADD = jepsen/libjcheck.la $(CMOCKA_LIBS)
jepsen_tests_test_grudge_SOURCES = jepsen/tests/test_grudge.c jepsen/runner/grudge.c
jepsen_tests_test_grudge_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
jepsen_tests_test_grudge_LDADD = $(CMOCKA_LIBS)
jepsen_tests_test_member_list_SOURCES = jepsen/tests/test_member_list.c \
	jepsen/runner/member_list.c
jepsen_tests_test_member_list_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
jepsen_tests_test_member_list_LDADD = $(CMOCKA_LIBS)
endif

# Whole runs in network namespaces (root only; they SKIP otherwise).
TESTS += jepsen/tests/combined.sh jepsen/tests/known-bad.sh
EXTRA_DIST += jepsen/run jepsen/netns.sh jepsen/suite.sh jepsen/README.md \
	jepsen/tests/lib.sh jepsen/tests/combined.sh jepsen/tests/known-bad.sh

# The long suite: several workloads x nemeses, minutes each. (jepsen is
# also a directory of the build tree, so the target is forced rather than
# phony: .PHONY is already set under a condition elsewhere.)
jepsen: all jepsen-force
	RAFTD_BUILD='$(abs_top_builddir)' $(SHELL) '$(abs_top_srcdir)/jepsen/suite.sh'
jepsen-force:

# The whole-run tests keep their runs for inspection; make clean drops them.
# (clean-local carries no recipe here, so other fragments can hook it too.)
clean-local: jepsen-clean-store
jepsen-clean-store:
	rm -rf jepsen/test-store
