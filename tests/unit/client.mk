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
endif
