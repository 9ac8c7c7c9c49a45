# tests/unit/client.mk: unit tests for client/ (libraftd): request encoding
# and reply decoding on bytes, then the retry/redirect/deadline rules against
# a scripted fake RESP server on 127.0.0.1 (tests/unit/test_client_fake.c).
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_client
TESTS += tests/unit/test_client

tests_unit_test_client_SOURCES = \
	tests/unit/test_client.c \
	tests/unit/test_client_fake.c tests/unit/test_client_fake.h \
	tests/unit/test_client_util.h
tests_unit_test_client_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_client_LDADD = client/librdcore.la common/libcommon.la \
	$(UV_LIBS) $(CMOCKA_LIBS) -lpthread

# Read consistency modes; sessions, locks and fencing (same fake server).
check_PROGRAMS += tests/unit/test_client_modes tests/unit/test_client_session
TESTS += tests/unit/test_client_modes tests/unit/test_client_session

tests_unit_test_client_modes_SOURCES = tests/unit/test_client_modes.c \
	tests/unit/test_client_fake.c tests/unit/test_client_fake.h \
	tests/unit/test_client_util.h
tests_unit_test_client_modes_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_client_modes_LDADD = $(tests_unit_test_client_LDADD)

tests_unit_test_client_session_SOURCES = tests/unit/test_client_session.c \
	tests/unit/test_client_fake.c tests/unit/test_client_fake.h \
	tests/unit/test_client_util.h
tests_unit_test_client_session_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_client_session_LDADD = $(tests_unit_test_client_LDADD)

# The same library against a real three-node cluster of this build's raftd
# (started by scripts/raftd-cluster on free ports in a temp directory).
check_PROGRAMS += tests/unit/test_client_e2e
TESTS += tests/unit/test_client_e2e
tests_unit_test_client_e2e_SOURCES = tests/unit/test_client_e2e.c
tests_unit_test_client_e2e_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) \
	-DTOP_SRCDIR='"$(abs_top_srcdir)"' -DTOP_BUILDDIR='"$(abs_top_builddir)"'
tests_unit_test_client_e2e_LDADD = $(tests_unit_test_client_LDADD)
EXTRA_tests_unit_test_client_e2e_DEPENDENCIES = raftd/raftd
endif

# Membership calls and status lags (client/member.c, client/member_cmd.c).
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_client_member
TESTS += tests/unit/test_client_member
tests_unit_test_client_member_SOURCES = tests/unit/test_client_member.c \
	tests/unit/test_client_fake.c tests/unit/test_client_fake.h \
	tests/unit/test_client_util.h
tests_unit_test_client_member_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_client_member_LDADD = $(tests_unit_test_client_LDADD)
endif
