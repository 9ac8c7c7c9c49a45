# tests/unit/fsm.mk: unit tests for fsm/ (map, batch codec, apply semantics,
# sessions and exactly-once, locks and fencing, the member table) and
# snapshot/ (crc32c, snapshot format, sessions, locks and members in
# snapshots).
if HAVE_CMOCKA
FSM_UNIT_TESTS = \
	tests/unit/test_fsm_map \
	tests/unit/test_fsm_codec \
	tests/unit/test_fsm_apply \
	tests/unit/test_fsm_session \
	tests/unit/test_fsm_lock \
	tests/unit/test_fsm_member \
	tests/unit/test_snap_crc32c \
	tests/unit/test_snap \
	tests/unit/test_snap_session
check_PROGRAMS += $(FSM_UNIT_TESTS)
TESTS += $(FSM_UNIT_TESTS)

FSM_UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
FSM_UNIT_LDADD = fsm/libfsm.la common/libcommon.la $(CMOCKA_LIBS)
SNAP_UNIT_LDADD = snapshot/libsnap.la $(FSM_UNIT_LDADD)

tests_unit_test_fsm_map_SOURCES = tests/unit/test_fsm_map.c
tests_unit_test_fsm_map_CFLAGS = $(FSM_UNIT_CFLAGS)
tests_unit_test_fsm_map_LDADD = $(FSM_UNIT_LDADD)

tests_unit_test_fsm_codec_SOURCES = tests/unit/test_fsm_codec.c \
	tests/unit/test_fsm_util.h
tests_unit_test_fsm_codec_CFLAGS = $(FSM_UNIT_CFLAGS)
tests_unit_test_fsm_codec_LDADD = $(FSM_UNIT_LDADD)

tests_unit_test_fsm_apply_SOURCES = tests/unit/test_fsm_apply.c \
	tests/unit/test_fsm_util.h
tests_unit_test_fsm_apply_CFLAGS = $(FSM_UNIT_CFLAGS)
tests_unit_test_fsm_apply_LDADD = $(FSM_UNIT_LDADD)

tests_unit_test_fsm_session_SOURCES = tests/unit/test_fsm_session.c \
	tests/unit/test_fsm_util.h
tests_unit_test_fsm_session_CFLAGS = $(FSM_UNIT_CFLAGS)
tests_unit_test_fsm_session_LDADD = $(FSM_UNIT_LDADD)

tests_unit_test_fsm_lock_SOURCES = tests/unit/test_fsm_lock.c \
	tests/unit/test_fsm_util.h
tests_unit_test_fsm_lock_CFLAGS = $(FSM_UNIT_CFLAGS)
tests_unit_test_fsm_lock_LDADD = $(FSM_UNIT_LDADD)

tests_unit_test_fsm_member_SOURCES = tests/unit/test_fsm_member.c \
	tests/unit/test_fsm_util.h tests/unit/test_snap_util.h
tests_unit_test_fsm_member_CFLAGS = $(FSM_UNIT_CFLAGS)
tests_unit_test_fsm_member_LDADD = $(SNAP_UNIT_LDADD)

tests_unit_test_snap_crc32c_SOURCES = tests/unit/test_snap_crc32c.c
tests_unit_test_snap_crc32c_CFLAGS = $(FSM_UNIT_CFLAGS)
tests_unit_test_snap_crc32c_LDADD = $(SNAP_UNIT_LDADD)

tests_unit_test_snap_SOURCES = tests/unit/test_snap.c \
	tests/unit/test_snap_util.h tests/unit/test_fsm_util.h
tests_unit_test_snap_CFLAGS = $(FSM_UNIT_CFLAGS)
tests_unit_test_snap_LDADD = $(SNAP_UNIT_LDADD)

tests_unit_test_snap_session_SOURCES = tests/unit/test_snap_session.c \
	tests/unit/test_snap_util.h tests/unit/test_fsm_util.h
tests_unit_test_snap_session_CFLAGS = $(FSM_UNIT_CFLAGS)
tests_unit_test_snap_session_LDADD = $(SNAP_UNIT_LDADD)
endif
