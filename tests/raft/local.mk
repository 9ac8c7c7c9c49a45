# tests/raft/: deterministic cluster tests of raftd's raft fixes
# (raft/fix_*.c), on libraft's raft_fixture with invariant checks after
# every step (tests/raft/harness.h).  Each test is built twice from one
# source: NAME links the patched raft and runs in `make check`;
# NAME-unpatched links Debian's archive as shipped, and
# `make check-raft-unpatched` runs those to show every test failing there.
if HAVE_CMOCKA
RAFT_FIX_TESTS = \
	tests/raft/test_figure8 \
	tests/raft/test_commit_stall \
	tests/raft/test_apply_length \
	tests/raft/test_candidate_durable \
	tests/raft/test_leader_disk_error \
	tests/raft/test_change_after_commit \
	tests/raft/test_vote_silent_leader
RAFT_FIX_TESTS_UNPATCHED = \
	tests/raft/test_figure8-unpatched \
	tests/raft/test_commit_stall-unpatched \
	tests/raft/test_apply_length-unpatched \
	tests/raft/test_candidate_durable-unpatched \
	tests/raft/test_leader_disk_error-unpatched \
	tests/raft/test_change_after_commit-unpatched \
	tests/raft/test_vote_silent_leader-unpatched
check_PROGRAMS += $(RAFT_FIX_TESTS) $(RAFT_FIX_TESTS_UNPATCHED)
TESTS += $(RAFT_FIX_TESTS)

noinst_LTLIBRARIES += tests/raft/libraftharness.la
tests_raft_libraftharness_la_SOURCES = \
	tests/raft/harness.h \
	tests/raft/harness_int.h \
	tests/raft/harness.c \
	tests/raft/check.c \
	tests/raft/test_fsm.c \
	tests/raft/taps.c
tests_raft_libraftharness_la_CFLAGS = $(AM_CFLAGS)

RAFT_TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
RAFT_TEST_PATCHED = tests/raft/libraftharness.la $(RAFT_LINK) $(CMOCKA_LIBS)
RAFT_TEST_UNPATCHED = tests/raft/libraftharness.la $(RAFT_LINK_UNPATCHED) \
	$(CMOCKA_LIBS)

tests_raft_test_figure8_SOURCES = tests/raft/test_figure8.c
tests_raft_test_figure8_CFLAGS = $(RAFT_TEST_CFLAGS)
tests_raft_test_figure8_LDADD = $(RAFT_TEST_PATCHED)
tests_raft_test_figure8_unpatched_SOURCES = tests/raft/test_figure8.c
tests_raft_test_figure8_unpatched_CFLAGS = $(RAFT_TEST_CFLAGS)
tests_raft_test_figure8_unpatched_LDADD = $(RAFT_TEST_UNPATCHED)

tests_raft_test_commit_stall_SOURCES = tests/raft/test_commit_stall.c
tests_raft_test_commit_stall_CFLAGS = $(RAFT_TEST_CFLAGS)
tests_raft_test_commit_stall_LDADD = $(RAFT_TEST_PATCHED)
tests_raft_test_commit_stall_unpatched_SOURCES = tests/raft/test_commit_stall.c
tests_raft_test_commit_stall_unpatched_CFLAGS = $(RAFT_TEST_CFLAGS)
tests_raft_test_commit_stall_unpatched_LDADD = $(RAFT_TEST_UNPATCHED)

tests_raft_test_apply_length_SOURCES = tests/raft/test_apply_length.c
tests_raft_test_apply_length_CFLAGS = $(RAFT_TEST_CFLAGS)
tests_raft_test_apply_length_LDADD = $(RAFT_TEST_PATCHED)
tests_raft_test_apply_length_unpatched_SOURCES = tests/raft/test_apply_length.c
tests_raft_test_apply_length_unpatched_CFLAGS = $(RAFT_TEST_CFLAGS)
tests_raft_test_apply_length_unpatched_LDADD = $(RAFT_TEST_UNPATCHED)

tests_raft_test_candidate_durable_SOURCES = tests/raft/test_candidate_durable.c
tests_raft_test_candidate_durable_CFLAGS = $(RAFT_TEST_CFLAGS)
tests_raft_test_candidate_durable_LDADD = $(RAFT_TEST_PATCHED)
tests_raft_test_candidate_durable_unpatched_SOURCES = \
	tests/raft/test_candidate_durable.c
tests_raft_test_candidate_durable_unpatched_CFLAGS = $(RAFT_TEST_CFLAGS)
tests_raft_test_candidate_durable_unpatched_LDADD = $(RAFT_TEST_UNPATCHED)

tests_raft_test_leader_disk_error_SOURCES = tests/raft/test_leader_disk_error.c
tests_raft_test_leader_disk_error_CFLAGS = $(RAFT_TEST_CFLAGS)
tests_raft_test_leader_disk_error_LDADD = $(RAFT_TEST_PATCHED)
tests_raft_test_leader_disk_error_unpatched_SOURCES = \
	tests/raft/test_leader_disk_error.c
