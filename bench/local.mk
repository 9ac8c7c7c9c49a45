# bench/: raftd-bench (the load generator and failover probe, on libraftd),
# compare-etcd (raftd against etcd on this machine). bench/fsm-bench is built
# from fsm/local.mk.
# None of them runs in `make check` except a short raftd-bench smoke test.
noinst_PROGRAMS += bench/raftd-bench
bench_raftd_bench_SOURCES = \
	bench/raftd-bench.c bench/bench.h \
	bench/options.c bench/options.h \
	bench/workload.c bench/workload.h \
	bench/hist.c bench/hist.h \
	bench/load.c \
	bench/gap.c \
	bench/leader.c \
	bench/report.c
bench_raftd_bench_CFLAGS = $(AM_CFLAGS)
bench_raftd_bench_LDADD = client/libraftd.la $(UV_LIBS)

dist_noinst_SCRIPTS += bench/compare-etcd
EXTRA_DIST += bench/etcd-tools.sh bench/etcd-putloop/main.go

# Tests: the histogram behind every latency figure, a 1-second smoke run of
# raftd-bench against a 1-node cluster, and five planned leadership
# transfers under raftd-bench's writer (no benchmark runs in make check).
if HAVE_CMOCKA
check_PROGRAMS += bench/tests/test_hist
TESTS += bench/tests/test_hist
bench_tests_test_hist_SOURCES = bench/tests/test_hist.c bench/hist.c bench/hist.h
bench_tests_test_hist_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
bench_tests_test_hist_LDADD = $(CMOCKA_LIBS)
endif
TESTS += bench/tests/smoke.sh bench/tests/transfer.sh
EXTRA_DIST += bench/tests/smoke.sh bench/tests/transfer.sh
