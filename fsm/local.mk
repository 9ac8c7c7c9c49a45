# fsm/: the replicated state machine, a plain library with no loop, raft or
# sockets (see fsm/fsm.h); the daemon and the tests link it with libcommon.
noinst_LTLIBRARIES += fsm/libfsm.la
fsm_libfsm_la_SOURCES = \
	fsm/fsm.c fsm/fsm.h fsm/fsm_impl.h \
	fsm/apply_kv.c \
	fsm/apply_session.c \
	fsm/apply_member.c \
	fsm/codec.c fsm/codec.h \
	fsm/lock.c fsm/lock.h \
	fsm/map.c fsm/map.h \
	fsm/member.c fsm/member.h \
	fsm/session.c fsm/session.h \
	fsm/state.c fsm/state.h
fsm_libfsm_la_CFLAGS = $(AM_CFLAGS)

# bench/fsm-bench: a million keys through apply (plain and session-tagged),
# get, scan and a snapshot round trip, with times and resident memory. Run
# it from a build without --enable-sanitize for meaningful numbers.
noinst_PROGRAMS += bench/fsm-bench
bench_fsm_bench_SOURCES = bench/fsm-bench.c
bench_fsm_bench_CFLAGS = $(AM_CFLAGS)
bench_fsm_bench_LDADD = snapshot/libsnap.la fsm/libfsm.la common/libcommon.la