tests_raft_test_leader_disk_error_unpatched_CFLAGS = $(RAFT_TEST_CFLAGS)
tests_raft_test_leader_disk_error_unpatched_LDADD = $(RAFT_TEST_UNPATCHED)

tests_raft_test_change_after_commit_SOURCES = \
	tests/raft/test_change_after_commit.c
tests_raft_test_change_after_commit_CFLAGS = $(RAFT_TEST_CFLAGS)
tests_raft_test_change_after_commit_LDADD = $(RAFT_TEST_PATCHED)
tests_raft_test_change_after_commit_unpatched_SOURCES = \
	tests/raft/test_change_after_commit.c
tests_raft_test_change_after_commit_unpatched_CFLAGS = $(RAFT_TEST_CFLAGS)
tests_raft_test_change_after_commit_unpatched_LDADD = $(RAFT_TEST_UNPATCHED)

tests_raft_test_vote_silent_leader_SOURCES = \
	tests/raft/test_vote_silent_leader.c
tests_raft_test_vote_silent_leader_CFLAGS = $(RAFT_TEST_CFLAGS)
tests_raft_test_vote_silent_leader_LDADD = $(RAFT_TEST_PATCHED)
tests_raft_test_vote_silent_leader_unpatched_SOURCES = \
	tests/raft/test_vote_silent_leader.c
tests_raft_test_vote_silent_leader_unpatched_CFLAGS = $(RAFT_TEST_CFLAGS)
tests_raft_test_vote_silent_leader_unpatched_LDADD = $(RAFT_TEST_UNPATCHED)

# raft/fix_crc32_speed.c is a performance replacement, not a fix: its test
# compares it with the archive's renamed original, so it links the patched
# raft only and has no -unpatched twin.  bench_crc32 prints speeds and is
# not a test: `make bench-crc32`.
check_PROGRAMS += tests/raft/test_crc32 tests/raft/bench_crc32
TESTS += tests/raft/test_crc32
tests_raft_test_crc32_SOURCES = tests/raft/test_crc32.c
tests_raft_test_crc32_CFLAGS = $(RAFT_TEST_CFLAGS)
tests_raft_test_crc32_LDADD = $(RAFT_LINK) $(CMOCKA_LIBS)
tests_raft_bench_crc32_SOURCES = tests/raft/bench_crc32.c
tests_raft_bench_crc32_CFLAGS = $(AM_CFLAGS)
tests_raft_bench_crc32_LDADD = $(RAFT_LINK)

bench-crc32: tests/raft/bench_crc32
	@./tests/raft/bench_crc32
.PHONY: bench-crc32

# Every test must fail without the fixes; the script says which fail and
# how, and itself fails if one of them passes.
check-raft-unpatched: $(RAFT_FIX_TESTS_UNPATCHED)
	@$(SHELL) $(srcdir)/tests/raft/run-unpatched.sh $(RAFT_FIX_TESTS_UNPATCHED)
.PHONY: check-raft-unpatched

# raft/fix_segment_zero.c: prepared segments hold written zeroes.
check_PROGRAMS += tests/raft/test_segment_zero
TESTS += tests/raft/test_segment_zero
tests_raft_test_segment_zero_SOURCES = tests/raft/test_segment_zero.c
tests_raft_test_segment_zero_CFLAGS = $(RAFT_TEST_CFLAGS)
tests_raft_test_segment_zero_LDADD = $(RAFT_LINK) $(CMOCKA_LIBS)

# raft/fix_aio_destroy.c: AIO contexts destroyed by a background thread.
check_PROGRAMS += tests/raft/test_aio_destroy
TESTS += tests/raft/test_aio_destroy
tests_raft_test_aio_destroy_SOURCES = tests/raft/test_aio_destroy.c
tests_raft_test_aio_destroy_CFLAGS = $(RAFT_TEST_CFLAGS)
tests_raft_test_aio_destroy_LDADD = $(RAFT_LINK) $(CMOCKA_LIBS)

# raft/fix_vote_silent_leader.c must not let a follower that still hears
# its leader vote for another (passes unpatched too, so not in
# RAFT_FIX_TESTS).
check_PROGRAMS += tests/raft/test_vote_stickiness
TESTS += tests/raft/test_vote_stickiness
tests_raft_test_vote_stickiness_SOURCES = tests/raft/test_vote_stickiness.c
tests_raft_test_vote_stickiness_CFLAGS = $(RAFT_TEST_CFLAGS)
tests_raft_test_vote_stickiness_LDADD = $(RAFT_TEST_PATCHED)

# raft/fix_recv_coalesce.c: peer messages read in one read(2), handed to
# raft piece by piece.
check_PROGRAMS += tests/raft/test_recv_coalesce
TESTS += tests/raft/test_recv_coalesce
tests_raft_test_recv_coalesce_SOURCES = tests/raft/test_recv_coalesce.c
tests_raft_test_recv_coalesce_CFLAGS = $(RAFT_TEST_CFLAGS)
tests_raft_test_recv_coalesce_LDADD = $(RAFT_LINK) $(CMOCKA_LIBS)
endif
EXTRA_DIST += tests/raft/run-unpatched.sh
