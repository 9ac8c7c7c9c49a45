# tests/unit/resp.mk: unit tests for common/ - the byte buffer, the request
# parser, the writers and the reply parser (with round trips through both).
if HAVE_CMOCKA
RESP_UNIT_TESTS = \
	tests/unit/test_buf \
	tests/unit/test_resp_request \
	tests/unit/test_resp_write \
	tests/unit/test_resp_reply
check_PROGRAMS += $(RESP_UNIT_TESTS)
TESTS += $(RESP_UNIT_TESTS)

RESP_UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
RESP_UNIT_LDADD = common/libcommon.la $(CMOCKA_LIBS)

tests_unit_test_buf_SOURCES = tests/unit/test_buf.c
tests_unit_test_buf_CFLAGS = $(RESP_UNIT_CFLAGS)
tests_unit_test_buf_LDADD = $(RESP_UNIT_LDADD)

tests_unit_test_resp_request_SOURCES = tests/unit/test_resp_request.c
tests_unit_test_resp_request_CFLAGS = $(RESP_UNIT_CFLAGS)
tests_unit_test_resp_request_LDADD = $(RESP_UNIT_LDADD)

tests_unit_test_resp_write_SOURCES = tests/unit/test_resp_write.c
tests_unit_test_resp_write_CFLAGS = $(RESP_UNIT_CFLAGS)
tests_unit_test_resp_write_LDADD = $(RESP_UNIT_LDADD)

tests_unit_test_resp_reply_SOURCES = tests/unit/test_resp_reply.c
tests_unit_test_resp_reply_CFLAGS = $(RESP_UNIT_CFLAGS)
tests_unit_test_resp_reply_LDADD = $(RESP_UNIT_LDADD)
endif
